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
    "web:notifications": ("get", "/notifications/", {None: 302, ALL: 200}),
    "login": ("get", "/accounts/login/", {None: 200, ALL: 302}),
    "logout": ("post", "/accounts/logout/", {None: 302, ALL: 302}),
    # the second step of signing in: without a pending sign-in, back to the sign-in page (signed in: home)
    "login_code": ("get", "/accounts/login/code/", {None: 302, ALL: 302}),
    # setting up the second factor: the roles that need one (people.roles.TOTP_ROLES)
    "two_factor": ("get", "/accounts/two-factor/", {None: 302, Role.COMMUNITY_STAFF: 200, Role.STREET_STAFF: 200,
                                                    Role.GRID_WORKER: 200, Role.SECURITY_ADMIN: 200, ALL: 403}),
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


# --- the cases API and Open311 ---------------------------------------------------------------------------------------
# Rows that act on a case use two cases the fixture below makes: A is closed, lies in grid A1-1 (street A) and was
# reported by the resident; B is reported and lies in street B. A verb POSTed to A with an empty body answers 404 to
# roles that cannot see A, 400 where the verb needs a field, 403 to roles that may not take it, and 409 to the roles
# that may (a closed case cannot be accepted, dispatched, ...), so nothing changes whichever role comes first.
CASE_A, CASE_B = "CGMATRIX0000A", "CGMATRIX0000B"
CASE_ROUTES = ("case-", "open311:")
NOT_A = {None: 403, Role.SYSTEM_ADMIN: 404, Role.SECURITY_ADMIN: 404, Role.AUDIT_ADMIN: 404}


def _verb(verb: str, *, may=(), otherwise=403):
    return ("post", f"/api/cases/{CASE_A}/{verb}/", {**NOT_A, **{role: 409 for role in may}, ALL: otherwise})


MATRIX.update({
    "case-list": ("get", "/api/cases/", {None: 403, ALL: 200}),
    "case-detail": [
        ("get", f"/api/cases/{CASE_A}/", {**NOT_A, ALL: 200}),
        ("get", f"/api/cases/{CASE_B}/", {None: 403, Role.DISPATCHER: 200, Role.HOTLINE_OPERATOR: 200, Role.LEADER: 200,
                                          Role.DEPARTMENT_HANDLER: 200, Role.DATA_ADMIN: 200, ALL: 404}),
    ],
    "case-accept": _verb("accept", may=(Role.DISPATCHER, Role.HOTLINE_OPERATOR)),
    "case-reject": _verb("reject", otherwise=400),
    "case-merge": _verb("merge", otherwise=400),
    "case-dispatch": _verb("dispatch", may=(Role.DISPATCHER,)),
    "case-receive": _verb("receive", may=(Role.DEPARTMENT_HANDLER,)),
    "case-return": _verb("return", otherwise=400),
    "case-request-extension": _verb("request-extension", otherwise=400),
    "case-decide-extension": _verb("decide-extension", otherwise=400),
    "case-suspend": _verb("suspend", otherwise=400),
    "case-resume": _verb("resume", may=(Role.DISPATCHER,)),
    "case-handle": _verb("handle", otherwise=400),
    "case-verify": _verb("verify", may=(Role.GRID_WORKER, Role.DISPATCHER, Role.COMMUNITY_STAFF)),
    "case-fail-verification": _verb("fail-verification", otherwise=400),
    "case-close": _verb("close", may=(Role.DISPATCHER,)),
    "case-supervise": _verb("supervise", otherwise=400),
    "case-evaluate": _verb("evaluate", otherwise=400),
    "case-reopen": _verb("reopen", otherwise=400),
    "case-merge-many": ("post", "/api/cases/merge-many/", {None: 403, ALL: 400}),
    "category-list": ("get", "/api/categories/", {None: 403, ALL: 200}),
    # Open311 GeoReport v2 is public: no sign-in to read (POST needs an api_key: tests/open311)
    "open311:services": ("get", "/open311/v2/services.json", {None: 200, ALL: 200}),
    "open311:service": ("get", "/open311/v2/services/S0102.xml", {None: 200, ALL: 200}),
    "open311:requests": ("get", "/open311/v2/requests.xml", {None: 200, ALL: 200}),
    "open311:request": ("get", f"/open311/v2/requests/{CASE_B}.json", {None: 200, ALL: 200}),
    "open311:token": ("get", f"/open311/v2/tokens/{CASE_A}.json", {None: 200, ALL: 200}),
})


