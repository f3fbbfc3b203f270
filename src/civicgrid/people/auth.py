"""Sign-in with lockout: five failed attempts for one user name from one address lock that pair for a while.

Locking the pair, not the address alone, means one attacker behind an office's NAT cannot lock the whole office out,
and not the user name alone, so nobody can lock a colleague out from elsewhere (SECURITY.md). The failed attempts
are the audit log's own rows, so there is no second counter to keep in step.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db.models import Max
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
