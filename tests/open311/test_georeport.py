"""Open311 GeoReport v2 as a partner app and the public use it: every JSON answer is checked against the spec's own
JSON Schemas (../shared/data/open311-spec), every XML answer against the spec's element names."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from civicgrid.cases import selectors as case_selectors
from civicgrid.cases import services as cs
from civicgrid.cases.models import Case, Channel, Status
from civicgrid.open311.models import Submission
from civicgrid.people.models import Role
from tests.conftest import shared_data

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
INSIDE_A1_1 = {"lat": "31.301", "long": "120.701"}
SCHEMA_DIR = ("open311-spec", "schema-validation", "schema", "georeport-v2")
ERRORS_SCHEMA = {  # the spec's error document (no JSON Schema ships for it)
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def spec():
    """Validators for the shipped schemas (services, service-definition, requests) and swagger.json's definitions."""
    folder = shared_data(*SCHEMA_DIR)
    documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(doc, default_specification=DRAFT7)) for name, doc in documents.items())

    def validator(schema):
        return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)

    definitions = documents["swagger.json"]["definitions"]
    return {
        "services": validator(documents["services.json"]),
        "service-definition": validator(documents["service-definition.json"]),
        "requests": validator(documents["requests.json"]),
        "post": validator({"type": "array", "minItems": 1, "items": definitions["RequestResponse"]}),
        "tokens": validator({"type": "array", "minItems": 1, "items": definitions["TokenResponse"]}),
        "errors": validator(ERRORS_SCHEMA),
    }


def valid(spec, kind, response, status=200):
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    spec[kind].validate(body)
    for row in body if isinstance(body, list) else [body]:  # the schemas' "date-time" needs a package we lack
        for field, value in row.items():
            if field.endswith("_datetime") and value is not None:
                w3(value)
    return body


def xml(response, root, status=200) -> ET.Element:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    document = ET.fromstring(response.content)
    assert document.tag == root
    return document


def w3(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value  # the spec: a time zone must be included
    return moment


def submit(client, api_key, fmt="json", remote_addr="127.0.0.1", **fields):
    data = {"api_key": api_key, "service_code": "S0102", **INSIDE_A1_1, "description": "小区门口垃圾堆积，三天没人清运",
            "first_name": "芳", "last_name": "王", "email": "wf@example.cn", "phone": "13812345678",
            "media_url": "https://example.cn/photo.jpg"}
    data.update(fields)
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None},
                       REMOTE_ADDR=remote_addr)


# ------------------------------------------------------------------------------------------------------ services


def test_services_are_the_second_level_categories(tree, categories, client, spec):
    services = valid(spec, "services", client.get(f"{BASE}/services.json"))
    assert [(s["service_code"], s["group"]) for s in services] == [("S0102", "市容环境"), ("S0403", "突发事件")]
    assert services[0] == {"service_code": "S0102", "service_name": "暴露垃圾", "description": None,
                           "metadata": False, "type": "realtime", "keywords": "暴露垃圾, 市容环境", "group": "市容环境"}

    document = xml(client.get(f"{BASE}/services.xml"), "services")
    assert [e.tag for e in document] == ["service", "service"]
    assert {e.tag for e in document[0]} == SERVICE_FIELDS
    assert document[0].findtext("service_code") == "S0102" and document[0].findtext("metadata") == "false"

    categories["gas"].is_active = False
    categories["gas"].save()
    assert [s["service_code"] for s in client.get(f"{BASE}/services.json").json()] == ["S0102"]


def test_a_service_definition_has_no_extra_attributes(tree, categories, client, spec):
    definition = valid(spec, "service-definition", client.get(f"{BASE}/services/S0102.json"))
    assert definition == {"service_code": "S0102", "attributes": []}
    document = xml(client.get(f"{BASE}/services/S0102.xml"), "service_definition")
    assert [e.tag for e in document] == ["service_code", "attributes"] and len(document.find("attributes")) == 0

    for code in ("NOPE", "S01"):  # unknown, and a first-level group (not a service)
        missing = valid(spec, "errors", client.get(f"{BASE}/services/{code}.json"), 404)
        assert missing == [{"code": 404, "description": f"service_code {code} not found"}]
    document = xml(client.get(f"{BASE}/services/NOPE.xml"), "errors", 404)
    assert [e.tag for e in document] == ["error"] and [e.tag for e in document[0]] == ["code", "description"]


