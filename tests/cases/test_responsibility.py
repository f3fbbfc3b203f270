"""The responsibility list (责任清单) as Excel: the shipped sample imports whole, bad files import nothing and say
where each problem is, export and import round-trip, exported text never becomes a formula, the template helps."""

import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from civicgrid.cases.models import Category, Clock, ResponsibilityItem
from civicgrid.cases.responsibility import (
    HEADERS,
    INFO_SHEET,
    NOTES_SHEET,
    SHEET_NAME,
    export_responsibility_list,
    import_responsibility_list,
    upsert_responsibility_item,
    write_template,
)
from civicgrid.cases.taxonomy import load_categories
from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.demo.loader import DemoReport, load_departments
from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.services import upsert_region
from civicgrid.people.models import Department
from civicgrid.people.services import upsert_department

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "civicgrid" / "cases" / "data" / "responsibility_sample.xlsx"
SAMPLE_ROWS = 129
XIETANG, SHENGPU = "320505006", "320506010"


@pytest.fixture
def demo_district(db):
    """The shipped taxonomy, the demo's departments and the two streets of the shipped sample with their offices."""
    load_categories()
    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None, source="test").region
    district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city,
                             source="test").region
    for code, name in ((XIETANG, "斜塘街道"), (SHENGPU, "胜浦街道")):
        upsert_region(code=code, name=name, level=RegionLevel.STREET, parent=district, source="test")
    return load_departments(DemoReport(source="test"))


def item_history():
    return ChangeRecord.objects.filter(model_label="cases.responsibilityitem")


def items_as_rows():
    return sorted(ResponsibilityItem.objects.values_list(
        "category__code", "region__code", "department__code", "handling_standard", "clock", "accept_minutes",
        "dispatch_minutes", "handle_minutes", "verify_minutes", "close_minutes", "is_active"), key=str)


def row(category="S0201", region="", department="CGJ", clock="工作日", limits=(1, 2, 48, 24, 24), active="是",
        name=None, standard="当日清除"):
    return [category, name, region, department, standard, clock, *limits, active]


