"""No reuse of the last five passwords (SECURITY.md): on the password page, when a security administrator sets one, and
through the services."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.people.models import PasswordHistory, Role
from civicgrid.people.services import upsert_user
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HISTORY = [f"Reuse-check-{n:02d}" for n in range(1, 6)]


def set_passwords(user, passwords):
    for password in passwords:
        upsert_user(username=user.username, role=user.role, display_name=user.display_name, password=password)


def test_each_of_the_last_five_is_refused_and_the_sixth_oldest_is_accepted(people):
    street = people[Role.STREET_STAFF]  # signed up with PASSWORD, then five more: PASSWORD is the sixth oldest
    set_passwords(street, HISTORY)
    street.refresh_from_db()
    assert street.check_password(HISTORY[-1])
    for password in HISTORY:
        with pytest.raises(ValidationError) as refused:
            validate_password(password, street)
        assert [e.code for e in refused.value.error_list] == ["password_reused"], password
    for password in HISTORY[:-1]:
        with pytest.raises(ValidationError):
            upsert_user(username="street", role=Role.STREET_STAFF, password=password)
    # the present password again is no change for an upsert (the demo loads its users twice)
    assert upsert_user(username="street", role=Role.STREET_STAFF, display_name="street", password=HISTORY[-1])[1] == "unchanged"
    validate_password(PASSWORD, street)
    upsert_user(username="street", role=Role.STREET_STAFF, password=PASSWORD)
    street.refresh_from_db()
    assert street.check_password(PASSWORD)
    assert PasswordHistory.objects.filter(user=street).count() == 5  # no more than needed is kept
    with pytest.raises(ValidationError):  # and HISTORY[0] has now dropped out: HISTORY[1] is among the last five
        validate_password(HISTORY[1], street)
    validate_password(HISTORY[0], street)


def test_history_keeps_hashes_not_passwords(people):
    street = people[Role.STREET_STAFF]
    set_passwords(street, HISTORY[:2])
    stored = list(PasswordHistory.objects.filter(user=street).values_list("password", flat=True))
    assert stored and all(h.startswith(("md5$", "pbkdf2_sha256$", "argon2")) for h in stored)
    assert not any(p in h for h in stored for p in HISTORY)


def test_a_new_user_has_nothing_to_compare_with(db):
    validate_password(PASSWORD)  # no user: nothing to compare with
    user, _ = upsert_user(username="newcomer", role=Role.GRID_WORKER, password=PASSWORD)
    assert PasswordHistory.objects.filter(user=user).count() == 1


def test_the_password_page_says_why_a_reused_password_is_refused(people, client):
    client.cookies["django_language"] = "en"
    client.force_login(people[Role.DISPATCHER])
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert b"You have used this password recently" in response.content
    assert b"not among your last 5 passwords" in response.content


def test_a_security_administrator_cannot_set_a_recent_password_either(people, client):
    street = people[Role.STREET_STAFF]
    set_passwords(street, HISTORY[:1])
    client.cookies["django_language"] = "en"
    client.force_login(people[Role.SECURITY_ADMIN])
    url = reverse("admin:auth_user_password_change", args=[street.pk])
    response = client.post(url, {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"})
    assert response.status_code == 200 and b"You have used this password recently" in response.content
    response = client.post(url, {"password1": "Brand-new-pass-9", "password2": "Brand-new-pass-9", "usable_password": "true"})
    assert response.status_code == 302
    street.refresh_from_db()
    assert street.check_password("Brand-new-pass-9")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PASSWORD_CHANGE, target="user:street")
    assert entry.actor == people[Role.SECURITY_ADMIN] and entry.detail == {"source": "admin"}
