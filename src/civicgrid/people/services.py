"""Writes of the people app: users, roles, departments and scopes, each with its history or audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from civicgrid.core.crypto import decrypt, encrypt
from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.core.services import record_change, save_with_history, snapshot, write_audit
from civicgrid.geo.models import Region
from civicgrid.people import otp
from civicgrid.people.models import ADMIN_SITE_ROLES, Department, ScopeGrant, TotpDevice, User
from civicgrid.people.scoping import forget_scope

DEPARTMENT_FIELDS = ["code", "name", "short_name", "kind", "region_id", "phone", "is_active"]
USER_FIELDS = ["username", "display_name", "role", "department_id", "is_active", "is_staff"]


@transaction.atomic
def upsert_department(*, code: str, name: str, kind: str, short_name: str = "", region: Region | None = None,
                      phone: str = "", actor=None, source: str = "") -> tuple[Department, str]:
    department = Department.objects.filter(code=code).first()
    created = department is None
    department = department or Department(code=code)
    department.name, department.kind, department.short_name = name, kind, short_name
    department.region, department.phone = region, phone
    changed = save_department(department, actor=actor, source=source)
    return department, "created" if created else ("updated" if changed else "unchanged")


@transaction.atomic
def save_department(department: Department, *, actor=None, source: str = "") -> bool:
    """Save a department set up by upsert_department or an admin form, with its history row; False if unchanged."""
    stored = Department.objects.select_for_update().filter(pk=department.pk).first() if department.pk else None
    before = snapshot(stored, DEPARTMENT_FIELDS) if stored else None
    return save_with_history(department, DEPARTMENT_FIELDS, before=before, actor=actor, source=source) != "unchanged"


@transaction.atomic
def upsert_user(*, username: str, role: str, display_name: str = "", department: Department | None = None,
                password: str | None = None, actor=None, source: str = "") -> tuple[User, str]:
    """Create or update a user. A new password is checked by the site's password rules (the last five may not come
    back); the password the user already has is no change (an upsert run twice, as the demo's, changes nothing)."""
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    user.role, user.display_name, user.department = role, display_name, department
    if password is not None and not created and user.check_password(password):
        password = None
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    changed = save_user(user, actor=actor, source=source, force=password is not None)
    return user, "created" if created else ("updated" if changed else "unchanged")


@transaction.atomic
def save_user(user: User, *, actor=None, source: str = "", force: bool = False) -> bool:
    """Save a user whose fields were set by a form or by upsert_user: history row, role-change audit, staff flag.

    Returns False (and writes nothing) when nothing changed, unless `force` (a new password hash) says to save.
    """
    stored = User.objects.select_for_update().filter(pk=user.pk).first() if user.pk else None
    before = snapshot(stored, USER_FIELDS) if stored else {}
    user.is_staff = user.role in ADMIN_SITE_ROLES
    after = snapshot(user, USER_FIELDS)
    if stored and before == after and not force:
        return False
    user.save()
    record_change(user, ChangeRecord.Action.UPDATE if stored else ChangeRecord.Action.CREATE,
                  actor=actor, source=source, before=before, after=after)
    if before.get("role") != user.role:
        write_audit(AuditEntry.Action.ROLE_CHANGE, actor=actor, target=f"user:{user.username}",
                    detail={"from": before.get("role"), "to": user.role, "source": source})
    return True


@transaction.atomic
def set_scope(user: User, regions: list[Region], *, actor=None, source: str = "") -> bool:
    """Make `regions` the user's whole data scope. Returns True when it changed (and audits it)."""
    wanted = {r.pk for r in regions}
    current = set(ScopeGrant.objects.filter(user=user).values_list("region_id", flat=True))
    if wanted == current:
        return False
    ScopeGrant.objects.filter(user=user, region_id__in=current - wanted).delete()
    ScopeGrant.objects.bulk_create([ScopeGrant(user=user, region_id=pk, granted_by=actor if getattr(actor, "pk", None) else None)
                                    for pk in wanted - current])
    codes = sorted(Region.objects.filter(pk__in=wanted).values_list("code", flat=True))
    write_audit(AuditEntry.Action.SCOPE_CHANGE, actor=actor, target=f"user:{user.username}",
                detail={"regions": codes, "source": source})
    forget_scope(user)
    return True


# --- second factor (TOTP) ---------------------------------------------------------------------------------------------

class SecondFactorError(Exception):
    """A second-factor request that cannot be done in the user's present state (already enrolled, nothing to reset)."""


CODE_OK, CODE_WRONG, CODE_REPLAYED = "ok", "wrong", "replayed"


@transaction.atomic
def start_totp_enrolment(user: User) -> tuple[TotpDevice, str]:
    """The user's enrolment in progress and its secret (a new secret the first time). Refused once enrolled: the secret
    is never shown again; a security administrator resets the second factor to start over."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise SecondFactorError("already enrolled")
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=encrypt(otp.new_secret()))
    return device, decrypt(device.secret)


def _failed(user: User, ip_address: str | None, reason: str) -> None:
    """A wrong code at sign-in: a failed sign-in row, which the lockout counts (people.auth.is_locked_out)."""
    write_audit(AuditEntry.Action.LOGIN_FAILED, actor=user, ip_address=ip_address, target=f"user:{user.username}",
                detail={"step": "second factor", "reason": reason})


@transaction.atomic
def confirm_totp_enrolment(user: User, code: str, *, ip_address: str | None = None, signing_in: bool = False) -> bool:
    """Finish enrolment with a first code from the app. A wrong code while signing in counts as a failed sign-in."""
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise SecondFactorError("no enrolment in progress")
    counter = otp.matching_counter(decrypt(device.secret), code, after=device.last_counter)
    if counter is None:
        if signing_in:
            _failed(user, ip_address, CODE_WRONG)
        return False
    device.confirmed_at, device.last_counter = timezone.now(), counter
    device.save(update_fields=["confirmed_at", "last_counter"])
    write_audit(AuditEntry.Action.SECOND_FACTOR, actor=user, ip_address=ip_address, target=f"user:{user.username}",
                detail={"event": "enrolled"})
    return True


def check_totp_code(user: User, code: str, *, ip_address: str | None = None) -> str:
    """CODE_OK, CODE_WRONG or CODE_REPLAYED (right code, but its time step was already used). Each failure is a failed
    sign-in row. Two requests with the same code at once: the conditional update lets exactly one of them through."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise SecondFactorError("not enrolled")
    secret = decrypt(device.secret)
    counter = otp.matching_counter(secret, code, after=device.last_counter)
    if counter is not None and TotpDevice.objects.filter(pk=device.pk, last_counter__lt=counter).update(last_counter=counter):
        return CODE_OK
    reason = CODE_REPLAYED if counter is not None or otp.was_used(secret, code, up_to=device.last_counter) else CODE_WRONG
    _failed(user, ip_address, reason)
    return reason


@transaction.atomic
def reset_totp(user: User, *, actor, reason: str = "", source: str = "", ip_address: str | None = None) -> bool:
    """Remove a user's second factor (a lost phone): they set up a new one at their next sign-in. Only a security
    administrator (or a superuser, or a command run on the server: actor None) may, and never their own."""
    if actor is not None:
        if not (actor.is_superuser or actor.has_perm("people.change_user")):
            raise PermissionDenied("only a security administrator resets a second factor")
        if actor.pk == user.pk:
            raise PermissionDenied("ask another security administrator to reset your own second factor")
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    if not deleted:
        return False
    write_audit(AuditEntry.Action.SECOND_FACTOR, actor=actor, actor_name="" if actor else "(server)",
                ip_address=ip_address, target=f"user:{user.username}",
                detail={"event": "reset", "reason": reason, "source": source})
    return True
