"""Writes of the people app: users, roles, departments and scopes, each with its history or audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.core.services import record_change, snapshot, write_audit
from civicgrid.geo.models import Region
from civicgrid.people.models import Department, Role, ScopeGrant, User
from civicgrid.people.scoping import forget_scope

DEPARTMENT_FIELDS = ["code", "name", "short_name", "kind", "region_id", "phone", "is_active"]
USER_FIELDS = ["username", "display_name", "role", "department_id", "is_active", "is_staff"]


@transaction.atomic
def upsert_department(*, code: str, name: str, kind: str, short_name: str = "", region: Region | None = None,
                      phone: str = "", actor=None, source: str = "") -> tuple[Department, str]:
    department = Department.objects.select_for_update().filter(code=code).first()
    created = department is None
    before = {} if created else snapshot(department, DEPARTMENT_FIELDS)
    department = department or Department(code=code)
    department.name, department.kind, department.short_name = name, kind, short_name
    department.region, department.phone = region, phone
    after = snapshot(department, DEPARTMENT_FIELDS)
    if not created and before == after:
        return department, "unchanged"
    department.save()
    record_change(department, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
                  actor=actor, source=source, before=before, after=after)
    return department, "created" if created else "updated"


@transaction.atomic
def upsert_user(*, username: str, role: str, display_name: str = "", department: Department | None = None,
                password: str | None = None, actor=None, source: str = "") -> tuple[User, str]:
    """Create or update a user. A new password is checked by the site's password rules."""
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    before = {} if created else snapshot(user, USER_FIELDS)
    user = user or User(username=username)
    user.role, user.display_name, user.department = role, display_name, department
    user.is_staff = role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DATA_ADMIN)
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    after = snapshot(user, USER_FIELDS)
    if not created and before == after and password is None:
        return user, "unchanged"
    user.save()
    record_change(user, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
                  actor=actor, source=source, before=before, after=after)
    if created or before.get("role") != role:
        write_audit(AuditEntry.Action.ROLE_CHANGE, actor=actor, target=f"user:{username}",
                    detail={"from": before.get("role"), "to": role, "source": source})
    return user, "created" if created else "updated"


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