# ------------------------------------------------------------------------------------------------------ POST


def test_a_partner_app_posts_a_request_the_centre_sees_and_works(tree, people, categories, responsibility, client,
                                                                 spec, api_key):
    created = valid(spec, "post", submit(client, api_key))
    ticket = created[0]["service_request_id"]
    assert created == [{"service_request_id": ticket, "service_notice": "当日清运"}]  # no account_id: no accounts

    case = Case.objects.get(ticket_no=ticket)
    assert case.channel == Channel.OPEN311 and case.category.code == "S0102" and case.grid.code == "320571001001001"
    assert case.title == "暴露垃圾: 小区门口垃圾堆积，三天没人清运" and case.contact_name == "王芳"
    assert case.contact_phone_encrypted.startswith("v1:") and "138" not in case.contact_phone_encrypted
    assert Submission.objects.get(case=case).api_key.name == "市民通 App"

    listed = valid(spec, "requests", client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in listed] == [ticket]
    request = listed[0]
    assert set(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "S0102" and request["service_name"] == "暴露垃圾"
    assert request["agency_responsible"] == "区城市管理局" and request["lat"] == 31.301 and request["long"] == 120.701
    assert request["address"] == "甲一社区网格1" and request["status_notes"] is None
    assert w3(request["requested_datetime"]).utcoffset() == timedelta(hours=8)
    text = json.dumps(listed, ensure_ascii=False)
    assert "王" not in text and "1381234" not in text and "wf@example" not in text  # no contact details, ever

    # the dispatcher finds it in their queue and takes it on through the ordinary services
    dispatcher = people[Role.DISPATCHER]
    queued = case_selectors.queue_for(dispatcher).get(ticket_no=ticket)
    assert case_selectors.contact_phone(queued) == "138****5678"
    cs.dispatch(cs.accept(queued, dispatcher), dispatcher)
    one = valid(spec, "requests", client.get(f"{BASE}/requests/{ticket}.json"))
    assert one[0]["status"] == "open" and w3(one[0]["expected_datetime"]) > w3(one[0]["requested_datetime"])

    token = valid(spec, "tokens", client.get(f"{BASE}/tokens/{ticket}.json"))
    assert token == [{"service_request_id": ticket, "token": ticket}]
    document = xml(client.get(f"{BASE}/tokens/{ticket}.xml"), "service_requests")
    assert [e.tag for e in document[0]] == ["service_request_id", "token"]


def test_a_post_answers_in_xml_too(tree, categories, client, api_key):
    document = xml(submit(client, api_key, "xml", lat=None, long=None, address_string="星湖街328号"),
                   "service_requests")
    assert [e.tag for e in document] == ["request"]
    assert [e.tag for e in document[0]] == ["service_request_id"]  # no responsibility item: no service_notice
    case = Case.objects.get(ticket_no=document[0].findtext("service_request_id"))
    assert case.address == "星湖街328号" and case.grid is None and case.region_path == tree.district.path


@pytest.mark.parametrize("key", [None, "", "o311_not-a-key"])
def test_a_post_without_a_valid_key_is_403(tree, categories, client, spec, key):
    body = valid(spec, "errors", submit(client, key), 403)
    assert body == [{"code": 403,
                     "description": "api_key is missing or not valid: can't proceed with create_request"}]
    document = xml(submit(client, key, "xml"), "errors", 403)
    assert document[0].findtext("code") == "403"
    assert Case.objects.count() == 0


def test_a_switched_off_key_is_refused(tree, categories, client, spec, api_key):
    from civicgrid.open311.models import ApiKey
    from civicgrid.open311.services import set_key_active

    set_key_active(ApiKey.objects.get(), False, source="test")
    valid(spec, "errors", submit(client, api_key), 403)


@pytest.mark.parametrize(("fields", "names"), [
    ({"service_code": "NOPE"}, "service_code: NOPE is not a service"),
    ({"service_code": "S01"}, "service_code: S01 is not a service"),
    ({"service_code": ""}, "service_code: is required"),
    ({"lat": "39.9", "long": "116.4"}, "lat/long: "),
    ({"lat": "31.301", "long": None}, "lat/long: give both"),
    ({"lat": None, "long": None}, "lat/long: a location is required"),
    ({"lat": "north"}, "lat: north is not a number"),
    ({"phone": "call me"}, "phone: "),
    ({"description": "长" * 4001}, "description: is 4001 characters long"),
    ({"first_name": "名" * 30, "last_name": "姓" * 30}, "first_name/last_name: "),
])
def test_bad_input_is_400_naming_the_field(tree, categories, client, spec, api_key, fields, names):
    body = valid(spec, "errors", submit(client, api_key, **fields), 400)
    assert body[0]["code"] == 400 and body[0]["description"].startswith(names), body
    assert Case.objects.count() == 0


def test_a_location_outside_the_jurisdiction_says_so(tree, categories, client, spec, api_key):
    body = valid(spec, "errors", submit(client, api_key, lat="39.9", long="116.4"), 400)
    assert body[0]["description"].startswith("lat/long: 116.400000, 39.900000 is outside the jurisdiction")


def test_posts_are_rate_limited_per_key_and_per_address(tree, categories, client, spec, api_key, settings):
    settings.OPEN311_POSTS_PER_MINUTE = 2
    for n in range(2):
        valid(spec, "post", submit(client, api_key, remote_addr=f"10.0.0.{n}"))
    limited = submit(client, api_key, remote_addr="10.0.0.9")  # a third address, but the same key
    body = valid(spec, "errors", limited, 429)
    assert body[0]["code"] == 429 and "at most 2 per minute" in body[0]["description"]
    assert 1 <= int(limited["Retry-After"]) <= 60

    # one address guessing keys is stopped too, before any key is looked at
    for _ in range(2):
        valid(spec, "errors", submit(client, "guess", remote_addr="10.9.9.9"), 403)
    valid(spec, "errors", submit(client, "guess", remote_addr="10.9.9.9"), 429)
    assert Case.objects.count() == 2


# ------------------------------------------------------------------------------------------------------ GET requests


@pytest.fixture
def history(tree, people, categories, responsibility):
    """Cases in every state, one reported long ago, one with personal data typed into its description."""
    dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]

    def new(**extra):
        data = dict(channel=Channel.WEB, title="垃圾", description="垃圾堆积", category=categories["garbage"],
                    lon=120.701, lat=31.301, contact_phone="13812345678")
        data.update(extra)
        return cs.report_case(**data)

    cases = {"reported": new(description="请联系我 13812345678，身份证 320502198001011234")}
    cases["handled"] = cs.handle(cs.receive(cs.dispatch(cs.accept(new(), dispatcher), dispatcher), handler), handler,
                                 result="已清运")
    cases["rejected"] = cs.reject(new(category=categories["gas"]), dispatcher, reason="属物业管理范围，请联系物业")
    cases["merged"] = cs.merge(new(), dispatcher, into=cases["reported"])
    closed = cs.verify(cs.handle(cs.receive(cs.dispatch(cs.accept(new(), dispatcher), dispatcher), handler),
                                 handler, result="已清运完毕"), dispatcher)
    cases["evaluated"] = cs.evaluate(cs.close(closed, dispatcher, note="办结"), dispatcher, satisfaction=5,
                                     resolved=True, by_callback=True)
    cases["old"] = new(reported_at=timezone.now() - timedelta(days=120))
    return cases


