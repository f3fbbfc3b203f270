"""Importing base data files: real .xlsx and CSV files (UTF-8 and GBK), every kind of bad input, all or nothing,
dry runs, resuming after a crash, history and scope."""

import csv
import datetime as dt
import json

import pytest
from openpyxl import Workbook, load_workbook

from civicgrid.core.crypto import decrypt
from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.people.models import Role
from civicgrid.registry import importing
from civicgrid.registry.models import House, ImportJob, Person, PersonMove, PersonTag, StagedPerson
from civicgrid.registry.services import tag_hash, upsert_house

from .test_registry import id_number

pytestmark = pytest.mark.django_db

HEADER = ["公民身份号码", "姓名", "联系电话", "现住房屋地址", "人口类型", "人员标签", "居住证有效期至"]


@pytest.fixture
def houses(tree):
    a = upsert_house(address="甲一社区星湖街1号1幢101室", building="1幢", room="101", lon=120.701, lat=31.301)[0]
    b = upsert_house(address="乙一社区星湖街9号2幢202室", building="2幢", room="202", lon=120.701, lat=31.311)[0]
    return a, b


def write_csv(path, rows, encoding="utf-8", header=HEADER):
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER, title=None, merge=None):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def run(path, kind="person", **options):
    job = importing.create_job(path, kind=kind, **options)
    return importing.run(job)


def problems(job):
    return [(p.row, p.column, p.reason) for p in job.problems.order_by("row", "id")]