def make_xlsx(path, rows, headers=HEADERS, above=()):
    """A workbook as a person would make it: optional title rows, a header row, then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    for line in above:
        sheet.append(line)
    sheet.append(list(headers))
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def problems(report, kind="errors"):
    return {(p.row, p.column) for p in getattr(report, kind)}


# --------------------------------------------------------------------------------------------- the shipped sample

def test_the_shipped_sample_imports_every_row(demo_district):
    report = import_responsibility_list(SAMPLE)

    assert report.ok, report.format()
    assert report.imported and not report.warnings
    assert (report.rows, report.created, report.updated, report.unchanged) == (SAMPLE_ROWS, SAMPLE_ROWS, 0, 0)
    assert ResponsibilityItem.objects.count() == SAMPLE_ROWS
    assert item_history().filter(action=ChangeRecord.Action.CREATE).count() == SAMPLE_ROWS
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1

    gas = ResponsibilityItem.objects.get(category__code="S0403", region=None)
    assert (gas.department.code, gas.clock, gas.accept_minutes, gas.handle_minutes) == ("RQGS", Clock.NATURAL, 30, 240)
    posters = ResponsibilityItem.objects.get(category__code="S0201", region=None)
    assert (posters.department.code, posters.clock, posters.handle_minutes) == ("CGJ", Clock.WORKDAYS, 48 * 60)
    consult = ResponsibilityItem.objects.get(category__code="Q01", region=None)
    assert consult.accept_minutes == 30 and consult.handle_minutes == 24 * 60
    # a street takes over a category inside its boundary, beside the district-wide item
    street = ResponsibilityItem.objects.get(category__code="S0102", region__code=XIETANG)
    assert street.department.code == f"JDB{XIETANG}"
    assert ResponsibilityItem.objects.filter(category__code="S0102").count() == 3
    # every department of the demo catalogue that the sample names exists and is used
    used = set(ResponsibilityItem.objects.values_list("department__code", flat=True))
    assert len(used) >= 19 and used <= set(demo_district)
    assert len({c[:3] for c in ResponsibilityItem.objects.values_list("category__code", flat=True)}) >= 12


def test_importing_the_sample_again_changes_nothing(demo_district):
    import_responsibility_list(SAMPLE)
    before = (item_history().count(), items_as_rows())

    report = import_responsibility_list(SAMPLE)

    assert (report.created, report.updated, report.unchanged) == (0, 0, SAMPLE_ROWS)
    assert (item_history().count(), items_as_rows()) == before


def test_a_dry_run_counts_but_writes_nothing(demo_district):
    report = import_responsibility_list(SAMPLE, dry_run=True)

    assert report.imported and report.created == SAMPLE_ROWS
    assert "dry run: nothing written" in report.summary()
    assert not ResponsibilityItem.objects.exists() and not item_history().exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).exists()


# --------------------------------------------------------------------------------------------- bad files

def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_written(demo_district, tmp_path):
    existing, _ = upsert_responsibility_item(
        category=Category.objects.get(code="S0102"), department=demo_district["CGJ"], clock=Clock.NATURAL,
        accept_minutes=60, dispatch_minutes=60, handle_minutes=240, verify_minutes=240, close_minutes=1440)
    upsert_department(code="OLD", name="已撤销的部门", kind=Department.Kind.BUREAU)
    Department.objects.filter(code="OLD").update(is_active=False)
    before = (ResponsibilityItem.objects.count(), item_history().count())
    path = make_xlsx(tmp_path / "bad.xlsx", [
        row(name="小广告"),                                         # 2: good, but its name differs (a warning)
        row(category="S9999"),                                      # 3: unknown category
        row(category="S0202", region="999999999"),                 # 4: unknown region
        row(category="S0203", department="NOPE"),                  # 5: unknown department
        row(category="S0204", limits=(1, 2, -3, 24, 24)),          # 6: negative limit
        row(category="S0205", limits=("两小时", 2, 48, 24, 24)),    # 7: not a number
        row(category="S0101", clock="每天"),                        # 8: bad clock
        row(category="S0103", department=None),                    # 9: missing required cell
        [None] * len(HEADERS),                                      # 10: empty row, skipped
        row(),                                                      # 11: same category and region as row 2
        row(category="S0104", active="可能"),                       # 12: bad 是否启用
        row(category="S0106", limits=(1, 2, 48, 0, 24)),           # 13: zero limit
        row(category="S0108", limits=(1, 2, None, 24, 24)),        # 14: missing limit
        row(category="S0109", department="OLD"),                   # 15: inactive department
        row(category="S0102", region=XIETANG, limits=(1, 2, 9000, 24, 24)),  # 16: more than a year
        row(category="S0102", limits=(0.5, 0.5, 4, 4, 24), clock="全天候"),   # 17: good: would update `existing`
    ])

    report = import_responsibility_list(path)

    assert not report.ok and not report.imported
    assert problems(report) == {
        (3, "事项分类编码"), (4, "区域编码"), (5, "责任部门编码"), (6, "处置时限(小时)"), (7, "受理时限(小时)"),
        (8, "计时方式"), (9, "责任部门编码"), (11, "事项分类编码"), (12, "是否启用"), (13, "核查时限(小时)"),
        (14, "处置时限(小时)"), (15, "责任部门编码"), (16, "处置时限(小时)"),
    }
    by_place = {(p.row, p.column): p for p in report.errors}
    assert by_place[(3, "事项分类编码")].value == "S9999"
    assert by_place[(3, "事项分类编码")].message == "unknown category code"
    assert by_place[(6, "处置时限(小时)")].message == "must not be negative"
    assert by_place[(7, "受理时限(小时)")].value == "两小时"
    assert by_place[(9, "责任部门编码")].message == "required"
    assert by_place[(11, "事项分类编码")].message == "row 2 already has this category for the whole district (no region)"
    assert by_place[(13, "核查时限(小时)")].message == "must be more than 0 hours"
    assert by_place[(15, "责任部门编码")].message == "the department is not active"
    assert "row 6, 处置时限(小时) = '-3': must not be negative" in report.format()
    assert problems(report, "warnings") == {(2, "事项名称")}
    assert report.rows == 15 and report.empty_rows == 1
    assert (ResponsibilityItem.objects.count(), item_history().count()) == before
    existing.refresh_from_db()
    assert existing.clock == Clock.NATURAL and existing.accept_minutes == 60
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).exists()


def test_numbers_and_codes_are_read_as_people_type_them(demo_district, tmp_path):
    path = make_xlsx(tmp_path / "typed.xlsx", [
        row(region=int(XIETANG), department=f"JDB{XIETANG}", limits=("0.5", 1.5, "48", 24, 24.0)),
        row(category="S0403", name="燃气管道破裂", department="RQGS", clock="全天候", limits=(0.25, 0.25, 4, 2, 24),
            active=None),
    ], above=[["某区城市管理责任清单（2026 年版）"], []])

    report = import_responsibility_list(path)

    assert report.ok, report.format()
    street = ResponsibilityItem.objects.get(category__code="S0201", region__code=XIETANG)
    assert (street.accept_minutes, street.dispatch_minutes, street.handle_minutes) == (30, 90, 2880)
    gas = ResponsibilityItem.objects.get(category__code="S0403")
    assert (gas.accept_minutes, gas.is_active) == (15, True)


def test_a_file_that_understates_its_size_is_read_whole(demo_district, tmp_path):
    path = make_xlsx(tmp_path / "list.xlsx", [row(), row(category="S0202")])
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:L3"' in data
                data = data.replace(b'<dimension ref="A1:L3"', b'<dimension ref="A1"')
            target.writestr(name, data)

    report = import_responsibility_list(patched)

    assert report.ok and report.created == 2, report.format()


def test_a_csv_or_xls_file_is_refused_with_a_clear_message(demo_district, tmp_path):
    csv_text = ",".join(HEADERS) + "\nS0201,非法小广告,,CGJ,当日清除,工作日,1,2,48,24,24,是\n"
    renamed = tmp_path / "list.xlsx"
    renamed.write_text(csv_text, encoding="utf-8")
    report = import_responsibility_list(renamed)
    assert not report.imported and len(report.errors) == 1
    problem = report.errors[0]
    assert problem.row is None and "not an .xlsx workbook" in problem.message and "CSV" in problem.message

    plain_csv = tmp_path / "list.csv"
    plain_csv.write_text(csv_text, encoding="utf-8")
    assert "expected an Excel .xlsx workbook, not a .csv file" in import_responsibility_list(plain_csv).format()

    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert "Excel 97-2003 (.xls)" in import_responsibility_list(old).errors[0].message

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "not a readable .xlsx workbook" in import_responsibility_list(broken).errors[0].message

    assert "file not found" in import_responsibility_list(tmp_path / "missing.xlsx").errors[0].message
    assert not ResponsibilityItem.objects.exists()


def test_wrong_or_missing_headers_are_reported_and_nothing_is_written(demo_district, tmp_path):
    headers = [h for h in HEADERS if h != "计时方式"]
    headers[headers.index("处置时限(小时)")] = "处置时限(天)"
    path = make_xlsx(tmp_path / "headers.xlsx", [["S0201", "非法小广告", "", "CGJ", "", 1, 2, 2, 24, 24, "是"]],
                     headers=headers)

    report = import_responsibility_list(path)

    assert not report.imported
    assert problems(report) == {(1, "计时方式"), (1, "处置时限(小时)")}
    assert all(p.message == "required column missing" for p in report.errors)
    assert problems(report, "warnings") == {(1, "处置时限(天)")}
    assert not ResponsibilityItem.objects.exists()

    no_header = make_xlsx(tmp_path / "none.xlsx", [row()], headers=["分类", "部门"])
    report = import_responsibility_list(no_header)
    assert [p.row for p in report.errors] == [None] and "no header row" in report.errors[0].message

    doubled = make_xlsx(tmp_path / "twice.xlsx", [row() + ["CGJ"]], headers=[*HEADERS, "责任部门编码"])
    assert problems(import_responsibility_list(doubled)) == {(1, "责任部门编码")}

    # full-width brackets, as a Chinese keyboard types them, are the same headers
    wide = make_xlsx(tmp_path / "wide.xlsx", [row()], headers=[h.replace("(", "（").replace(")", "）") for h in HEADERS])
    assert import_responsibility_list(wide).ok

    empty = make_xlsx(tmp_path / "empty.xlsx", [])
    assert "no rows under the header row" in import_responsibility_list(empty).errors[0].message


# --------------------------------------------------------------------------------------------- export

def test_export_then_import_gives_back_the_same_list(demo_district, tmp_path, django_user_model):
    import_responsibility_list(SAMPLE)
    exporter = django_user_model.objects.create(username="dataadmin")
    ResponsibilityItem.objects.filter(category__code="S0201", region=None).update(is_active=False, accept_minutes=20)
    before = items_as_rows()

    out = tmp_path / "export.xlsx"
    assert export_responsibility_list(out, actor=exporter, reason="年度修订") == SAMPLE_ROWS

    workbook = load_workbook(out, read_only=True)
    assert workbook.properties.creator == "dataadmin"
    assert workbook.properties.created is not None and "dataadmin" in workbook.properties.description
    assert [c.value for c in next(workbook[SHEET_NAME].iter_rows(max_row=1))] == list(HEADERS)
    info = dict(workbook[INFO_SHEET].iter_rows(values_only=True))
    assert info["导出人"] == "dataadmin" and info["事项数"] == SAMPLE_ROWS and info["导出时间"]
    workbook.close()
    audit = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert audit.actor == exporter and audit.detail["rows"] == SAMPLE_ROWS and audit.detail["reason"] == "年度修订"

    report = import_responsibility_list(out)
    assert (report.created, report.updated, report.unchanged) == (0, 0, SAMPLE_ROWS), report.format()

    ResponsibilityItem.objects.all().delete()
    report = import_responsibility_list(out)
    assert report.created == SAMPLE_ROWS and not report.warnings
    assert items_as_rows() == before  # 20 minutes come back as 20 minutes (1/3 hour), 否 as not in force


def test_exported_text_is_never_a_formula(demo_district, tmp_path):
    dangerous = ['=HYPERLINK("http://evil.example","点此")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
                 "正常文字 =不是公式"]
    codes = ["S0201", "S0202", "S0203", "S0204", "S0205", "S0101", "S0102"]
    for code, text in zip(codes, dangerous, strict=True):
        upsert_responsibility_item(
            category=Category.objects.get(code=code), department=demo_district["CGJ"], handling_standard=text,
            accept_minutes=60, dispatch_minutes=60, handle_minutes=60, verify_minutes=60, close_minutes=60)
    out = tmp_path / "export.xlsx"
    export_responsibility_list(out)

    with zipfile.ZipFile(out) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)
    sheet = load_workbook(out)[SHEET_NAME]  # full mode: formulas would come back as formulas
    column = HEADERS.index("处置标准") + 1
    cells = {sheet.cell(r, 1).value: sheet.cell(r, column) for r in range(2, 2 + len(codes))}
    for code, text in zip(codes, dangerous, strict=True):
        cell = cells[code]
        assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")  # XML reads a bare CR as LF
        assert cell.quotePrefix == (not text.startswith("正常"))


# --------------------------------------------------------------------------------------------- template, commands

def test_the_template_has_headers_notes_and_drop_down_lists(tmp_path):
    path = write_template(tmp_path / "template.xlsx")

    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == [SHEET_NAME, NOTES_SHEET]
    sheet = workbook[SHEET_NAME]
    assert [c.value for c in sheet[1]] == list(HEADERS) and sheet.max_row == 1
    lists = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation if dv.type == "list"}
    clock_col = "ABCDEFGHIJKL"[HEADERS.index("计时方式")]
    active_col = "ABCDEFGHIJKL"[HEADERS.index("是否启用")]
    assert lists['"工作日,全天候"'].startswith(f"{clock_col}2:{clock_col}")
    assert lists['"是,否"'].startswith(f"{active_col}2:{active_col}")
    notes = [r[0] for r in workbook[NOTES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert set(HEADERS) <= set(notes)

    report = import_responsibility_list(path)
    assert [p.message for p in report.errors] == ["no rows under the header row"]


def test_commands_import_export_and_write_the_template(demo_district, tmp_path, capsys):
    call_command("responsibility", "import", str(SAMPLE), "--dry-run")
    assert "dry run" in capsys.readouterr().out and not ResponsibilityItem.objects.exists()

    call_command("responsibility", "import", str(SAMPLE))
    assert f"{SAMPLE_ROWS} created" in capsys.readouterr().out

    out = tmp_path / "list.xlsx"
    call_command("responsibility", "export", str(out))
    assert f"{SAMPLE_ROWS} items exported" in capsys.readouterr().out
    assert load_workbook(out).properties.creator == "civicgrid (command line)"

    template = tmp_path / "blank.xlsx"
    call_command("responsibility", "template", str(template))
    assert template.exists()

    bad = make_xlsx(tmp_path / "bad.xlsx", [row(category="S9999")])
    with pytest.raises(CommandError, match=r"(?s)nothing imported.*row 2, 事项分类编码 = 'S9999': unknown category"):
        call_command("responsibility", "import", str(bad))
    with pytest.raises(CommandError, match="ending in .xlsx"):
        call_command("responsibility", "export", str(tmp_path / "list.csv"))


def test_the_service_writes_history_of_what_changed(demo_district):
    category = Category.objects.get(code="S0201")
    item, outcome = upsert_responsibility_item(
        category=category, department=demo_district["CGJ"], accept_minutes=60, dispatch_minutes=120,
        handle_minutes=2880, verify_minutes=1440, close_minutes=1440, source="test")
    assert outcome == "created"
    _, outcome = upsert_responsibility_item(
        category=category, department=demo_district["ZJJ"], accept_minutes=60, dispatch_minutes=120,
        handle_minutes=2880, verify_minutes=1440, close_minutes=1440, source="test")
    assert outcome == "updated"
    record = item_history().filter(object_id=str(item.pk), action=ChangeRecord.Action.UPDATE).get()
    assert record.changes == {"department_id": [demo_district["CGJ"].pk, demo_district["ZJJ"].pk]}
    with pytest.raises(ValueError, match="handle_minutes must be a positive whole number"):
        upsert_responsibility_item(category=category, department=demo_district["CGJ"], accept_minutes=60,
                                   dispatch_minutes=60, handle_minutes=0, verify_minutes=60, close_minutes=60)
    assert Region.objects.filter(level=RegionLevel.STREET).count() == 2
