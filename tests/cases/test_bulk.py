"""Bulk intake: a real .xlsx file of cases (all rows or none, every problem with its row and column), and e-mail."""

from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from civicgrid.cases.bulk import import_cases_from_excel, import_email
from civicgrid.cases.models import Case, Channel
from civicgrid.cases.taxonomy import load_categories
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["标题", "描述", "分类编码", "经度", "纬度", "坐标系", "地址", "联系人", "联系电话", "上级工单号", "上报时间"]


def workbook(tmp_path, rows, name="cases.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


GOOD = [
    ["垃圾堆积", "小区门口垃圾三天未清", "S0102", 120.701, 31.301, "wgs84", "甲一社区门口", "王女士", "13900001111", "",
     "2026-11-20 08:30"],
    ["井盖缺失", "路口井盖不见了", "", 120.711, 31.305, "", "乙路口", "", "", "", ""],
]


def test_a_good_file_is_imported_and_a_second_import_adds_nothing(tree, categories, responsibility, tmp_path):
    path = workbook(tmp_path, [GOOD[0], [None] * 11, GOOD[1]])  # an empty row in between is skipped
    report = import_cases_from_excel(path)
    assert report.ok and report.rows == 2 and report.created == 2, report.problems
    case = Case.objects.get(ticket_no=report.tickets[0])
    assert case.channel == Channel.BULK_FILE and case.category.code == "S0102" and case.grid.code == "320571001001001"
    assert timezone.localtime(case.reported_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 08:30"
    again = import_cases_from_excel(path)
    assert again.ok and again.created == 0 and again.already == 2 and Case.objects.count() == 2


def test_every_bad_row_is_reported_and_nothing_is_imported(tree, categories, responsibility, tmp_path):
    bad = [
        GOOD[0],
        ["", "没有标题", "", 120.701, 31.301, "", "", "", "", "", ""],
        ["分类错误", "分类编码不存在", "X9999", 120.701, 31.301, "", "", "", "", "", ""],
        ["辖区外", "北京的坐标", "", 116.4, 39.9, "", "", "", "", "", ""],
        ["电话错误", "电话不是号码", "", 120.701, 31.301, "", "", "", "打电话给我", "", ""],
        ["时间错误", "时间格式不对", "", 120.701, 31.301, "", "", "", "", "", "上周三"],
    ]
    report = import_cases_from_excel(workbook(tmp_path, bad))
    assert not report.ok and Case.objects.count() == 0
    found = [(p.row, p.column) for p in report.problems]
    assert found == [(3, "标题"), (4, "分类编码"), (5, "经度/纬度"), (6, "联系电话"), (7, "上报时间")]
    assert "outside the jurisdiction" in str(report.problems[2])


def test_wrong_headers_and_not_a_workbook(tree, tmp_path):
    book = Workbook()
    book.active.append(["title", "text"])
    book.save(tmp_path / "english.xlsx")
    report = import_cases_from_excel(tmp_path / "english.xlsx")
    assert not report.ok and "标题" in report.problems[0].column
    (tmp_path / "fake.xlsx").write_text("标题,描述\n", encoding="utf-8")
    report = import_cases_from_excel(tmp_path / "fake.xlsx")
    assert not report.ok and "not a readable .xlsx" in report.problems[0].message


def test_command_template_and_import(tree, responsibility, tmp_path, capsys):
    load_categories()
    call_command("cases", "template", str(tmp_path / "t.xlsx"))
    call_command("cases", "import", str(tmp_path / "t.xlsx"), "--dry-run")
    assert "1 rows: 0 cases created" in capsys.readouterr().out and Case.objects.count() == 0
    path = workbook(tmp_path, [["", "", "", "", "", "", "", "", "", "", ""], ["无描述", "", "", "", "", "", "", "", "", "", ""]])
    with pytest.raises(CommandError) as error:
        call_command("cases", "import", str(path))
    assert "row 3, 描述: is required" in str(error.value)


def test_an_email_becomes_a_case_once(tree, tmp_path):
    message = EmailMessage()
    message["From"] = "张三 <zhangsan@example.com>"
    message["To"] = "12345@example.gov.cn"
    message["Subject"] = "小区路灯坏了"
    message["Message-ID"] = "<abc123@example.com>"
    message.set_content("我们小区5号楼前的路灯坏了一个月了。")
    message.add_attachment(png_bytes(), maintype="image", subtype="png", filename="light.png")
    raw = message.as_bytes()
    case = import_email(raw)
    assert case.channel == Channel.EMAIL and case.title == "小区路灯坏了" and case.contact_name == "张三"
    assert case.attachments.count() == 1 and case.region_path == tree.district.path
    assert import_email(raw).pk == case.pk