def test_a_gbk_csv_is_imported_with_hashes_encryption_tags_and_history(tree, houses, tmp_path, people):
    a, b = houses
    path = write_csv(tmp_path / "人口.csv", [
        [id_number(seq="111"), "王建国", "13812345678", a.address, "户籍", "独居老人、低保户", ""],
        [id_number(seq="222"), "李梅", "", b.address, "流动", "", "2027/3/1"],
    ], encoding="gbk")
    job = run(path, actor=people[Role.DATA_ADMIN])
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert (job.encoding, job.created_count, job.updated_count, job.unchanged_count) == ("gb18030", 2, 0, 0)
    wang = Person.objects.get(name="王建国")
    assert decrypt(wang.id_number_encrypted) == id_number(seq="111") and decrypt(wang.phone_encrypted) == "13812345678"
    assert wang.grid_id == a.grid_id and wang.region_path == a.region_path and wang.created_by_job_id == job.pk
    assert json.loads(decrypt(wang.tags_encrypted)) == ["低保户", "独居老人"]
    assert set(PersonTag.objects.filter(person=wang).values_list("tag_hash", flat=True)) == {
        tag_hash("独居老人"), tag_hash("低保户")}
    li = Person.objects.get(name="李梅")
    assert (li.residence_type, li.permit_expires_on, li.sex) == ("floating", dt.date(2027, 3, 1), "F")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, target=f"import:{job.pk}").exists()
    assert not StagedPerson.objects.exists()

    # the next day's file: one moved and changed phone and tags, one unchanged, one new
    path2 = write_csv(tmp_path / "人口2.csv", [
        [id_number(seq="111"), "王建国", "13900000000", b.address, "户籍", "低保户", ""],
        [id_number(seq="222"), "李梅", "", b.address, "流动", "", "2027-03-01"],
        [id_number(seq="333"), "赵强", "", a.address, "", "", ""],
    ])
    job2 = run(path2, actor=people[Role.DATA_ADMIN])
    assert (job2.created_count, job2.updated_count, job2.unchanged_count) == (1, 1, 1), problems(job2)
    wang.refresh_from_db()
    assert wang.house_id == b.pk and decrypt(wang.phone_encrypted) == "13900000000"
    assert list(PersonTag.objects.filter(person=wang).values_list("tag_hash", flat=True)) == [tag_hash("低保户")]
    record = ChangeRecord.objects.get(model_label="registry.person", object_id=str(wang.pk), action="update")
    assert set(record.changes) == {"phone_hash", "house_id", "tags_hash"}
    assert record.changes["house_id"] == [a.pk, b.pk] and record.source.endswith("人口2.csv")
    assert record.actor == people[Role.DATA_ADMIN] and "13900000000" not in json.dumps(record.changes)
    move = PersonMove.objects.get(person=wang)
    assert (move.from_house_id, move.to_house_id) == (a.pk, b.pk)


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_stored(tree, houses, tmp_path):
    a, _ = houses
    good = id_number(seq="111")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    path = write_xlsx(tmp_path / "人口.xlsx", [
        [good, "王建国", "13812345678", a.address, "户籍", "", ""],
        [bad_check, "李梅", "12345", a.address, "本地", "不存在", "2027-02-30"],
        [],  # empty rows are skipped, not errors
        [id_number(seq="222"), "", "", "没有这个地址", "", "", ""],
        [good, "王建国", "", a.address, "", "", ""],
    ], title="甲一社区实有人口登记表")  # a title row above the header: rows keep the numbers Excel shows
    job = run(path)
    assert job.status == ImportJob.Status.FAILED
    found = problems(job)
    assert (4, "公民身份号码", f"{bad_check}: the check digit is wrong") in found
    assert any(r == 4 and c == "联系电话" for r, c, _ in found)
    assert any(r == 4 and c == "人口类型" for r, c, _ in found)
    assert any(r == 4 and c == "人员标签" for r, c, _ in found)
    assert any(r == 4 and c == "居住证有效期至" and "not a real date" in why for r, c, why in found)
    assert (6, "姓名", "is required") in found
    assert any(r == 6 and c == "现住房屋地址" for r, c, _ in found) is False  # a bad row is not looked up further
    assert (7, "公民身份号码", "the same 公民身份号码 as row 3") in found
    assert not Person.objects.exists() and not StagedPerson.objects.exists()

    report = tmp_path / "errors.xlsx"
    importing.write_error_report(job, report)
    sheet = load_workbook(report)["错误"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行", "列", "值", "原因") and (4, "公民身份号码", bad_check) == rows[1][:3]


def test_skipping_bad_rows_imports_the_good_ones(tree, houses, tmp_path):
    a, _ = houses
    path = write_csv(tmp_path / "p.csv", [[id_number(seq="111"), "王建国", "", a.address, "", "", ""],
                                         ["123", "坏", "", a.address, "", "", ""],
                                         [id_number(seq="111"), "王建国二", "", a.address, "", "", ""]])
    job = run(path, skip_invalid=True)
    assert job.status == ImportJob.Status.DONE and job.created_count == 1 and job.error_count == 2
    assert Person.objects.get().name == "王建国"  # a duplicated key keeps its first row


def test_a_dry_run_counts_and_stores_nothing(tree, houses, tmp_path):
    a, _ = houses
    run(write_csv(tmp_path / "p.csv", [[id_number(seq="111"), "王建国", "", a.address, "", "", ""]]))
    path = write_csv(tmp_path / "p2.csv", [[id_number(seq="111"), "王建国", "13812345678", a.address, "", "", ""],
                                          [id_number(seq="222"), "李梅", "", a.address, "", "", ""]])
    job = run(path, dry_run=True)
    assert job.status == ImportJob.Status.CHECKED and (job.created_count, job.updated_count) == (1, 1)
    assert Person.objects.count() == 1 and Person.objects.get().phone_hash == ""
    houses_job = run(write_xlsx(tmp_path / "h.xlsx", [["新地址1号", "1幢", "", "", "住宅", "出租", 120.711, 31.305]],
                                header=["房屋地址", "楼栋", "单元", "房号", "房屋用途", "居住情况", "经度", "纬度"]),
                     kind="house", dry_run=True)
    assert houses_job.created_count == 1 and not House.objects.filter(address="新地址1号").exists()


@pytest.mark.parametrize("content, why", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel 97-2003"),
    (b"PK\x03\x04not really a zip", "not a readable Excel workbook"),
    (b"\x00\x01\x02binary", "binary file"),
    ("姓名,电话\n王建国,1\n".encode(), "no header row with the required columns"),
    (b"", "empty"),
])
def test_files_that_are_not_tables_are_refused_with_a_reason(tree, tmp_path, content, why):
    path = tmp_path / "file.xlsx"
    path.write_bytes(content)
    job = run(path)
    assert job.status == ImportJob.Status.FAILED and why in job.message, job.message


