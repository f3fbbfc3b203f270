"""Every route, for every role, in and out of scope (SECURITY.md). A new route fails this test until it is listed.

Expected answers: 200/302 where the role may use the page, 404 for an object outside the scope, a redirect to the
login page (pages) or 401/403 (API) for anonymous visitors.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db

IN_STREET_A = "320571001001"  # community A1: in street staff's, community staff's and dispatcher's scope
IN_STREET_B = "320571002001"  # community B1: outside street staff's and community staff's scope


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":  # the administration site has its own test (tests/people/test_admin.py)
                continue
            yield from _names(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


# route name -> (method, url, {role: status}); "*" is every signed-in role not listed; None is the anonymous visitor.
ALL = "*"
MATRIX = {
    "web:home": ("get", "/", {None: 302, ALL: 200}),
    # one scope root: straight to it; several (a grid worker's grids) or none: the list
    "web:regions": ("get", "/regions/", {None: 302, Role.GRID_WORKER: 200, Role.RESIDENT: 200, Role.SYSTEM_ADMIN: 200,
                                         Role.SECURITY_ADMIN: 200, Role.AUDIT_ADMIN: 200, ALL: 302}),
    "web:region": [
        ("get", f"/regions/{IN_STREET_A}/", {None: 302, Role.RESIDENT: 404, Role.GRID_WORKER: 404, Role.SYSTEM_ADMIN: 404,
                                             Role.SECURITY_ADMIN: 404, Role.AUDIT_ADMIN: 404, ALL: 200}),
        ("get", f"/regions/{IN_STREET_B}/", {None: 302, Role.DISPATCHER: 200, Role.HOTLINE_OPERATOR: 200, Role.LEADER: 200,
                                             Role.DEPARTMENT_HANDLER: 200, Role.DATA_ADMIN: 200, ALL: 404}),
    ],
    "login": ("get", "/accounts/login/", {None: 200, ALL: 302}),
    "logout": ("post", "/accounts/logout/", {None: 302, ALL: 302}),
    "password_change": ("get", "/accounts/password/", {None: 302, ALL: 200}),
    "password_change_done": ("get", "/accounts/password/done/", {None: 302, ALL: 200}),
    "set_language": ("post", "/i18n/setlang/", {None: 302, ALL: 302}),
    "api-root": ("get", "/api/", {None: 403, ALL: 200}),
    "region-list": ("get", "/api/regions/", {None: 403, ALL: 200}),
    "region-detail": [
        ("get", f"/api/regions/{IN_STREET_A}/", {None: 403, Role.RESIDENT: 404, Role.GRID_WORKER: 404, Role.SYSTEM_ADMIN: 404,
                                                 Role.SECURITY_ADMIN: 404, Role.AUDIT_ADMIN: 404, ALL: 200}),
        ("get", f"/api/regions/{IN_STREET_B}/", {None: 403, Role.DISPATCHER: 200, Role.HOTLINE_OPERATOR: 200, Role.LEADER: 200,
                                                 Role.DEPARTMENT_HANDLER: 200, Role.DATA_ADMIN: 200, ALL: 404}),
    ],
    "api-locate": ("get", "/api/locate/?lon=120.701&lat=31.301", {None: 403, ALL: 200}),
    "api-me": ("get", "/api/me/", {None: 403, ALL: 200}),
    "api-schema": ("get", "/api/schema/", {None: 403, ALL: 200}),
    "api-docs": ("get", "/api/docs/", {None: 403, ALL: 200}),
}


def test_every_route_is_in_the_matrix():
    names = set(_names(get_resolver().url_patterns))
    missing = names - set(MATRIX)
    assert not missing, f"routes without an access rule in tests/test_route_matrix.py: {sorted(missing)}"


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_answers_each_role_as_listed(route, tree, people, client):
    cases = MATRIX[route] if isinstance(MATRIX[route], list) else [MATRIX[route]]
    for method, url, expected in cases:
        for role in [None, *Role]:
            client.logout()
            if role is not None:
                client.force_login(people[role])
            want = expected.get(role, expected.get(ALL))
            got = getattr(client, method)(url).status_code
            assert got == want, f"{route} {url} as {role or 'anonymous'}: {got}, expected {want}"
