"""The second factor (TOTP, RFC 6238) as SECURITY.md asks: staff who can reveal personal data, and the security
administrator, sign in with their password and then a code from an authenticator app. Codes are made here with pyotp,
as the app on a phone makes them."""

import time
from io import StringIO

import pyotp
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from civicgrid.core.crypto import decrypt
from civicgrid.core.models import AuditEntry
from civicgrid.core.services import verify_audit_chain
from civicgrid.people import otp, services
from civicgrid.people.auth import PENDING_KEY, SECOND_FACTOR_KEY, VERIFIED
from civicgrid.people.models import Role, TotpDevice
from civicgrid.people.roles import TOTP_ROLES, needs_second_factor
from civicgrid.registry.policy import REVEAL_ROLES
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADDR = "10.0.0.7"


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code the app shows now (or that many 30-second steps later: still inside the ±1 step window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def wrong_code(secret: str) -> str:
    window = {code(secret, k) for k in (-1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(100000, 999999, 7919)) if c not in window)


def enrol(user) -> str:
    """Set up the user's second factor as the enrolment page does, with a real code; returns the secret."""
    _, secret = services.start_totp_enrolment(user)
    assert services.confirm_totp_enrolment(user, code(secret))
    return secret


def password_step(client, username, password=PASSWORD, **extra):
    client.cookies["django_language"] = "en"  # messages asserted in English
    return client.post(reverse("login"), {"username": username, "password": password, **extra}, REMOTE_ADDR=ADDR)


def code_step(client, value):
    return client.post(reverse("login_code"), {"code": value}, REMOTE_ADDR=ADDR)


def test_the_roles_that_reveal_personal_data_or_change_rights_need_a_second_factor():
    assert REVEAL_ROLES <= TOTP_ROLES  # registry's reveal right is kept in registry.policy; people keeps its own list
    assert Role.SECURITY_ADMIN in TOTP_ROLES
    assert Role.DISPATCHER not in TOTP_ROLES and Role.RESIDENT not in TOTP_ROLES


def test_enrolment_shows_the_qr_code_and_secret_once_and_keeps_the_secret_encrypted(people, client):
    street = people[Role.STREET_STAFF]
    client.force_login(street)  # not enrolled, not required yet: in, with a reminder
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200
    device = TotpDevice.objects.get(user=street)
    secret = decrypt(device.secret)
    assert device.secret.startswith("v1:") and secret not in device.secret and len(secret) == 32
    html = page.content.decode()
    assert f'src="{otp.qr_svg_data_uri(otp.provisioning_uri(secret, "street"))}"' in html  # the QR code: this secret
    uri = otp.provisioning_uri(secret, "street")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=civicgrid" in uri
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in html
    assert secret == decrypt(TotpDevice.objects.get(user=street).secret)  # a reload shows the same secret
    assert client.get(reverse("two_factor")).content.decode().count(secret[:4]) >= 1

    wrong = client.post(reverse("two_factor"), {"code": wrong_code(secret)})
    assert wrong.status_code == 200 and TotpDevice.objects.get(user=street).confirmed_at is None

    done = client.post(reverse("two_factor"), {"code": code(secret)})
    assert done.status_code == 302 and done.url == reverse("web:home")
    assert client.session[SECOND_FACTOR_KEY] == VERIFIED  # enrolling proved a code: the session stays in
    assert client.get(reverse("web:home")).status_code == 200
    assert TotpDevice.objects.get(user=street).confirmed_at is not None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECOND_FACTOR, actor=street)
    assert entry.detail == {"event": "enrolled"} and entry.target == "user:street"

    after = client.get(reverse("two_factor")).content.decode()
    assert secret[:8] not in after and "data:image/svg+xml" not in after  # never shown again
    with pytest.raises(services.SecondFactorError):
        services.start_totp_enrolment(street)


def test_sign_in_takes_the_password_then_a_code(people, client):
    secret = enrol(people[Role.COMMUNITY_STAFF])
    response = password_step(client, "community", next="/cases/")
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor_name="community").exists()
    page = client.get(reverse("login_code"))
    assert page.status_code == 200 and b'autocomplete="one-time-code"' in page.content

    response = code_step(client, code(secret, 1))
    assert response.status_code == 302 and response.url == "/cases/"  # where they were going
    assert client.get("/cases/").status_code == 200
    assert client.session[SECOND_FACTOR_KEY] == VERIFIED and PENDING_KEY not in client.session
    login = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor_name="community").get()
    assert login.ip_address == ADDR
    assert verify_audit_chain() == []