@pytest.fixture(autouse=True)
def _cases_for_the_case_rows(request):
    """Cases A and B (see above), made through the services, for the rows of the cases API and Open311 only."""
    callspec = getattr(request.node, "callspec", None)
    if not callspec or not str(callspec.params.get("route", "")).startswith(CASE_ROUTES):
        return
    from civicgrid.cases import services as cs
    from civicgrid.cases.models import Case, Category, CategoryKind, Channel, ResponsibilityItem

    people = request.getfixturevalue("people")
    parent = Category.objects.create(code="S01", name="市容环境", kind=CategoryKind.EVENT)
    garbage = Category.objects.create(code="S0102", name="暴露垃圾", kind=CategoryKind.EVENT, parent=parent)
    ResponsibilityItem.objects.create(category=garbage, department=request.getfixturevalue("department"))
    dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
    a = cs.report_case(channel=Channel.WEB, title="垃圾", description="垃圾堆积", category=garbage, lon=120.701,
                       lat=31.301, reporter=people[Role.RESIDENT])
    a = cs.handle(cs.receive(cs.dispatch(cs.accept(a, dispatcher), dispatcher), handler), handler, result="已清运")
    cs.close(cs.verify(a, people[Role.GRID_WORKER]), dispatcher)
    b = cs.report_case(channel=Channel.HOTLINE, title="垃圾", description="垃圾堆积", category=garbage, lon=120.701,
                       lat=31.311)
    Case.objects.filter(pk=a.pk).update(ticket_no=CASE_A)
    Case.objects.filter(pk=b.pk).update(ticket_no=CASE_B)


# --- the case pages (civicgrid.cases.views) ----------------------------------------------------------------------------
# Page rows use two cases the fixture below makes: P is reported (with a photo), lies in grid A1-1 (street A) and was
# reported by the resident; Q is reported and lies in street B. Staff pages answer 403 to residents (they use /report/
# and /track/); a case outside the scope is 404; an action POSTed with an empty form is 400 for the roles that may take
# it (the hidden version is missing), so nothing changes whichever role comes first.
PAGE_CASE_P, PAGE_CASE_Q = "CGPAGES0000P", "CGPAGES0000Q"
PAGE_PHOTO = __import__("hashlib").sha256(__import__("tests.cases.conftest", fromlist=["png_bytes"]).png_bytes())\
    .hexdigest()[:16]
NO_SCOPE = {Role.SYSTEM_ADMIN: 404, Role.SECURITY_ADMIN: 404, Role.AUDIT_ADMIN: 404}

MATRIX.update({
    "cases:queue": ("get", "/cases/", {None: 302, Role.RESIDENT: 403, ALL: 200}),
    "cases:bulk": ("post", "/cases/bulk/", {None: 302, Role.RESIDENT: 403, ALL: 302}),  # nothing chosen: back
    "cases:inbox": ("get", "/cases/inbox/", {None: 302, Role.DEPARTMENT_HANDLER: 200, ALL: 403}),
    "cases:field_report": ("get", "/cases/report/", {None: 302, Role.GRID_WORKER: 200, ALL: 403}),
    "cases:verify_list": ("get", "/cases/verify/", {None: 302, Role.GRID_WORKER: 200, Role.COMMUNITY_STAFF: 200,
                                                   Role.DISPATCHER: 200, ALL: 403}),
    "cases:hotline": ("get", "/cases/hotline/", {None: 302, Role.HOTLINE_OPERATOR: 200, Role.DISPATCHER: 200,
                                                ALL: 403}),
    "cases:detail": [
        ("get", f"/cases/{PAGE_CASE_P}/", {None: 302, Role.RESIDENT: 403, **NO_SCOPE, ALL: 200}),
        ("get", f"/cases/{PAGE_CASE_Q}/", {None: 302, Role.RESIDENT: 403, Role.DISPATCHER: 200,
                                           Role.HOTLINE_OPERATOR: 200, Role.LEADER: 200, Role.DEPARTMENT_HANDLER: 200,
                                           Role.DATA_ADMIN: 200, ALL: 404}),
    ],
    "cases:act": ("post", f"/cases/{PAGE_CASE_P}/act/accept/", {None: 302, Role.RESIDENT: 403, **NO_SCOPE,
                                                                 Role.DISPATCHER: 400, Role.HOTLINE_OPERATOR: 400,
                                                                 ALL: 403}),
    "cases:photo": ("get", f"/cases/{PAGE_CASE_P}/photos/{PAGE_PHOTO}/", {None: 302, Role.RESIDENT: 403, **NO_SCOPE,
                                                                           ALL: 200}),
    # the residents' public pages: no sign-in
    "cases:public_report": ("get", "/report/", {None: 200, ALL: 200}),
    "cases:track": ("get", "/track/", {None: 200, ALL: 200}),
    "cases:track_case": ("get", f"/track/{PAGE_CASE_P}/", {None: 200, ALL: 200}),
    "cases:track_act": ("post", f"/track/{PAGE_CASE_P}/evaluate/", {None: 400, ALL: 400}),  # empty form
})


