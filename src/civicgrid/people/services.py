"""Writes of the people app: users, roles, departments and scopes, each with its history or audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.core.services import record_change, save_with_history, snapshot, write_audit
from civicgrid.geo.models import Region
from civicgrid.people.models import ADMIN_SITE_ROLES, Department, ScopeGrant, User
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
    """Create or update a user. A new password is checked by the site's password rules."""
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    user.role, user.display_name, user.department = role, display_name, department
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
