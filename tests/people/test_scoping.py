"""Who sees what: the data scope applied in one place, 404 outside it."""

import pytest
from django.http import Http404

from civicgrid.core.models import AuditEntry
from civicgrid.geo.models import Region
from civicgrid.people.models import Role
from civicgrid.people.scoping import get_in_scope_or_404, restrict, scope_of
from civicgrid.people.services import set_scope

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_street_staff_sees_their_street_and_nothing_of_the_other(tree, people):
    street = people[Role.STREET_STAFF]
    visible = codes(restrict(Region.objects.all(), street))
    assert tree.street_a.code in visible and "320571001002002" in visible
    assert not visible & codes(Region.objects.subtree(tree.street_b.path))
    assert tree.district.code not in visible  # not even the district above them
    with pytest.raises(Http404):
        get_in_scope_or_404(Region.objects.all(), street, code=tree.community_b1.code)


def test_grid_worker_sees_only_their_grids(tree, people):
    worker = people[Role.GRID_WORKER]
    assert codes(restrict(Region.objects.all(), worker)) == {"320571001001001", "320571001001002"}


def test_roles_without_a_scope_see_nothing(tree, people):
    for role in (Role.RESIDENT, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert not restrict(Region.objects.all(), people[role]).exists(), role


def test_overlapping_grants_collapse_to_the_widest(tree, make_user):
    user = make_user("both", Role.STREET_STAFF, [tree.street_a, tree.community_a1])
    assert scope_of(user).paths == (tree.street_a.path,)


def test_scope_change_is_audited_and_takes_effect(tree, people):
    street = people[Role.STREET_STAFF]
    set_scope(street, [tree.street_b], source="test")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SCOPE_CHANGE, target="user:street").first()
    assert entry.detail["regions"] == [tree.street_b.code]
    assert codes(restrict(Region.objects.all(), street)) == codes(Region.objects.subtree(tree.street_b.path))


def test_codes_sharing_a_prefix_are_not_confused(tree, make_user):
    """Path ranges end at the separator: street 320571001 must not pull in a sibling coded 3205710011."""
    from civicgrid.geo.services import upsert_region

    upsert_region(code="3205710011", name="相似编码街道", level=3, parent=tree.district)
    user = make_user("prefix", Role.STREET_STAFF, [tree.street_a])
    assert "3205710011" not in codes(restrict(Region.objects.all(), user))
