"""Excel exports of the base data, opened with openpyxl: masked, scoped, formula-proof, capped, audited, with who,
when, why and which filters in the file."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry
from civicgrid.people.models import Role
from civicgrid.registry import exports
from civicgrid.registry.services import upsert_person
from tests.registry.test_pages import PHONE_LI, PHONE_WANG, PHONE_ZHAO, base  # noqa: F401 (a fixture)
from tests.registry.test_registry import id_number

pytestmark = pytest.mark.django_db

FIXTURES = (base,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, user, url, reason="年度人口普查核对"):
    client.force_login(user)
    return client.post(url, {"reason": reason})


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_export_of_people_is_masked_scoped_and_audited(base, people, client):
    staff = people[Role.STREET_STAFF]
    response = download(client, staff, "/registry/export/people/?tag=低保户&name_match=prefix")
    book = workbook(response)
    assert book.sheetnames == ["说明", "实有人口"]
    data = rows(book["实有人口"])
    assert data[0][:5] == ("姓名", "性别", "出生年份", "身份证号（脱敏）", "联系电话（脱敏）")
    assert len(data) == 2 and data[1][0] == "李梅"  # the filter: only 低保户, in street A
    assert data[1][3] == "**************" + base.numbers["li"][-4:] and data[1][4] == "139****1111"
    assert data[1][11] == "2026-12-31" and data[1][12] == "低保户"
    flat = repr([rows(book[name]) for name in book.sheetnames])
    for number in base.numbers.values():
        assert number not in flat
    assert PHONE_LI not in flat and PHONE_WANG not in flat and PHONE_ZHAO not in flat
    info = dict(rows(book["说明"]))
    assert info["导出人"].startswith("street") and info["导出原因"] == "年度人口普查核对"
    assert "标签：低保户" in info["筛选条件"] and info["行数"] == 1 and info["是否截断"] == "否"
    assert info["导出时间"][:4].isdigit()
    assert book.properties.creator == "street" and "实有人口" in book.properties.description
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == staff and entry.target == "registry:people"
    assert entry.detail == {"reason": "年度人口普查核对", "filters": {"tag": "低保户", "name_match": "prefix"},
                            "rows": 1, "truncated": False}


def test_a_community_exports_its_own_people_only_and_sensitive_tags_follow_the_role(base, people, client):
    book = workbook(download(client, people[Role.COMMUNITY_STAFF], "/registry/export/people/"))
    data = rows(book["实有人口"])[1:]
    assert [r[0] for r in data] == ["王建国"] and set(data[0][12].split("、")) == {"独居老人", "社区矫正对象"}


def test_a_formula_in_a_name_stays_text(base, people, client):
    upsert_person(id_number=id_number("19800101", "777"), name="=1+1", phone="13800000001", house=base.house_a1)
    upsert_person(id_number=id_number("19800101", "778"), name="@SUM(A1)", phone="13800000002", house=base.house_a1)
    book = workbook(download(client, people[Role.COMMUNITY_STAFF], "/registry/export/people/?name_match=prefix"))
    cells = {c.value: c for row in book["实有人口"].iter_rows(min_row=2, max_col=1) for c in row}
    for name in ("=1+1", "@SUM(A1)"):
        assert cells[name].data_type == "s" and cells[name].quotePrefix, name


def test_export_needs_a_role_and_a_reason(base, people, client):
    for role in (Role.GRID_WORKER, Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.LEADER, Role.RESIDENT):
        assert download(client, people[role], "/registry/export/people/").status_code == 403, role
    client.force_login(people[Role.DATA_ADMIN])
    form = client.get("/registry/export/people/?residence_type=floating")
    assert form.status_code == 200 and "50,000" in form.content.decode()
    assert "floating" in form.content.decode() or "流动" in form.content.decode()
    refused = client.post("/registry/export/people/", {"reason": "导"})
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_export_of_houses(base, people, client):
    book = workbook(download(client, people[Role.DATA_ADMIN], "/registry/export/houses/?address=星湖街"))
    data = rows(book["实有房屋"])
    assert {r[0] for r in data[1:]} == {base.house_a1.address, base.house_a2.address}
    assert {r[0]: r[7] for r in data[1:]}[base.house_a1.address] == 1  # residents in the exporter's scope
    assert AuditEntry.objects.get(action=AuditEntry.Action.EXPORT).detail["rows"] == 2


def test_the_export_is_capped_and_says_so(base, people, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_CAP", 2)
    out = io.BytesIO()
    result = exports.export_people(out, actor=people[Role.DATA_ADMIN], data={}, reason="上限测试")
    assert (result.rows, result.truncated) == (2, True)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert len(rows(book["实有人口"])) == 3
    assert dict(rows(book["说明"]))["是否截断"].startswith("是")
    assert AuditEntry.objects.get(action=AuditEntry.Action.EXPORT).detail["truncated"] is True


def test_an_export_of_thousands_streams_in_write_only_mode(base, people):
    """A few thousand rows (across the export's chunks of 2,000), each row masked."""
    from civicgrid.core.crypto import encrypt, lookup_hash
    from civicgrid.registry.models import Person

    Person.objects.bulk_create([
        Person(id_number_hash=lookup_hash(f"X{i}"), id_number_encrypted=encrypt(f"X{i}"), id_number_tail=f"{i:04d}",
               name=f"测试{i}", sex="F", birth_date="1990-01-01", phone_encrypted=encrypt("13912345678"),
               house=base.house_a1, grid=base.house_a1.grid, region_path=base.house_a1.region_path)
        for i in range(4500)])
    out = io.BytesIO()
    result = exports.export_people(out, actor=people[Role.COMMUNITY_STAFF], data={}, reason="批量测试")
    assert result.rows == 4501 and not result.truncated
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    data = list(book["实有人口"].iter_rows(values_only=True))
    assert len(data) == 4502 and all(r[4] in ("139****5678", "138****5678") for r in data[1:])
