"""The registry API as its clients use it: scoped and masked lists, the same filters as the pages, an audited reveal
whose refusals are 400/403/404, and the exact look-up that never takes an identity number from a URL."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEntry
from civicgrid.people.models import Role
from tests.registry.test_pages import PHONE_LI, PHONE_WANG, PHONE_ZHAO, base  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

FIXTURES = (base,)


@pytest.fixture
def api(people):
    def as_user(role):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=people[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
        return client

    return as_user


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def assert_masked(body: str, base) -> None:
    for number in base.numbers.values():
        assert number not in body
    for phone in (PHONE_WANG, PHONE_LI, PHONE_ZHAO, "13712345678"):
        assert phone not in body


def test_people_are_scoped_and_masked(base, api):
    response = api(Role.COMMUNITY_STAFF).get("/api/registry/people/")
    assert response.status_code == 200
    data = response.json()
    assert names(response) == {"王建国"} and data["count"] == 1 and data["count_is_capped"] is False
    row = data["results"][0]
    assert row["id_number"] == "**************" + base.numbers["wang"][-4:]
    assert row["phone"] == "138****5678"
    assert row["birth_year"] == 1945 and "birth_date" not in row
    assert set(row["tags"]) == {"独居老人", "社区矫正对象"}
    assert row["house_address"] == base.house_a1.address and row["grid"] == "320571001001001"
    assert_masked(response.content.decode(), base)
    assert names(api(Role.STREET_STAFF).get("/api/registry/people/")) == {"王建国", "李梅"}
    assert names(api(Role.DISPATCHER).get("/api/registry/people/")) == {"王**", "李*", "赵*"}


def test_the_pages_filters_work_in_the_api(base, api):
    client = api(Role.STREET_STAFF)
    assert names(client.get("/api/registry/people/", {"name": "建国", "name_match": "contains"})) == {"王建国"}
    assert names(client.get("/api/registry/people/", {"id_tail": base.numbers["li"][-4:]})) == {"李梅"}
    assert names(client.get("/api/registry/people/", {"permit_before": "2027-01-01"})) == {"李梅"}
    assert names(client.get("/api/registry/people/", {"tag": "社区矫正对象"})) == {"王建国"}
    bad = client.get("/api/registry/people/", {"id_tail": "12"})
    assert bad.status_code == 400 and bad.json()["field"] == "id_tail"
    houses = client.get("/api/registry/houses/", {"address": "星湖街"}).json()["results"]
    assert {h["address"] for h in houses} == {base.house_a1.address, base.house_a2.address}
    components = client.get("/api/registry/components/", {"class_code": "B0118"}).json()["results"]
    assert [c["code"] for c in components] == ["320571-B0118-0001"]
    organisations = client.get("/api/registry/organisations/").json()["results"]
    assert organisations[0]["contact_phone"] == "137****5678"


def test_grid_workers_get_no_sensitive_tags(base, api):
    client = api(Role.GRID_WORKER)
    rows = client.get("/api/registry/people/").json()["results"]
    assert rows[0]["tags"] == ["独居老人"]
    response = client.get("/api/registry/people/", {"tag": "社区矫正对象"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert "社区矫正对象" not in client.get(f"/api/registry/people/{base.wang.pk}/").content.decode()


def test_detail_is_404_outside_the_scope_and_403_for_other_roles(base, api):
    staff = api(Role.COMMUNITY_STAFF)
    detail = staff.get(f"/api/registry/people/{base.wang.pk}/")
    assert detail.status_code == 200 and detail.json()["household_address"] == "江苏省苏州市姑苏区人民路1号"
    assert_masked(detail.content.decode(), base)
    for url in (f"/api/registry/people/{base.zhao.pk}/", f"/api/registry/houses/{base.house_b1.pk}/",
                f"/api/registry/people/{base.li.pk}/"):
        assert staff.get(url).status_code == 404, url
    assert api(Role.DISPATCHER).get(f"/api/registry/people/{base.wang.pk}/").json()["household_address"] is None
    for role in (Role.RESIDENT, Role.LEADER, Role.DEPARTMENT_HANDLER, Role.AUDIT_ADMIN):
        assert api(role).get("/api/registry/people/").status_code == 403
        assert api(role).get(f"/api/registry/people/{base.wang.pk}/").status_code == 403
    assert APIClient().get("/api/registry/people/").status_code in (401, 403)


def test_reveal_through_the_api_is_audited_and_refused_as_documented(base, api):
    client = api(Role.COMMUNITY_STAFF)
    url = f"/api/registry/people/{base.wang.pk}/reveal/"
    response = client.post(url, {"field": "phone", "reason": "入户走访核实联系方式"}, format="json")
    assert response.status_code == 200 and response.json() == {"field": "phone", "value": PHONE_WANG}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert entry.actor_name == "community" and entry.detail["reason"] == "入户走访核实联系方式"

    refusals = [
        (client.post(url, {"field": "phone"}, format="json"), 400, "reason"),
        (client.post(url, {"field": "phone", "reason": "看"}, format="json"), 400, "reason"),
        (client.post(url, {"field": "tags", "reason": "核对标签"}, format="json"), 400, "field"),
        (client.post(f"/api/registry/people/{base.zhao.pk}/reveal/", {"field": "phone", "reason": "核实联系方式"},
                     format="json"), 404, None),
        (api(Role.DISPATCHER).post(url, {"field": "phone", "reason": "核实联系方式"}, format="json"), 403, None),
        (api(Role.LEADER).post(url, {"field": "phone", "reason": "核实联系方式"}, format="json"), 403, None),
    ]
    for response, code, field in refusals:
        assert response.status_code == code, response.content
        assert PHONE_WANG not in response.content.decode() and PHONE_ZHAO not in response.content.decode()
        if field:
            assert response.json()["field"] == field
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count() == 1


def test_lookup_takes_the_number_from_the_body_only(base, api):
    client = api(Role.STREET_STAFF)
    found = client.post("/api/registry/people/lookup/", {"id_number": base.numbers["li"]}, format="json")
    assert found.status_code == 200 and names(found) == {"李梅"}
    assert base.numbers["li"] not in found.content.decode()
    other = client.post("/api/registry/people/lookup/", {"id_number": base.numbers["zhao"]}, format="json")
    assert other.status_code == 200 and other.json()["results"] == []
    bad = client.post("/api/registry/people/lookup/", {"id_number": "320571199007012421"}, format="json")
    assert bad.status_code == 400 and "320571199007012421" not in bad.content.decode()
    in_url = client.get("/api/registry/people/", {"id_number": base.numbers["li"]})
    assert in_url.status_code == 400 and in_url.json()["field"] == "id_number"


def test_the_schema_documents_the_registry_and_stays_valid(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(tmp_path / "schema.json"))
    paths = json.loads((tmp_path / "schema.json").read_text())["paths"]
    for path in ("/api/registry/people/", "/api/registry/people/{id}/", "/api/registry/people/{id}/reveal/",
                 "/api/registry/people/lookup/", "/api/registry/houses/", "/api/registry/organisations/{id}/",
                 "/api/registry/components/"):
        assert path in paths, path
    reveal = paths["/api/registry/people/{id}/reveal/"]["post"]
    assert set(reveal["responses"]) == {"200", "400", "403", "404", "429"}
    params = {p["name"] for p in paths["/api/registry/people/"]["get"]["parameters"]}
    assert {"name", "id_tail", "tag", "permit_before", "region"} <= params and "id_number" not in params