# Import pages: job 9001 belongs to the data administrator (anyone else's job answers 404: tests/registry).
IMPORT_JOB = 9001
MATRIX.update({
    "registry:imports": ("get", "/registry/imports/", {None: 302, Role.DATA_ADMIN: 200, ALL: 403}),
    "registry:import": ("get", f"/registry/imports/{IMPORT_JOB}/", {None: 302, Role.DATA_ADMIN: 200, ALL: 403}),
    "registry:import_progress": ("get", f"/registry/imports/{IMPORT_JOB}/progress/",
                                 {None: 302, Role.DATA_ADMIN: 200, ALL: 403}),
    # a finished job has nothing to apply
    "registry:import_apply": ("post", f"/registry/imports/{IMPORT_JOB}/apply/", {None: 302, Role.DATA_ADMIN: 404, ALL: 403}),
    "registry:import_errors": ("get", f"/registry/imports/{IMPORT_JOB}/errors.xlsx",
                               {None: 302, Role.DATA_ADMIN: 200, ALL: 403}),
    "registry:import_template": ("get", "/registry/imports/template/person.xlsx",
                                 {None: 302, Role.DATA_ADMIN: 200, ALL: 403}),
})


@pytest.fixture(autouse=True)
def _import_job_for_the_import_rows(request):
    callspec = getattr(request.node, "callspec", None)
    if not callspec or not str(callspec.params.get("route", "")).startswith("registry:import"):
        return
    from civicgrid.registry.models import ImportJob

    people = request.getfixturevalue("people")
    ImportJob.objects.create(pk=IMPORT_JOB, kind="person", status="done", file_name="people.csv",
                             actor=people[Role.DATA_ADMIN])


@pytest.fixture(autouse=True)
def _cases_for_the_page_rows(request):
    """Cases P and Q (see above), made through the services, for the rows of the case pages only."""
    callspec = getattr(request.node, "callspec", None)
    if not callspec or not str(callspec.params.get("route", "")).startswith("cases:"):
        return
    from civicgrid.cases import services as cs
    from civicgrid.cases.models import Case, Channel
    from tests.cases.conftest import png_bytes

    people = request.getfixturevalue("people")
    p = cs.report_case(channel=Channel.WEB, title="垃圾", description="垃圾堆积", lon=120.701, lat=31.301,
                       reporter=people[Role.RESIDENT], contact_phone="13812345678", photos=[("a.png", png_bytes())])
    q = cs.report_case(channel=Channel.HOTLINE, title="垃圾", description="垃圾堆积", lon=120.701, lat=31.311)
    Case.objects.filter(pk=p.pk).update(ticket_no=PAGE_CASE_P)
    Case.objects.filter(pk=q.pk).update(ticket_no=PAGE_CASE_Q)


# --- the base data (registry pages and API) ----------------------------------------------------------------------------
# Rows use one person, house, organisation and component in grid A1-1 (street A: in the scope of community staff, street
# staff and the grid worker) and one of each in community B1 (street B: outside those scopes), made by the fixture below
# with fixed ids. Only policy.VIEW_ROLES browse (others 403); a record outside the scope is 404; a reveal POSTed with an
# empty form is 400 for the roles that may reveal and 403 for the others; an export is for policy.EXPORT_ROLES only.
REG_A, REG_B = {"person": 9201, "house": 9101, "organisation": 9301, "component": 9401}, \
    {"person": 9202, "house": 9102, "organisation": 9302, "component": 9402}
REGISTRY_ROUTES = ("registry:", "registry-")
VIEWERS = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER, Role.DATA_ADMIN, Role.DISPATCHER,
           Role.HOTLINE_OPERATOR)