def test_between_password_and_code_no_page_is_open(people, client, tree):
    enrol(people[Role.GRID_WORKER])
    assert password_step(client, "gridworker").url == reverse("login_code")
    for url in ["/", "/cases/", "/cases/report/", f"/regions/{tree.grids['320571001001001'].code}/",
                reverse("password_change"), reverse("two_factor")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert client.get("/api/me/").status_code == 403
    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_is_refused_and_audited(people, client):
    secret = enrol(people[Role.STREET_STAFF])
    password_step(client, "street")
    response = code_step(client, wrong_code(secret))
    assert response.status_code == 200 and b"That code is not right" in response.content
    assert client.get("/").status_code == 302  # still not signed in
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor_name="street").get()
    assert failed.detail == {"step": "second factor", "reason": "wrong"} and failed.ip_address == ADDR
    assert code_step(client, code(secret, 1)).status_code == 302  # the right one still works


def test_a_code_cannot_be_used_twice(people, client):
    secret = enrol(people[Role.STREET_STAFF])
    used = code(secret, 1)
    password_step(client, "street")
    assert code_step(client, used).status_code == 302
    client.post(reverse("logout"))

    password_step(client, "street")
    response = code_step(client, used)
    assert response.status_code == 200 and b"already used" in response.content
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor_name="street",
                                     detail__reason="replayed").count() == 1
    assert client.get("/").status_code == 302


def test_wrong_codes_count_toward_the_lockout(people, client):
    secret = enrol(people[Role.STREET_STAFF])
    password_step(client, "street")
    for _ in range(4):
        assert code_step(client, wrong_code(secret)).status_code == 200
    locked = code_step(client, wrong_code(secret))  # the fifth
    assert locked.status_code == 302 and locked.url == reverse("login")
    assert b"locked from this address for 15 minutes" in client.get(reverse("login")).content
    assert code_step(client, code(secret, 1)).url == reverse("login")  # the pending sign-in is gone
    again = password_step(client, "street")  # and the password alone no longer gets anyone to the code page
    assert again.status_code == 200 and b"locked from this address" in again.content


def test_a_pending_sign_in_expires(people, client, settings):
    secret = enrol(people[Role.STREET_STAFF])
    password_step(client, "street")
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": time.time() - settings.TOTP_PENDING_SECONDS - 1}
    session.save()
    assert code_step(client, code(secret, 1)).url == reverse("login")
    assert client.get("/").status_code == 302