def test_a_file_that_changes_encoding_halfway_is_refused_at_its_line(tree, houses, tmp_path, monkeypatch):
    from civicgrid.registry import reading

    monkeypatch.setattr(reading, "SNIFF_BYTES", 64)  # the encoding is decided on the first bytes
    a, _ = houses
    path = tmp_path / "mixed.csv"
    lines = ["公民身份号码,姓名,现住房屋地址", f"{id_number(seq='111')},王建国,{a.address}"]
    path.write_bytes(("\n".join(lines) + "\n").encode() + f"{id_number(seq='222')},李梅,x\n".encode("gbk"))
    job = run(path)
    assert job.status == ImportJob.Status.FAILED and "line 3: bytes that are not utf-8 text" in job.message
    assert not Person.objects.exists()


def test_merged_cells_wrong_numbers_and_mixed_dates(tree, houses, tmp_path):
    a, _ = houses
    path = write_xlsx(tmp_path / "merged.xlsx", [[id_number(seq="111"), "王建国", "", a.address, "", "", ""],
                                                 [id_number(seq="222"), "", "", "", "", "", ""]], merge="B2:B3")
    job = run(path)
    assert job.status == ImportJob.Status.FAILED and "merged cells B2:B3" in job.message
    path = write_xlsx(tmp_path / "numbers.xlsx", [
        [320571198001011234.0, "王建国", 13812345678, a.address, "流动", "", dt.datetime(2027, 1, 5)],
        [id_number(seq="222"), "李梅", "", a.address, "流动", "", "2027年1月5日"],
        [id_number(seq="333"), "赵强", "", a.address, "流动", "", "20270105"],
    ])
    job = run(path)
    assert problems(job)[0][:2] == (2, "公民身份号码") and "stored as a number" in problems(job)[0][2]
    assert len(problems(job)) == 1  # the phone typed as a number and the three date formats are fine


def test_column_mapping_and_a_file_too_large(tree, houses, tmp_path, settings):
    a, _ = houses
    path = write_csv(tmp_path / "other.csv", [[id_number(seq="111"), "王建国", a.address]],
                     header=["证件号", "名字", "住址"])
    assert run(path).status == ImportJob.Status.FAILED
    job = run(path, mapping={"证件号": "id_number", "住址": "house_address"})
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    settings.REGISTRY_IMPORT_MAX_BYTES = 10
    with pytest.raises(importing.RegistryInputError) as error:
        importing.create_job(path, kind="person")
    assert "more than" in error.value.message


def test_a_crash_while_staging_resumes_at_its_checkpoint(tree, houses, tmp_path, monkeypatch):
    a, _ = houses
    rows = [[id_number(seq=f"{n:03d}"), f"居民{n}", "", a.address, "", "", ""] for n in range(1, 26)]
    path = write_csv(tmp_path / "big.csv", rows)
    monkeypatch.setattr(importing, "CHUNK", 10)
    job = importing.create_job(path, kind="person")
    calls = []

    def crash(job):
        calls.append(job.rows_read)
        if len(calls) == 2:
            raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        importing.run(job, progress=crash)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.STAGING and job.rows_read == 21  # two chunks of 10, header is row 1
    assert StagedPerson.objects.filter(job=job).count() == 20 and not Person.objects.exists()
    job = importing.run(job)
    assert job.status == ImportJob.Status.DONE and job.created_count == 25 and Person.objects.count() == 25


