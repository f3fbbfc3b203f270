"""Sign-in with lockout: five failed attempts for one user name from one address lock that pair for a while.

Locking the pair, not the address alone, means one attacker behind an office's NAT cannot lock the whole office out,
and not the user name alone, so nobody can lock a colleague out from elsewhere (SECURITY.md). The failed attempts
are the audit log's own rows, so there is no second counter to keep in step.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.dispatch import receiver
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import AuditEntry
from civicgrid.core.signals import client_address
from civicgrid.people.roles import role_permissions


def is_locked_out(username: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    entries = AuditEntry.objects.filter(actor_name=username, ip_address=ip_address, at__gte=since)
    last_success = entries.filter(action=AuditEntry.Action.LOGIN).aggregate(at=Max("at"))["at"]
    failures = entries.filter(action=AuditEntry.Action.LOGIN_FAILED)
    if last_success:
        failures = failures.filter(at__gt=last_success)
    return failures.count() >= settings.LOGIN_FAILURE_LIMIT


class LockoutBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and is_locked_out(username, client_address(request)):
            if request is not None:
                request.civicgrid_locked_out = True
            raise PermissionDenied("locked out")
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_all_permissions(self, user_obj, obj=None):
        perms = super().get_all_permissions(user_obj, obj)
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            perms = {*perms, *role_permissions(user_obj.role)}
        return perms


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("Too many failed sign-ins: this account is locked from this address for %(minutes)d minutes."),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "civicgrid_locked_out", False):
                raise forms.ValidationError(
                    self.error_messages["locked_out"], code="locked_out",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                ) from None
            raise


# --- the second step of signing in (TOTP) -----------------------------------------------------------------------------
# After the password, a user who needs a second factor is not signed in yet: the session holds a "pending sign-in"
# (user, backend, where to go next, when), good for settings.TOTP_PENDING_SECONDS, and the code page (or, for someone
# who must first set one up, the enrolment page) finishes it with django.contrib.auth.login. So `request.user` stays
# anonymous until the code is right, and every page's own check keeps them out.
#
# Every login() also records in the session how the second factor stands (SECOND_FACTOR_KEY, set by
# `_second_factor_state` below); SecondFactorMiddleware signs out a session of a TOTP role without a good state. That
# covers any other way into login() (the admin site's own login form, which now redirects here anyway; a role changed
# to a TOTP role during a session). The test client's force_login goes through login() too: it gets in as a password
# sign-in would, so it keeps working for users who have not enrolled while settings.TOTP_REQUIRED is off (the test
# settings), and is signed out for users who have enrolled: those tests sign in through the pages.

PENDING_KEY = "civicgrid_pending_sign_in"
SECOND_FACTOR_KEY = "civicgrid_second_factor"
STEP_CODE, STEP_ENROL = "code", "enrol"
VERIFIED, GRACE, NOT_NEEDED, MISSING = "verified", "grace", "not_needed", "missing"
GOOD_STATES = frozenset({VERIFIED, GRACE})


def sign_in_step(user) -> str | None:
    """What comes after a right password: STEP_CODE, STEP_ENROL, or None (signed in at once)."""
    from civicgrid.people.roles import needs_second_factor
    from civicgrid.people.selectors import has_second_factor

    if not needs_second_factor(user):
        return None
    if has_second_factor(user):
        return STEP_CODE
    return STEP_ENROL if settings.TOTP_REQUIRED else None


def begin_second_step(request, user, step: str, next_url: str) -> None:
    request.session.cycle_key()  # a new session id once the password is known (no fixation)
    request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "step": step, "next": next_url,
                                    "at": timezone.now().timestamp()}


def pending_sign_in(request, step: str):
    """(user, pending) for a pending sign-in at `step` that has not expired; None otherwise."""
    from civicgrid.people.models import User

    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if timezone.now().timestamp() - float(pending.get("at", 0)) > settings.TOTP_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user else None


def cancel_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def finish_sign_in(request, user, pending: dict) -> str:
    """The second step passed: sign the user in (audited by the login signal) and say where to go."""
    request.session.pop(PENDING_KEY, None)
    request.civicgrid_second_factor_passed = True
    login(request, user, backend=pending["backend"])
    return pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)


def mark_second_factor_passed(request) -> None:
    """A signed-in user just proved a code (enrolled during a grace sign-in)."""
    request.session[SECOND_FACTOR_KEY] = VERIFIED


@receiver(user_logged_in)
def _second_factor_state(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    from civicgrid.people.roles import needs_second_factor
    from civicgrid.people.selectors import has_second_factor

    if getattr(request, "civicgrid_second_factor_passed", False):
        state = VERIFIED
    elif not needs_second_factor(user):
        state = NOT_NEEDED
    elif has_second_factor(user) or settings.TOTP_REQUIRED:
        state = MISSING
    else:
        state = GRACE
    request.session[SECOND_FACTOR_KEY] = state
