"""`civicgrid demo` on the shipped sample: a whole district, every role able to sign in, and a re-run changes nothing."""

import pytest
from django.core.management import call_command

from civicgrid.core.models import ChangeRecord
from civicgrid.demo.catalogue import DEMO_PASSWORD, DEMO_USERS
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.people.models import Department, Role, User
from civicgrid.people.scoping import restrict

pytestmark = pytest.mark.django_db


def counts():
    return (Region.objects.count(), User.objects.count(), Department.objects.count(), ChangeRecord.objects.count())


def test_demo_builds_the_sample_district_once(capsys):
    call_command("demo", "--sample")
    out = capsys.readouterr().out
    assert "shipped sample" in out
    assert "code 320506010009 already used by feature" in out  # the sample's real duplicate is reported
    assert Region.objects.filter(level=RegionLevel.STREET).count() == 2
    assert Region.objects.filter(level=RegionLevel.COMMUNITY).count() == 60
    assert Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE).count() == 294
    assert Region.objects.filter(grid_kind=GridKind.SPECIAL).count() == 153
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for username, *_ in DEMO_USERS:
        assert f"  {username} " in out and DEMO_PASSWORD in out
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    # every comprehensive grid has a grid worker
    assert Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE, scope_grants__user__role=Role.GRID_WORKER).distinct().count() == 294
    street = User.objects.get(username="street")
    assert restrict(Region.objects.filter(level=RegionLevel.STREET), street).count() == 1
    assert Department.objects.filter(kind=Department.Kind.STREET_OFFICE).count() == 2

    before = counts()
    call_command("demo", "--sample")
    assert counts() == before