def test_an_importer_cannot_write_outside_their_scope(tree, houses, tmp_path, people):
    a, b = houses  # community staff of 甲一社区: b lies in 乙一社区
    path = write_csv(tmp_path / "p.csv", [[id_number(seq="111"), "王建国", "", a.address, "", "", ""],
                                         [id_number(seq="222"), "李梅", "", b.address, "", "", ""]])
    job = run(path, actor=people[Role.COMMUNITY_STAFF])
    assert job.status == ImportJob.Status.FAILED
    assert problems(job) == [(3, "现住房屋地址", "the house lies outside your data scope")]


def test_organisations_and_components_import_through_the_services(tree, department, tmp_path):
    orgs = write_csv(tmp_path / "org.csv", [["91110000600037341L", "某某科技有限公司", "企业", "", "", "0512-66001234",
                                             120.711, 31.305],
                                            ["91110000600037341X", "坏代码", "", "", "", "", 120.711, 31.305],
                                            ["91310115MA1K3YJ12G", "远方公司", "", "", "", "", 116.4, 39.9]],
                     header=["统一社会信用代码", "单位名称", "单位类型", "单位地址", "法定代表人", "联系电话", "经度", "纬度"])
    job = run(orgs, kind="organisation")
    assert [(r, c) for r, c, _ in problems(job)] == [(3, "统一社会信用代码"), (4, "经度")]
    components = write_csv(tmp_path / "c.csv", [["C-1", "B0101", "上水井盖", "损坏", department.name, 120.721, 31.301],
                                                ["C-2", "路灯", "路灯", "完好", "没有的部门", 120.721, 31.301]],
                           header=["部件编码", "部件小类代码", "部件名称", "状态", "权属部门", "经度", "纬度"])
    job = run(components, kind="component")
    assert [(r, c) for r, c, _ in problems(job)] == [(3, "部件小类代码"), (3, "权属部门")]
    job = run(components, kind="component", skip_invalid=True)
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    from civicgrid.registry.models import Component

    lid = Component.objects.get(code="C-1")
    assert (lid.status, lid.owner_department, lid.grid.code) == ("damaged", department, "320571001002001")
    assert ChangeRecord.objects.filter(model_label="registry.component", source__contains="c.csv").exists()


def test_problems_are_written_in_chinese_for_a_chinese_office(tree, houses, tmp_path):
    from django.utils import translation

    a, _ = houses
    path = write_csv(tmp_path / "p.csv", [["123", "王建国", "", a.address, "本地", "", "2027-02-30"]])
    with translation.override("zh-hans"):
        job = run(path)
    reasons = [why for _r, _c, why in problems(job)]
    assert reasons == ["123 不是 18 位", "本地 不是以下之一：户籍、户籍人口、常住、流动、流动人口、境外、境外人员",
                       "2027-02-30 不是真实存在的日期"]
    assert job.message == "发现 3 个问题：未导入任何数据"


def test_stalled_jobs_are_claimed_once(tree, houses, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    a, _ = houses
    job = importing.create_job(write_csv(tmp_path / "p.csv", [[id_number(seq="111"), "王建国", "", a.address, "", "",
                                                                ""]]), kind="person")
    long_ago = timezone.now() - timedelta(minutes=30)
    ImportJob.objects.filter(pk=job.pk).update(status="staging", heartbeat_at=long_ago)
    fresh = importing.create_job(tmp_path / "p.csv", kind="person")  # queued just now: its worker may still come
    assert importing.resume_stalled() == [job.pk]
    assert importing.resume_stalled() == []  # claimed: its heartbeat is fresh again
    ImportJob.objects.filter(pk=fresh.pk).update(created_at=long_ago)
    assert importing.resume_stalled() == [fresh.pk]
    assert importing.run(ImportJob.objects.get(pk=job.pk)).status == "done"


def test_houses_are_looked_up_in_batches_of_one_size(tree, houses, monkeypatch):
    a, b = houses
    monkeypatch.setattr(importing, "LOOKUP_BATCH", 2)
    found = importing._houses_by_address({a.address, b.address, "没有这个地址"})  # a full batch, then a padded one
    assert found == {a.address: (a.pk, a.grid_id, a.region_path), b.address: (b.pk, b.grid_id, b.region_path)}
