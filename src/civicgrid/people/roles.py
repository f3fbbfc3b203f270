"""What each administrative role may do in the administration site (三权分立: no account holds all three powers).

Django's admin asks `user.has_perm("app.action_model")`; the sign-in backend answers from this table, so a role's
rights are data, read in one place, instead of groups someone must remember to set up.
"""

from civicgrid.people.models import Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

ROLE_PERMISSIONS: dict[str, dict[str, set[str]]] = {
    # runs the system: departments and the reference data's shape, never people's rights or the audit log
    Role.SYSTEM_ADMIN: {
        "people.department": {VIEW, ADD, CHANGE},
        "geo.region": {VIEW},
        "open311.apikey": {VIEW, ADD, CHANGE},
        "open311.submission": {VIEW},
    },
    # manages accounts, roles and data scopes
    Role.SECURITY_ADMIN: {
        "people.user": {VIEW, ADD, CHANGE},
        # edited only as the inline of a user's page, which hands the whole scope to services.set_scope
        "people.scopegrant": {VIEW, ADD, CHANGE, DELETE},
        "people.department": {VIEW},
    },
    # reads the audit log and change history, nothing else
    Role.AUDIT_ADMIN: {
        "core.auditentry": {VIEW},
        "core.changerecord": {VIEW},
        "registry.importjob": {VIEW},
    },
    # keeps the base data and the region tree of their scope
    Role.DATA_ADMIN: {
        "geo.region": {VIEW, ADD, CHANGE},
        "cases.category": {VIEW, ADD, CHANGE},
        "cases.responsibilityitem": {VIEW, ADD, CHANGE},
        "cases.workcalendarday": {VIEW, ADD, CHANGE},
        "people.department": {VIEW},
        "core.changerecord": {VIEW},
        # the base data: read-only in the admin (scoped, masked); writes go through imports and the registry pages
        "registry.house": {VIEW},
        "registry.person": {VIEW},
        "registry.organisation": {VIEW},
        "registry.component": {VIEW},
        "registry.importjob": {VIEW},
    },
}


# Staff who must sign in with a second factor (TOTP, RFC 6238): the roles that can reveal personal data in the clear
# (registry.policy.REVEAL_ROLES; people does not import registry, so a test checks that it stays a subset of this set)
# and the security administrator, who changes roles and data scopes. Superusers (the installer's account) too.
TOTP_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER, Role.SECURITY_ADMIN})


def needs_second_factor(user) -> bool:
    """True for a signed-in (or signing-in) user who must pass a TOTP code: a TOTP role, or a superuser."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return getattr(user, "role", None) in TOTP_ROLES or bool(getattr(user, "is_superuser", False))


def role_permissions(role: str) -> set[str]:
    """Django permission names ("people.change_user") granted by a role."""
    perms = set()
    for label, actions in ROLE_PERMISSIONS.get(role, {}).items():
        app_label, model = label.split(".")
        perms.update(f"{app_label}.{action}_{model}" for action in actions)
    return perms