WIDE_VIEWERS = (Role.DATA_ADMIN, Role.DISPATCHER, Role.HOTLINE_OPERATOR)  # district scope: they see street B too
REVEALERS = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER)


def _viewers(status_in_scope, *, anonymous=302, out_of_scope=False):
    """Every viewer gets `status_in_scope` (404 for the narrow scopes when `out_of_scope`); other roles 403."""
    rule = {None: anonymous, ALL: 403}
    for role in VIEWERS:
        rule[role] = 404 if out_of_scope and role not in WIDE_VIEWERS else status_in_scope
    return rule


def _record(page: str, api: str, kind: str) -> dict:
    return {
        f"registry:{kind}": [("get", f"/registry/{page}/{REG_A[kind]}/", _viewers(200)),
                             ("get", f"/registry/{page}/{REG_B[kind]}/", _viewers(200, out_of_scope=True))],
        f"registry-{kind}-detail": [("get", f"/api/registry/{api}/{REG_A[kind]}/", _viewers(200, anonymous=403)),
                                    ("get", f"/api/registry/{api}/{REG_B[kind]}/",
                                     _viewers(200, anonymous=403, out_of_scope=True))],
    }


MATRIX.update({
    "registry:people": ("get", "/registry/", _viewers(200)),
    "registry:houses": ("get", "/registry/houses/", _viewers(200)),
    "registry:organisations": ("get", "/registry/organisations/", _viewers(200)),
    "registry:components": ("get", "/registry/components/", _viewers(200)),
    "registry:lookup": ("post", "/registry/people/lookup/", _viewers(400)),  # no number given
    "registry:reveal": [
        ("post", f"/registry/people/{REG_A['person']}/reveal/", {**_viewers(403), **{r: 400 for r in REVEALERS}}),
        ("post", f"/registry/people/{REG_B['person']}/reveal/", _viewers(403, out_of_scope=True)),
    ],
    "registry:export": [
        ("get", "/registry/export/people/", {**_viewers(403), Role.DATA_ADMIN: 200, Role.STREET_STAFF: 200,
                                             Role.COMMUNITY_STAFF: 200}),
        ("get", "/registry/export/organisations/", _viewers(404)),  # only people and houses are exported
    ],
    "registry-person-list": ("get", "/api/registry/people/", _viewers(200, anonymous=403)),
    "registry-house-list": ("get", "/api/registry/houses/", _viewers(200, anonymous=403)),
    "registry-organisation-list": ("get", "/api/registry/organisations/", _viewers(200, anonymous=403)),
    "registry-component-list": ("get", "/api/registry/components/", _viewers(200, anonymous=403)),
    "registry-person-lookup": ("post", "/api/registry/people/lookup/", _viewers(400, anonymous=403)),
    "registry-person-reveal": [
        ("post", f"/api/registry/people/{REG_A['person']}/reveal/",
         {**_viewers(403, anonymous=403), **{r: 400 for r in REVEALERS}}),
        ("post", f"/api/registry/people/{REG_B['person']}/reveal/", _viewers(403, anonymous=403, out_of_scope=True)),
    ],
    **_record("people", "people", "person"),
    **_record("houses", "houses", "house"),
    **_record("organisations", "organisations", "organisation"),
    **_record("components", "components", "component"),
})


@pytest.fixture(autouse=True)
def _records_for_the_registry_rows(request):
    """The base-data records of the rows above, made through the services, then given the fixed ids the rows name."""
    callspec = getattr(request.node, "callspec", None)
    if not callspec or not str(callspec.params.get("route", "")).startswith(REGISTRY_ROUTES):
        return
    from civicgrid.registry import models as rm
    from civicgrid.registry import services as rs
    from tests.registry.test_registry import id_number

    request.getfixturevalue("tree")
    for ids, (lon, lat), seq in ((REG_A, (120.701, 31.301), "501"), (REG_B, (120.701, 31.311), "502")):
        house = rs.upsert_house(address=f"矩阵路{seq}号", building="1幢", lon=lon, lat=lat)[0]
        rm.House.objects.filter(pk=house.pk).update(id=ids["house"])
        person = rs.upsert_person(id_number=id_number(seq=seq), name="矩阵", phone="13812345678",
                                  house=rm.House.objects.get(pk=ids["house"]))[0]
        rm.Person.objects.filter(pk=person.pk).update(id=ids["person"])
        org = rs.upsert_organisation(credit_code="91110000600037341L" if seq == "501" else "91320594MA1MXXXX03",
                                     name=f"矩阵单位{seq}", lon=lon, lat=lat)[0]
        rm.Organisation.objects.filter(pk=org.pk).update(id=ids["organisation"])
        component = rs.upsert_component(code=f"MATRIX-{seq}", class_code="B0118", name="路灯", lon=lon, lat=lat)[0]
        rm.Component.objects.filter(pk=component.pk).update(id=ids["component"])


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


