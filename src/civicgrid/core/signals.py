"""Logins, logouts and failed logins go to the audit log (Django's auth signals fire for every login path)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from civicgrid.core.models import AuditEntry
from civicgrid.core.services import write_audit


def client_address(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    write_audit(AuditEntry.Action.LOGIN, actor=user, ip_address=client_address(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        write_audit(AuditEntry.Action.LOGOUT, actor=user, ip_address=client_address(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    write_audit(
        AuditEntry.Action.LOGIN_FAILED,
        actor_name=str(credentials.get("username", ""))[:150],
        ip_address=client_address(request),
    )
