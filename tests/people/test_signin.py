"""Sign-in as SECURITY.md asks: audited, locked after five failures per user name and address, password rules."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.core.services import verify_audit_chain
from civicgrid.people.models import Role
from civicgrid.people.services import upsert_user
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, addr="10.0.0.1"):
    client.cookies["django_language"] = "en"  # the messages below are asserted in English
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr)


def test_sign_in_and_out_are_audited(people, client):
    response = attempt(client, "dispatcher", PASSWORD)
    assert response.status_code == 302
    client.post(reverse("logout"))
    actions = list(AuditEntry.objects.filter(actor_name="dispatcher").order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [AuditEntry.Action.LOGIN, AuditEntry.Action.LOGOUT]
    assert verify_audit_chain() == []


def test_five_failures_lock_the_user_at_that_address_only(people, client):
    for _ in range(5):
        response = attempt(client, "dispatcher", "wrong-Password-1")
        assert b"correct username and password" in response.content
    locked = attempt(client, "dispatcher", PASSWORD)
    assert locked.status_code == 200 and b"locked from this address for 15 minutes" in locked.content
    assert attempt(client, "dispatcher", PASSWORD, addr="10.0.0.2").status_code == 302  # a colleague elsewhere
    assert attempt(client, "leader", PASSWORD).status_code == 302  # another user behind the same NAT


def test_a_success_resets_the_count(people, client):
    for _ in range(4):
        attempt(client, "leader", "wrong-Password-1")
    assert attempt(client, "leader", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        attempt(client, "leader", "wrong-Password-1")
    assert attempt(client, "leader", PASSWORD).status_code == 302


@pytest.mark.parametrize("password", ["short1A", "alllowercaseletters", "lowercase12345"])
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        upsert_user(username="newbie", role=Role.GRID_WORKER, password=password)


def test_password_change_is_audited(people, client):
    assert client.login(username="street", password=PASSWORD)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Another-pass-77", "new_password2": "Another-pass-77"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_CHANGE, actor_name="street").exists()


def test_audit_chain_detects_an_edited_row(people, client):
    attempt(client, "leader", PASSWORD)
    attempt(client, "leader", "wrong-Password-1")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).first()
    AuditEntry.objects.filter(pk=entry.pk).update(actor_name="someone-else")
    problems = verify_audit_chain()
    assert any(f"entry {entry.pk}" in p and "edited" in p for p in problems)