def test_statuses_map_to_open_and_closed_with_the_public_notes(history, client, spec):
    listed = valid(spec, "requests", client.get(f"{BASE}/requests.json"))
    by_id = {r["service_request_id"]: r for r in listed}
    assert history["old"].ticket_no not in by_id  # older than the default 90 days
    expected = {"reported": ("open", None), "handled": ("open", "已清运"),
                "rejected": ("closed", "属物业管理范围，请联系物业"),
                "merged": ("closed", f"duplicate of case {history['reported'].ticket_no}"),
                "evaluated": ("closed", "办结")}
    for name, (status, notes) in expected.items():
        row = by_id[history[name].ticket_no]
        assert (row["status"], row["status_notes"]) == (status, notes), name
    assert by_id[history["reported"].ticket_no]["description"] == "请联系我 138****5678，身份证 320***********1234"
    assert w3(by_id[history["evaluated"].ticket_no]["updated_datetime"]) == \
        Case.objects.get(pk=history["evaluated"].pk).closed_at.replace(microsecond=0)

    document = xml(client.get(f"{BASE}/requests.xml"), "service_requests")
    assert {e.tag for e in document} == {"request"} and len(document) == 5
    assert [e.tag for e in document[0]] == list(REQUEST_FIELDS_ORDER)


