"""The cases API as the people who use it: a resident reports from an app, the centre and a department walk the case
round the loop, and every refusal answers with its status and a body that says why."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.cases import services as cs
from civicgrid.cases.models import Case, CaseEvent, Channel, Status
from civicgrid.people.models import Department, Role
from civicgrid.people.services import upsert_department
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db

INSIDE_A1_1 = (120.701, 31.301)  # grid 320571001001001, street A
INSIDE_B1_1 = (120.701, 31.311)  # grid 320571002001001, street B


@pytest.fixture
def api(people):
    def as_user(who):
        user = people[who] if who in people else who
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
        return client

    return as_user


def upload(name="现场.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def report(people, categories, *, where=INSIDE_A1_1, category="garbage", **extra):
    data = dict(channel=Channel.WEB, title="小区门口垃圾堆积", description="三天没人清运", category=categories[category],
                lon=where[0], lat=where[1], reporter=people[Role.RESIDENT], contact_name="王芳",
                contact_phone="13812345678")
    data.update(extra)
    return cs.report_case(**data)


def post(client, ticket, verb, data=None, **kwargs):
    return client.post(f"/api/cases/{ticket}/{verb}/", data or {}, **kwargs)


# ------------------------------------------------------------------------------------------------------ intake


def test_a_resident_reports_with_a_photo_and_a_retry_makes_no_second_case(tree, people, categories, responsibility,
                                                                           api):
    client = api(Role.RESIDENT)
    body = {"title": "路灯不亮", "description": "小区东门路灯坏了三天", "category": "S0102", "lon": INSIDE_A1_1[0],
            "lat": INSIDE_A1_1[1], "contact_name": "王芳", "contact_phone": "138 1234 5678", "photos": [upload()]}
    first = client.post("/api/cases/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="app-0001")
    assert first.status_code == 201, first.json()
    case = first.json()
    assert case["status"] == "reported" and case["channel"] == "api" and case["grid"] == "320571001001001"
    assert case["contact_phone"] == "138****5678" and case["contact_name"] == "王芳"  # their own name
    assert "13812345678" not in first.content.decode() and "contact_phone_encrypted" not in case
    assert [e["action"] for e in case["timeline"]] == ["report"]
    assert case["timeline"][0]["attachments"][0]["content_type"] == "image/png"
    assert first["Location"].endswith(f"/api/cases/{case['ticket_no']}/")

    body["photos"] = [upload()]
    retry = client.post("/api/cases/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="app-0001")
    assert retry.status_code == 200 and retry.json()["ticket_no"] == case["ticket_no"]
    stored = Case.objects.get()
    assert stored.reporter == people[Role.RESIDENT] and stored.entered_by is None
    assert stored.attachments.count() == 1

    # the key is the client's own: somebody else's app using the same string makes its own case
    other = api(Role.HOTLINE_OPERATOR).post("/api/cases/", {**body, "photos": []}, format="multipart",
                                            HTTP_IDEMPOTENCY_KEY="app-0001")
    assert other.status_code == 201 and other.json()["ticket_no"] != case["ticket_no"]


def test_staff_name_the_channel_residents_cannot(tree, people, categories, responsibility, api):
    body = {"title": "井盖缺失", "description": "路口井盖没了", "region": tree.street_a.code,
            "contact_phone": "13900001111", "channel": "hotline"}
    entered = api(Role.HOTLINE_OPERATOR).post("/api/cases/", body, format="json")
    assert entered.status_code == 201 and entered.json()["channel"] == "hotline"
    case = Case.objects.get(ticket_no=entered.json()["ticket_no"])
    assert case.entered_by == people[Role.HOTLINE_OPERATOR] and case.reporter is None
    assert case.region_path == tree.street_a.path

    refused = api(Role.RESIDENT).post("/api/cases/", body, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "channel"


def test_the_api_needs_a_sign_in(tree, categories):
    assert APIClient().get("/api/cases/").status_code in (401, 403)
    assert APIClient().post("/api/cases/", {"title": "x", "description": "y"}).status_code in (401, 403)
    assert Case.objects.count() == 0


# ------------------------------------------------------------------------------------------------------ the loop


def test_centre_department_and_grid_worker_walk_a_case_round_the_loop(tree, people, categories, responsibility, api):
    ticket = report(people, categories).ticket_no
    dispatcher, handler, worker, resident = (api(r) for r in (Role.DISPATCHER, Role.DEPARTMENT_HANDLER,
                                                              Role.GRID_WORKER, Role.RESIDENT))

    detail = dispatcher.get(f"/api/cases/{ticket}/").json()
    assert set(detail["allowed_actions"]) >= {"accept", "reject", "merge", "supervise"}
    assert detail["contact_phone"] == "138****5678" and detail["contact_name"] == "王芳"
    assert api(Role.GRID_WORKER).get(f"/api/cases/{ticket}/").json()["contact_name"] == "王*"

    steps = [
        (dispatcher, "accept", {"note": "受理", "version": 1}, "accepted"),
        (dispatcher, "dispatch", {"department": "CG", "version": 2}, "dispatched"),
        (handler, "receive", {}, "in_handling"),
        (handler, "handle", {"result": "已清运，垃圾桶已加盖", "photos": [upload()]}, "handled"),
        (worker, "verify", {"note": "现场已干净", "lon": 120.7011, "lat": 31.3011, "photos": [upload()]}, "verified"),
        (dispatcher, "close", {"note": "办结"}, "closed"),
        (resident, "evaluate", {"satisfaction": 5, "resolved": True}, "evaluated"),
    ]
    for client, verb, data, status in steps:
        response = post(client, ticket, verb, data, format="multipart" if "photos" in data else "json")
        assert response.status_code == 200, (verb, response.json())
        assert response.json()["status"] == status, verb

    case = response.json()
    assert case["version"] == 8 and case["satisfaction"] == 5 and case["resolved"] is True
    assert [e["action"] for e in case["timeline"]] == ["report", "accept", "dispatch", "receive", "handle", "verify",
                                                       "close", "evaluate"]
    assert case["timeline"][1]["actor"] == "dispatcher" and case["timeline"][1]["note"] == "受理"
    assert case["timeline"][5]["data"] == {"lon": 120.7011, "lat": 31.3011}
    assert Case.objects.get(ticket_no=ticket).attachments.count() == 2
    assert case["allowed_actions"] == ["reopen"]  # the resident may still say it is not fixed


def test_the_side_paths_each_have_their_verb(tree, people, categories, responsibility, api):
    dispatcher, handler, worker = api(Role.DISPATCHER), api(Role.DEPARTMENT_HANDLER), api(Role.GRID_WORKER)
    ticket = report(people, categories).ticket_no
    water = upsert_department(code="SWJ", name="区水务局", kind=Department.Kind.BUREAU)[0]

    def ok(client, verb, data=None, **kwargs):
        response = post(client, ticket, verb, data, format="json", **kwargs)
        assert response.status_code == 200, (verb, response.json())
        return response.json()

    ok(dispatcher, "accept")
    ok(dispatcher, "supervise", {"reason": "群众反映强烈", "due_minutes": 480})
    ok(dispatcher, "dispatch")
    assert ok(handler, "return", {"reason": "不属本部门"})["department"] is None
    ok(dispatcher, "dispatch", {"department": "CG"})
    ok(handler, "receive")
    assert ok(handler, "request-extension", {"extra_minutes": 1440, "reason": "需协调"})["pending_extension"][
        "extra_minutes"] == 1440
    assert ok(dispatcher, "decide-extension", {"grant": True, "note": "同意"})["pending_extension"] is None
    assert ok(dispatcher, "suspend", {"reason": "等待停水"})["status"] == "suspended"
    assert ok(dispatcher, "resume")["status"] == "in_handling"
    ok(handler, "handle", {"result": "已清理"})
    after = ok(worker, "fail-verification", {"reason": "仍有垃圾"})
    assert after["status"] == "in_handling" and after["rework_count"] == 1
    ok(handler, "handle", {"result": "彻底清理"})
    ok(worker, "verify")
    ok(dispatcher, "close")
    reopened = ok(api(Role.RESIDENT), "reopen", {"reason": "又堆满了"})
    assert reopened["status"] == "accepted" and reopened["reopen_count"] == 1
    assert ok(dispatcher, "dispatch", {"department": water.code})["department"] == "SWJ"

    rejected = report(people, categories)
    response = post(api(Role.HOTLINE_OPERATOR), rejected.ticket_no, "reject", {"reason": "属物业管理范围"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_duplicates_are_merged_one_by_one_and_many_at_once(tree, people, categories, responsibility, api):
    dispatcher = api(Role.DISPATCHER)
    main, one, two, three = (report(people, categories) for _ in range(4))
    merged = post(dispatcher, one.ticket_no, "merge", {"into": main.ticket_no}, format="json")
    assert merged.status_code == 200 and merged.json()["merged_into"] == main.ticket_no

    many = dispatcher.post("/api/cases/merge-many/", {"tickets": [two.ticket_no, three.ticket_no],
                                                      "into": main.ticket_no, "note": "同一处"}, format="json")
    assert many.status_code == 200
    assert many.json()["into"] == main.ticket_no and {c["status"] for c in many.json()["merged"]} == {"merged"}
    assert CaseEvent.objects.filter(case=main, action="absorb").count() == 3

    fresh = report(people, categories)
    stale = dispatcher.post("/api/cases/merge-many/", {"tickets": [fresh.ticket_no], "into": main.ticket_no,
                                                       "versions": {fresh.ticket_no: 7}}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict" and stale.json()["version"] == 1
    unknown = dispatcher.post("/api/cases/merge-many/", {"tickets": ["CG000"], "into": main.ticket_no}, format="json")
    assert unknown.status_code == 400 and unknown.json()["field"] == "tickets"
    assert Case.objects.get(pk=fresh.pk).status == Status.REPORTED


# ------------------------------------------------------------------------------------------------------ refusals


def test_bad_input_is_400_naming_the_field(tree, people, categories, responsibility, api):
    client = api(Role.DISPATCHER)
    ticket = report(people, categories).ticket_no

    missing = post(client, ticket, "reject", {}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "reason" and missing.json()["detail"]
    blank = post(client, ticket, "reject", {"reason": "   "}, format="json")
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    category = post(client, ticket, "accept", {"category": "NOPE"}, format="json")
    assert category.json() == {"field": "category", "detail": "no category with code NOPE"}
    into = post(client, ticket, "merge", {"into": ticket}, format="json")
    assert into.status_code == 400 and into.json() == {"field": "into",
                                                        "detail": "a case cannot be merged into itself"}

    outside = api(Role.RESIDENT).post("/api/cases/", {"title": "x", "description": "y", "lon": 116.4, "lat": 39.9},
                                      format="json")
    assert outside.status_code == 400 and outside.json()["field"] == "location"
    assert "outside the jurisdiction" in outside.json()["detail"]
    several = api(Role.RESIDENT).post("/api/cases/", {"lon": "east"}, format="json")
    assert several.status_code == 400 and set(several.json()["errors"]) >= {"title", "description", "lon"}
    photo = api(Role.RESIDENT).post("/api/cases/", {"title": "x", "description": "y",
                                                    "photos": [SimpleUploadedFile("a.jpg", b"not a photo")]},
                                    format="multipart")
    assert photo.status_code == 400 and photo.json()["field"] == "photos"
    assert Case.objects.count() == 1 and Case.objects.get().status == Status.REPORTED


def test_wrong_role_is_403_out_of_scope_is_404_wrong_state_is_409(tree, people, categories, responsibility, api,
                                                                   make_user):
    ticket = report(people, categories).ticket_no
    refused = post(api(Role.GRID_WORKER), ticket, "accept", format="json")
    assert refused.status_code == 403 and refused.json() == {"detail": f"a grid worker may not accept case {ticket}"}

    street_b = make_user("dispatcher_b", Role.DISPATCHER, [tree.street_b])
    for response in (api(street_b).get(f"/api/cases/{ticket}/"), post(api(street_b), ticket, "accept")):
        assert response.status_code == 404
        assert response.json() == {"detail": f"No case {ticket} within your scope."}
    assert api(Role.DISPATCHER).get("/api/cases/CG000/").status_code == 404

    wrong_state = post(api(Role.DISPATCHER), ticket, "close", format="json")
    assert wrong_state.status_code == 409
    assert wrong_state.json() == {"detail": f"cannot close case {ticket}: it is reported", "code": "invalid_transition",
                                  "status": "reported", "version": 1}

    other = upsert_department(code="ZJJ", name="区住建局", kind=Department.Kind.BUREAU)[0]
    other_handler = make_user("handler_b", Role.DEPARTMENT_HANDLER, [tree.street_b], other)
    cs.dispatch(cs.accept(Case.objects.get(ticket_no=ticket), people[Role.DISPATCHER]), people[Role.DISPATCHER])
    assert post(api(other_handler), ticket, "receive").status_code == 404  # another street, another department
    assert Case.objects.get(ticket_no=ticket).status == Status.DISPATCHED


def test_a_stale_version_is_409_and_changes_nothing(tree, people, categories, responsibility, api):
    ticket = report(people, categories).ticket_no
    assert post(api(Role.DISPATCHER), ticket, "accept", {"version": 1}, format="json").status_code == 200

    stale = post(api(Role.HOTLINE_OPERATOR), ticket, "reject", {"reason": "重复", "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and body["status"] == "accepted" and body["version"] == 2
    assert "changed by someone else" in body["detail"]
    case = Case.objects.get(ticket_no=ticket)
    assert case.status == Status.ACCEPTED and case.version == 2
    assert list(case.events.values_list("action", flat=True)) == ["report", "accept"]


# ------------------------------------------------------------------------------------------------------ lists


def test_the_list_filters_as_the_queue_page_does(tree, people, categories, responsibility, api):
    in_a = report(people, categories, title="甲街道垃圾")
    in_b = report(people, categories, where=INSIDE_B1_1, title="乙街道垃圾", address="乙一社区5号楼")
    late = report(people, categories, category="gas", title="燃气泄漏")
    Case.objects.filter(pk=late.pk).update(stage_due_at=timezone.now() - timedelta(hours=1))
    cs.accept(in_b, people[Role.DISPATCHER])
    client = api(Role.DISPATCHER)

    def tickets(**params):
        response = client.get("/api/cases/", params)
        assert response.status_code == 200, response.json()
        return {c["ticket_no"] for c in response.json()["results"]}

    assert tickets() == {in_a.ticket_no, in_b.ticket_no, late.ticket_no}
    assert tickets(status="accepted") == {in_b.ticket_no}
    assert tickets(status=["accepted", "reported"]) == {in_a.ticket_no, in_b.ticket_no, late.ticket_no}
    assert tickets(overdue="true") == {late.ticket_no}
    assert tickets(region=tree.street_b.code) == {in_b.ticket_no}
    assert tickets(q="5号楼") == {in_b.ticket_no}
    assert tickets(q=in_a.ticket_no) == {in_a.ticket_no}
    assert tickets(category="S04") == {late.ticket_no}
    assert client.get("/api/cases/", {"overdue": "true"}).json()["results"][0]["overdue"] is True
    bad = client.get("/api/cases/", {"status": "lost"})
    assert bad.status_code == 400 and bad.json()["field"] == "status"

    # the scope applies before any filter: street staff of street A never see street B's case
    street = api(Role.STREET_STAFF)
    assert {c["ticket_no"] for c in street.get("/api/cases/").json()["results"]} == {in_a.ticket_no, late.ticket_no}
    assert street.get("/api/cases/", {"region": tree.street_b.code}).json()["count"] == 0


def test_the_list_costs_the_same_queries_for_any_page_size(tree, people, categories, responsibility, api,
                                                          django_assert_num_queries):
    client = api(Role.DISPATCHER)
    report(people, categories)
    client.get("/api/cases/")  # warm the per-process caches (content types, grid index)
    # token + user, scope grants, count, page
    with django_assert_num_queries(4):
        assert len(client.get("/api/cases/").json()["results"]) == 1
    for n in range(12):
        report(people, categories, where=INSIDE_B1_1 if n % 2 else INSIDE_A1_1,
               category="gas" if n % 3 else "garbage")
    with django_assert_num_queries(4):
        assert len(client.get("/api/cases/", {"page_size": 50}).json()["results"]) == 13
    with django_assert_num_queries(5):  # + the region looked up by its code
        assert client.get("/api/cases/", {"region": tree.street_b.code, "status": "reported"}).json()["count"] == 6


def test_categories_for_a_report_form(tree, categories, api):
    rows = api(Role.RESIDENT).get("/api/categories/").json()
    assert [(r["code"], r["parent"]) for r in rows] == [("S01", None), ("S0102", "S01"), ("S04", None),
                                                        ("S0403", "S04")]
    assert api(Role.RESIDENT).get("/api/categories/", {"kind": "component"}).json() == []


# ------------------------------------------------------------------------------------------------------ schema


def test_the_schema_documents_every_verb(tree, api):
    schema = api(Role.DISPATCHER).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for verb in ("accept", "reject", "merge", "dispatch", "receive", "return", "request-extension",
                 "decide-extension", "suspend", "resume", "handle", "verify", "fail-verification", "close",
                 "supervise", "evaluate", "reopen"):
        assert f"/api/cases/{{ticket_no}}/{verb}/" in paths, verb
    assert "/api/cases/merge-many/" in paths and "/api/categories/" in paths
    dispatch = paths["/api/cases/{ticket_no}/dispatch/"]["post"]
    assert dispatch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseDispatch")
    assert set(dispatch["responses"]) == {"200", "400", "403", "404", "409"}
    handle = paths["/api/cases/{ticket_no}/handle/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in handle


def test_the_schema_has_no_warnings_or_errors(tmp_path):
    # drf-spectacular raises SchemaGenerationError on any warning with --fail-on-warn
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/cases/{ticket_no}/dispatch/" in (tmp_path / "schema.yaml").read_text()
