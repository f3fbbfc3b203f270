"""`civicgrid demo` on the shipped sample: a whole district, every role able to sign in, and a re-run changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.models import ChangeRecord
from civicgrid.demo.catalogue import DEMO_PASSWORD, DEMO_USERS
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.people.models import Department, Role, User
from civicgrid.people.scoping import restrict

pytestmark = pytest.mark.django_db


def counts():
    return (Region.objects.count(), User.objects.count(), Department.objects.count(), ChangeRecord.objects.count(),
            Case.objects.count(), CaseEvent.objects.count())


def test_demo_builds_the_sample_district_once(capsys):
    call_command("demo", "--sample", "--cases", "300")
    out = capsys.readouterr().out
    assert "shipped sample" in out
    assert "code 320506010009 already used by feature" in out  # the sample's real duplicate is reported
    assert Region.objects.filter(level=RegionLevel.STREET).count() == 2
    assert Region.objects.filter(level=RegionLevel.COMMUNITY).count() == 60
    assert Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE).count() == 294
    assert Region.objects.filter(grid_kind=GridKind.SPECIAL).count() == 153
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert "categories: 144 created" in out and "129 created" in out
    assert "api_key for POST requests:\n  cg311-demo-not-secret-open311-key" in out
    for username, *_ in DEMO_USERS:
        assert f"  {username} " in out and DEMO_PASSWORD in out
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    # every comprehensive grid has a grid worker
    assert Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE, scope_grants__user__role=Role.GRID_WORKER).distinct().count() == 294
    street = User.objects.get(username="street")
    assert restrict(Region.objects.filter(level=RegionLevel.STREET), street).count() == 1
    assert Department.objects.filter(kind=Department.Kind.STREET_OFFICE).count() == 2

    # a case history with every outcome and side path, replayed through the services
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"accepted", "in_handling", "closed", "evaluated", "rejected"} <= statuses, statuses
    assert Case.objects.filter(satisfaction__isnull=False).exists()
    assert Case.objects.filter(rework_count__gt=0).exists() and Case.objects.filter(supervised=True).exists()
    assert Case.objects.filter(ever_overdue=True).exists() and Case.objects.filter(return_count__gt=0).exists()
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 8
    assert all(e.at <= timezone.now() for e in CaseEvent.objects.all()[:500])

    before = counts()
    call_command("demo", "--sample", "--cases", "300")
    assert counts() == before