REQUEST_FIELDS_ORDER = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                        "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")


def test_the_spec_filters(history, client, spec):
    def ids(**params):
        return {r["service_request_id"] for r in valid(spec, "requests", client.get(f"{BASE}/requests.json", params))}

    t = {name: case.ticket_no for name, case in history.items()}
    assert ids(status="open") == {t["reported"], t["handled"]}
    assert ids(status="closed") == {t["rejected"], t["merged"], t["evaluated"]}
    assert ids(status="open,closed") == ids()
    assert ids(service_code="S0403") == {t["rejected"]}
    assert ids(service_code="S0403,S0102") == ids()
    # the ids override every other argument, even the date range
    assert ids(service_request_id=f"{t['old']},{t['rejected']}", status="open") == {t["old"], t["rejected"]}
    long_ago = timezone.localtime(history["old"].reported_at)
    assert ids(start_date=(long_ago - timedelta(days=1)).isoformat(),
               end_date=(long_ago + timedelta(days=1)).isoformat()) == {t["old"]}
    assert ids(start_date=(long_ago - timedelta(days=1)).date().isoformat()) == {t["old"]}  # a day and 90 after
    assert ids(end_date=(timezone.now() - timedelta(days=100)).isoformat()) == {t["old"]}  # 90 days before it
    # an unencoded "+08:00" arrives as " 08:00": still understood
    assert ids(start_date=(timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S 08:00")) == ids()


@pytest.mark.parametrize(("params", "says"), [
    ({"start_date": "yesterday"}, "start_date: yesterday is not a date and time"),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date: 2026-13-01T00:00:00Z is not a date and time"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "start_date/end_date: the range"),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "start_date: must not be after"),
    ({"status": "pending"}, "status: pending is not open or closed"),
])
def test_bad_filters_are_400(tree, client, spec, params, says):
    body = valid(spec, "errors", client.get(f"{BASE}/requests.json", params), 400)
    assert body[0]["description"].startswith(says), body


def test_at_most_1000_requests_and_constant_queries(history, client, spec, monkeypatch,
                                                   django_assert_num_queries):
    from civicgrid.open311 import selectors

    with django_assert_num_queries(2):  # the cases with what they show, and their public notes
        assert len(valid(spec, "requests", client.get(f"{BASE}/requests.json"))) == 5
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    assert len(client.get(f"{BASE}/requests.json").json()) == 2


def test_unknown_requests_and_tokens_are_404(tree, client, spec):
    assert valid(spec, "errors", client.get(f"{BASE}/requests/CG000.json"), 404) == [
        {"code": 404, "description": "service_request_id CG000 not found"}]
    valid(spec, "errors", client.get(f"{BASE}/tokens/CG000.json"), 404)
    xml(client.get(f"{BASE}/requests/CG000.xml"), "errors", 404)


def test_other_methods_and_jurisdictions_are_refused(tree, categories, client, spec, settings):
    refused = client.delete(f"{BASE}/services.json")
    assert valid(spec, "errors", refused, 405)[0]["code"] == 405 and refused["Allow"] == "GET"
    settings.OPEN311_JURISDICTION_ID = "sipac.gov.cn"
    valid(spec, "services", client.get(f"{BASE}/services.json", {"jurisdiction_id": "sipac.gov.cn"}))
    valid(spec, "services", client.get(f"{BASE}/services.json"))  # optional when an endpoint serves one
    elsewhere = valid(spec, "errors", client.get(f"{BASE}/services.json", {"jurisdiction_id": "sf.gov"}), 404)
    assert elsewhere[0]["description"].startswith("jurisdiction_id sf.gov not found")


def test_statuses_cover_every_case_status():
    from civicgrid.open311.selectors import open311_status

    closed = {s for s in Status.values if open311_status(Case(status=s)) == "closed"}
    assert closed == {"closed", "evaluated", "rejected", "merged"}