def test_when_required_staff_without_a_second_factor_set_it_up_before_anything_else(people, client, settings):
    settings.TOTP_REQUIRED = True
    response = password_step(client, "gridworker", next="/cases/report/")
    assert response.status_code == 302 and response.url == reverse("two_factor")
    assert client.get("/cases/report/").status_code == 302  # not signed in yet
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    secret = decrypt(TotpDevice.objects.get(user=people[Role.GRID_WORKER]).secret)

    wrong = client.post(reverse("two_factor"), {"code": wrong_code(secret)}, REMOTE_ADDR=ADDR)
    assert wrong.status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor_name="gridworker").count() == 1

    done = client.post(reverse("two_factor"), {"code": code(secret)}, REMOTE_ADDR=ADDR)
    assert done.status_code == 302 and done.url == "/cases/report/"
    assert client.get("/cases/report/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor_name="gridworker").exists()


def test_until_required_staff_without_a_second_factor_sign_in_with_a_reminder(people, client):
    response = password_step(client, "street")
    assert response.status_code == 302 and response.url == reverse("web:home")
    home = client.get(reverse("web:home"))
    assert home.status_code == 200 and b"set up a second factor" in home.content
    assert reverse("two_factor").encode() in home.content  # in the account menu


@pytest.mark.parametrize("required", [False, True])
def test_a_role_without_a_second_factor_signs_in_as_before(people, client, settings, required):
    settings.TOTP_REQUIRED = required
    response = password_step(client, "dispatcher")
    assert response.status_code == 302 and response.url == reverse("web:home")
    home = client.get(reverse("web:home"))
    assert home.status_code == 200 and b"second factor" not in home.content.lower()
    assert client.get(reverse("two_factor")).status_code == 403
    assert not needs_second_factor(people[Role.DISPATCHER])


def test_a_session_that_skipped_the_code_is_signed_out(people, client, settings):
    """force_login (or any other way into django.contrib.auth.login) does not pass the code step."""
    enrol(people[Role.STREET_STAFF])
    client.force_login(people[Role.STREET_STAFF])
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get("/api/me/").status_code == 403

    settings.TOTP_REQUIRED = True  # not enrolled, but required: same
    client.force_login(people[Role.COMMUNITY_STAFF])
    assert client.get("/cases/").status_code == 302
    client.force_login(people[Role.DISPATCHER])  # a role without a second factor is not concerned
    assert client.get("/cases/").status_code == 200


def test_the_admin_site_signs_in_through_the_sign_in_page(people, client):
    response = client.get("/admin/login/?next=/admin/people/user/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/admin/people/user/"
    secret = enrol(people[Role.SECURITY_ADMIN])
    password_step(client, "secadmin", next="/admin/people/user/")
    assert client.get("/admin/people/user/").status_code == 302
    assert code_step(client, code(secret, 1)).url == "/admin/people/user/"
    assert client.get("/admin/people/user/").status_code == 200


def test_a_security_administrator_resets_a_lost_second_factor(people, client):
    street = people[Role.STREET_STAFF]
    enrol(street)
    client.force_login(people[Role.SECURITY_ADMIN])  # not enrolled (grace): force_login keeps working
    change = client.get(reverse("admin:people_user_change", args=[street.pk]))
    assert b"set up 20" in change.content or "已设置".encode() in change.content
    response = client.post(reverse("admin:people_user_changelist"),
                           {"action": "reset_second_factor", "_selected_action": [street.pk]}, REMOTE_ADDR=ADDR)
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=street).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECOND_FACTOR, detail__event="reset")
    assert entry.actor == people[Role.SECURITY_ADMIN] and entry.target == "user:street" and entry.ip_address == ADDR

    client.logout()  # the user signs in again with the password only, and may set up a new phone
    assert password_step(client, "street").url == reverse("web:home")
    assert 'src="data:image/svg+xml' in client.get(reverse("two_factor")).content.decode()


def test_only_a_security_administrator_resets_and_never_their_own(people):
    street, secadmin = people[Role.STREET_STAFF], people[Role.SECURITY_ADMIN]
    enrol(street)
    enrol(secadmin)
    for actor in (people[Role.DISPATCHER], people[Role.SYSTEM_ADMIN], people[Role.AUDIT_ADMIN], street):
        with pytest.raises(PermissionDenied):
            services.reset_totp(street, actor=actor)
    with pytest.raises(PermissionDenied):
        services.reset_totp(secadmin, actor=secadmin)
    assert TotpDevice.objects.filter(confirmed_at__isnull=False).count() == 2
    assert services.reset_totp(secadmin, actor=None, reason="only security administrator lost the phone",
                               source="command")  # on the server
    assert AuditEntry.objects.get(detail__event="reset").actor_name == "(server)"
    assert not AuditEntry.objects.filter(detail__event="reset", target="user:street").exists()


def test_other_administrators_do_not_see_the_reset_action(people, client):
    client.force_login(people[Role.SYSTEM_ADMIN])
    assert client.get(reverse("admin:people_user_changelist")).status_code == 403


def test_a_command_on_the_server_resets_when_no_security_administrator_can(people):
    enrol(people[Role.SECURITY_ADMIN])
    out = StringIO()
    call_command("second_factor", "reset", "secadmin", "--reason", "the only security administrator lost the phone",
                 stdout=out)
    assert "reset" in out.getvalue() and not TotpDevice.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECOND_FACTOR, detail__event="reset")
    assert entry.actor is None and entry.detail["source"] == "command" and "lost the phone" in entry.detail["reason"]
    with pytest.raises(CommandError, match="no second factor"):
        call_command("second_factor", "reset", "secadmin", "--reason", "again")
