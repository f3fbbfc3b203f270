"""Who may do what with the base data: one table, read by services, selectors, views and the route matrix.

Everyone below sees only their data scope (people.scoping). Personal fields are masked for all of them; revealing
one in the clear is a separate right, each time with a reason and an audit row.
"""

from __future__ import annotations

from civicgrid.people.models import Role

# browse the registry (masked)
VIEW_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER, Role.DATA_ADMIN,
                        Role.DISPATCHER, Role.HOTLINE_OPERATOR})
# see an identity number, phone or the tags in the clear (with a reason; audited)
REVEAL_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER})
# see and search by sensitive tags (community correction, drug rehabilitation ...)
SENSITIVE_TAG_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF})
# update a household on a visit (the grid worker's phone page) or by hand
EDIT_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER, Role.DATA_ADMIN})
# import and sync files
IMPORT_ROLES = frozenset({Role.DATA_ADMIN})
# export to Excel (with a reason; audited; identity numbers and phones stay masked in exports)
EXPORT_ROLES = frozenset({Role.DATA_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF})


def can(user, right: frozenset) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in right


# Special-population tags (重点人群). Sensitive ones are shown and searchable only to SENSITIVE_TAG_ROLES.
# The list follows the groups Chinese community work keeps; a deployment may add its own (settings.REGISTRY_TAGS).
TAGS: dict[str, bool] = {  # tag -> sensitive
    "独居老人": False,
    "空巢老人": False,
    "高龄老人": False,
    "残疾人": False,
    "低保户": False,
    "特困人员": False,
    "退役军人": False,
    "留守儿童": False,
    "孕产妇": False,
    "社区矫正对象": True,
    "刑满释放人员": True,
    "吸毒人员": True,
    "严重精神障碍患者": True,
    "重点信访人员": True,
}


def tag_is_sensitive(tag: str) -> bool:
    return TAGS.get(tag, True)  # an unknown tag is treated as sensitive


def visible_tags(user, tags: list[str]) -> list[str]:
    if can(user, SENSITIVE_TAG_ROLES):
        return list(tags)
    return [t for t in tags if not tag_is_sensitive(t)]
