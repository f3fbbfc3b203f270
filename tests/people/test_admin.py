"""The administration site: three separate administrator roles, every page loads, writes go through services."""

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.people.models import Role, ScopeGrant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHANGELISTS = ["people_user", "people_department", "people_scopegrant", "geo_region", "core_auditentry", "core_changerecord"]
# which administrator may open which list (三权分立)
ALLOWED = {
    Role.SYSTEM_ADMIN: {"people_department", "geo_region"},
    Role.SECURITY_ADMIN: {"people_user", "people_scopegrant", "people_department"},
    Role.AUDIT_ADMIN: {"core_auditentry", "core_changerecord"},
    Role.DATA_ADMIN: {"geo_region", "people_department", "core_changerecord"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_administrator_opens_only_their_lists(people, client, role):
    client.force_login(people[role])
    for name in CHANGELISTS:
        status = client.get(reverse(f"admin:{name}_changelist")).status_code
        assert status == (200 if name in ALLOWED[role] else 403), (role, name, status)


def test_no_administrator_holds_all_three_powers():
    powers = [{"people_user"}, {"core_auditentry"}, {"people_department"}]
    for role, allowed in ALLOWED.items():
        assert not all(p & allowed for p in powers), role


def test_street_staff_cannot_enter_the_admin(people, client):
    client.force_login(people[Role.STREET_STAFF])
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_lists_search_and_filter(people, client, tree):
    admin_user = people[Role.SECURITY_ADMIN]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for name in CHANGELISTS:
        assert client.get(reverse(f"admin:{name}_changelist"), {"q": "3205"}).status_code == 200, name
    response = client.get(reverse("admin:geo_region_changelist"), {"level__exact": 5})
    assert response.context["cl"].result_count == 7


def test_security_admin_changes_a_scope_through_the_service(people, client, tree):
    client.force_login(people[Role.SECURITY_ADMIN])
    street = people[Role.STREET_STAFF]
    url = reverse("admin:people_user_change", args=[street.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "last_login", "date_joined")}
    data.update({
        "username": street.username, "role": Role.COMMUNITY_STAFF, "display_name": "改了名字",
        "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00",
        "scope_grants-TOTAL_FORMS": "1", "scope_grants-INITIAL_FORMS": "0",
        "scope_grants-MIN_NUM_FORMS": "0", "scope_grants-MAX_NUM_FORMS": "1000",
        "scope_grants-0-region": tree.community_b1.pk, "scope_grants-0-user": street.pk,
    })
    data.pop("department", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    street.refresh_from_db()
    assert street.role == Role.COMMUNITY_STAFF
    assert set(ScopeGrant.objects.filter(user=street).values_list("region__code", flat=True)) == {tree.community_b1.code}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ROLE_CHANGE, target="user:street", actor_name="secadmin").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SCOPE_CHANGE, target="user:street", actor_name="secadmin").exists()
    assert ChangeRecord.objects.filter(model_label="people.user", object_id=str(street.pk), actor__username="secadmin").exists()


def test_data_admin_sees_only_regions_in_scope(people, client, tree, make_user):
    data_admin = make_user("streetdata", Role.DATA_ADMIN, [tree.street_b])
    client.force_login(data_admin)
    response = client.get(reverse("admin:geo_region_changelist"))
    assert response.context["cl"].result_count == 4  # street B, its community, 2 grids
    assert client.get(reverse("admin:geo_region_change", args=[tree.street_a.pk])).status_code == 302  # not found -> back


def test_password_is_not_shown_in_login_form(client, people):
    response = client.get(reverse("login"))
    assert PASSWORD.encode() not in response.content