# --- the household visit and the map of components and organisations (civicgrid.registry.visit_views, map_views) ----
# Rows use two houses the fixture below makes, each with one resident: V lies in grid A1-1 (street A), W in street B.
# The visit pages are for the registry's edit roles (grid worker, community and street staff, data administrator):
# others get 403, a house outside the scope 404. A form POSTed empty is 400 for the roles that may use it (moving
# out needs its confirmation box), so nothing changes whichever role comes first.
VISIT_V, VISIT_W, VISIT_PV, VISIT_PW = 990001, 990002, 990011, 990012
EDIT = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DATA_ADMIN}


def _visit(method: str, url_of, ok: int) -> list:
    """In scope (house V): `ok` for the edit roles; house W: only the data administrator (the district) has it."""
    return [
        (method, url_of(VISIT_V, VISIT_PV), {None: 302, **{role: ok for role in EDIT}, ALL: 403}),
        (method, url_of(VISIT_W, VISIT_PW), {None: 302, **{role: 404 for role in EDIT}, Role.DATA_ADMIN: ok,
                                             ALL: 403}),
    ]


MATRIX.update({
    "registry:visit_houses": ("get", "/registry/visit/", {None: 302, **{role: 200 for role in EDIT}, ALL: 403}),
    "registry:visit_house": _visit("get", lambda h, p: f"/registry/visit/houses/{h}/", 200),
    "registry:visit_house_edit": _visit("post", lambda h, p: f"/registry/visit/houses/{h}/edit/", 400),
    "registry:visit_newcomer": _visit("post", lambda h, p: f"/registry/visit/houses/{h}/newcomer/", 400),
    "registry:visit_resident": _visit("post", lambda h, p: f"/registry/visit/houses/{h}/residents/{p}/", 400),
    "registry:visit_move_out": _visit("post", lambda h, p: f"/registry/visit/houses/{h}/residents/{p}/move-out/",
                                      400),
    # the map: for the roles that browse the registry; the points are scoped (tests/registry/test_map.py)
    "registry:map": ("get", "/registry/map/", {None: 302, Role.GRID_WORKER: 200, Role.COMMUNITY_STAFF: 200,
                                               Role.STREET_STAFF: 200, Role.DATA_ADMIN: 200, Role.DISPATCHER: 200,
                                               Role.HOTLINE_OPERATOR: 200, ALL: 403}),
    "registry:map_features": ("get", "/registry/map/features/", {None: 302, Role.GRID_WORKER: 200,
                                                                 Role.COMMUNITY_STAFF: 200, Role.STREET_STAFF: 200,
                                                                 Role.DATA_ADMIN: 200, Role.DISPATCHER: 200,
                                                                 Role.HOTLINE_OPERATOR: 200, ALL: 403}),
})


@pytest.fixture(autouse=True)
def _houses_for_the_visit_rows(request):
    """Houses V and W with one resident each (see above), made through the services, for the visit rows only."""
    callspec = getattr(request.node, "callspec", None)
    if not callspec or not str(callspec.params.get("route", "")).startswith("registry:visit"):
        return
    from civicgrid.registry.models import House, Person
    from civicgrid.registry.services import upsert_house, upsert_person
    from tests.registry.test_registry import id_number

    request.getfixturevalue("tree")
    for house_pk, person_pk, (lon, lat), seq in ((VISIT_V, VISIT_PV, (120.701, 31.301), "101"),
                                                 (VISIT_W, VISIT_PW, (120.701, 31.311), "102")):
        house = upsert_house(address=f"矩阵测试路{seq}号", building="1幢", lon=lon, lat=lat)[0]
        House.objects.filter(pk=house.pk).update(pk=house_pk)
        person = upsert_person(id_number=id_number(seq=seq), name="住户", house=House.objects.get(pk=house_pk))[0]
        Person.objects.filter(pk=person.pk).update(pk=person_pk)
