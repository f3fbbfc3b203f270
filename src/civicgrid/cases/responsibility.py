"""The responsibility list (责任清单): its service, and its Excel import, export and template.

One item says, for a category (and optionally a region), which department handles it, by what standard, and in what
time for each stage, counted on which clock. `upsert_responsibility_item` is the one function that writes an item,
with its change-history row (DESIGN.md rules 1 and 7).

The spreadsheet (.xlsx) has one sheet named 责任清单 whose first row holds these headers (any order; a title row or
two above the header row is allowed, it is found within the first 10 rows):

    事项分类编码      category code (required)
    事项名称          category name: informative, a mismatch with the code's category is a warning
    区域编码          region code (optional; empty: the whole district)
    责任部门编码      department code (required)
    处置标准          handling standard (free text)
    计时方式          工作日 (Chinese working days) or 全天候 (24×7)
    受理时限(小时)    time to accept, in hours       -- all five limits required, > 0, at most 8760 hours,
    派遣时限(小时)    time to dispatch, in hours        decimals allowed (0.5 = 30 minutes); stored in minutes
    处置时限(小时)    time to handle, in hours
    核查时限(小时)    time to verify, in hours
    结案时限(小时)    time to close, in hours
    是否启用          是 / 否 (empty: 是)

Every limit is in hours. With 计时方式 工作日 the hours are counted on working days only (a working day counts its
24 hours; weekends and official holidays count nothing; make-up working days count): "2 个工作日" is written 48.

`import_responsibility_list` reads the file in openpyxl's read-only mode, checks EVERY row first and reports each
problem with the row number Excel shows, the column header and the value; with any error nothing is written.
Otherwise every row is upserted by (category, region) in one transaction. Items the file does not name are left
alone (set 是否启用 to 否 to retire one). `export_responsibility_list` writes the same layout (any text cell that
starts with =, +, -, @, tab or CR is stored as text, never as a formula) with who and when in the document
properties and an 导出信息 sheet; `write_template` writes an empty one with a notes sheet and drop-down lists.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from civicgrid.cases.models import Category, Clock, ResponsibilityItem
from civicgrid.core.excel import put  # text is always stored as text, never as a formula
from civicgrid.core.models import AuditEntry
from civicgrid.core.services import save_with_history, snapshot, write_audit
from civicgrid.geo.models import Region
from civicgrid.people.models import Department

SHEET_NAME = "责任清单"
NOTES_SHEET = "填写说明"
INFO_SHEET = "导出信息"
HEADER_SEARCH_ROWS = 10
TEMPLATE_ROWS = 2000  # rows the template's drop-down lists and checks cover
MAX_HOURS = 8760  # one year
LOOKUP_CHUNK = 900  # codes per `code__in` query: below SQLite's limit on query parameters
HISTORY_FIELDS = ["category_id", "region_id", "department_id", "handling_standard", "clock", "accept_minutes",
                  "dispatch_minutes", "handle_minutes", "verify_minutes", "close_minutes", "is_active"]
LIMIT_FIELDS = ["accept_minutes", "dispatch_minutes", "handle_minutes", "verify_minutes", "close_minutes"]

CLOCK_LABELS = {Clock.WORKDAYS: "工作日", Clock.NATURAL: "全天候"}
CLOCK_VALUES = {"工作日": Clock.WORKDAYS, "全天候": Clock.NATURAL, "workdays": Clock.WORKDAYS, "natural": Clock.NATURAL}
ACTIVE_VALUES = {"是": True, "否": False}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool  # the column must be present and its cells filled
    note: str
    example: str
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("事项分类编码", "category", True, "分类编码，须是系统中已有的分类（`civicgrid categories load` 导入的编码），"
           "如 B0101（部件小类）、S0201（事件小类）、Q01（12345 诉求类型）。", "S0201"),
    Column("事项名称", "category_name", False, "分类名称，仅供阅读；以编码为准，名称与编码不符时导入给出提醒。", "非法小广告", 18),
    Column("区域编码", "region", False, "行政区划/网格编码（街道 9 位、社区 12 位、网格 15 位）。留空表示全区通用；"
           "同一分类可另有按区域的事项，按区域的事项优先。", "320505006"),
    Column("责任部门编码", "department", True, "处置部门编码，须是系统中已有且在用的部门，如 CGJ、JDB320505006。", "CGJ"),
    Column("处置标准", "handling_standard", False, "处置要求与结案标准，自由文字。", "当日清除，恢复墙面原貌", 40),
    Column("计时方式", "clock", True, "工作日：只计工作日（周末和法定节假日不计，调休上班日计）；全天候：24 小时连续计时。",
           "工作日", 10),
    Column("受理时限(小时)", "accept_minutes", True, "从上报到受理的时限，单位小时，可填小数（0.5 即 30 分钟），须大于 0。", "1"),
    Column("派遣时限(小时)", "dispatch_minutes", True, "从受理到派遣的时限，单位小时。", "2"),
    Column("处置时限(小时)", "handle_minutes", True, "从派遣到处置完毕的时限，单位小时。按工作日计时的，"
           "N 个工作日填 N×24（2 个工作日填 48）。", "48"),
    Column("核查时限(小时)", "verify_minutes", True, "从处置反馈到核查完成的时限，单位小时。", "24"),
    Column("结案时限(小时)", "close_minutes", True, "从核查通过到结案的时限，单位小时。", "24"),
    Column("是否启用", "is_active", False, "是 / 否，留空为“是”。停用的事项不再用于派遣和计时。", "是", 10),
)
HEADERS = tuple(c.header for c in COLUMNS)
LIMIT_COLUMNS = tuple(c for c in COLUMNS if c.field in LIMIT_FIELDS)
_BY_HEADER = {c.header: c for c in COLUMNS}


def _normal_header(value) -> str:
    """Headers as people type them: full-width brackets and stray spaces allowed."""
    text = "" if value is None else str(value)
    return text.replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "").strip()


# ---------------------------------------------------------------------------------------------------- the service

@transaction.atomic
def upsert_responsibility_item(
    *,
    category: Category,
    region: Region | None = None,
    department: Department,
    handling_standard: str = "",
    clock: str = Clock.WORKDAYS,
    accept_minutes: int,
    dispatch_minutes: int,
    handle_minutes: int,
    verify_minutes: int,
    close_minutes: int,
    is_active: bool = True,
    actor=None,
    source: str = "",
) -> tuple[ResponsibilityItem, str]:
    """Create the item for (category, region) or bring it up to date; returns it and created/updated/unchanged."""
    if clock not in Clock.values:
        raise ValueError(f"unknown clock {clock!r} (one of {', '.join(Clock.values)})")
    for name, minutes in zip(LIMIT_FIELDS, (accept_minutes, dispatch_minutes, handle_minutes, verify_minutes,
                                            close_minutes), strict=True):
        if not isinstance(minutes, int) or minutes <= 0:
            raise ValueError(f"{name} must be a positive whole number of minutes, not {minutes!r}")
    # order_by("pk"): the model's default ordering joins the nullable region, which FOR UPDATE refuses on PostgreSQL
    item = (ResponsibilityItem.objects.select_for_update().filter(category=category, region=region)
            .order_by("pk").first())
    created = item is None
    before = None if created else snapshot(item, HISTORY_FIELDS)
    item = item or ResponsibilityItem(category=category, region=region)
    item.department, item.handling_standard, item.clock = department, handling_standard, clock
    item.accept_minutes, item.dispatch_minutes, item.handle_minutes = accept_minutes, dispatch_minutes, handle_minutes
    item.verify_minutes, item.close_minutes, item.is_active = verify_minutes, close_minutes, is_active
    return item, save_with_history(item, HISTORY_FIELDS, before=before, actor=actor, source=source)


# ---------------------------------------------------------------------------------------------------- the report

@dataclass(frozen=True)
class Problem:
    """One error or warning: the row number as Excel shows it (None: the whole file), the column header ("" when
    none), the cell's value as text, and what is wrong."""

    row: int | None
    column: str
    value: str
    message: str

    def describe(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", {self.column}"
        if self.value:
            where += f" = {self.value!r}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (on a dry run: would do), with every problem found."""

    source: str
    dry_run: bool = False
    rows: int = 0  # data rows read (empty rows not counted)
    empty_rows: int = 0  # empty rows skipped between data rows
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    imported: bool = False  # written (on a dry run: would have been)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str, value, message: str) -> None:
        self.errors.append(Problem(row, column, _as_text(value), message))

    def warn(self, row: int | None, column: str, value, message: str) -> None:
        self.warnings.append(Problem(row, column, _as_text(value), message))

    def summary(self) -> str:
        if not self.imported:
            count = f"{len(self.errors)} error" + ("" if len(self.errors) == 1 else "s")
            return f"{self.source}: {self.rows} rows, {count}, nothing imported"
        text = (f"{self.source}: {self.rows} rows: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")
        return text + (" (dry run: nothing written)" if self.dry_run else "")

    def format(self) -> str:
        lines = [self.summary()]
        lines += [f"error: {p.describe()}" for p in self.errors]
        lines += [f"warning: {p.describe()}" for p in self.warnings]
        return "\n".join(lines)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


# ---------------------------------------------------------------------------------------------------- reading

class _FileProblem(Exception):
    pass


def _open_sheet(path: Path):
    """The workbook (read-only, cached values) and its list sheet; _FileProblem when the file is not a usable .xlsx."""
    if not path.exists():
        raise _FileProblem("file not found")
    if path.suffix.lower() != ".xlsx":
        raise _FileProblem(f"expected an Excel .xlsx workbook, not a {path.suffix or 'suffix-less'} file "
                           "(in Excel or WPS: 另存为 → Excel 工作簿 .xlsx)")
    with path.open("rb") as f:
        head = f.read(8)
    if not zipfile.is_zipfile(path):
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise _FileProblem("this is an old Excel 97-2003 (.xls) file renamed to .xlsx; open it in Excel or WPS "
                               "and save it as an Excel 工作簿 (.xlsx)")
        raise _FileProblem("not an .xlsx workbook: the file is not a zip package (a CSV or text file with an .xlsx "
                           "name?); open it in Excel or WPS and save it as an Excel 工作簿 (.xlsx)")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _FileProblem(f"not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from None
    if SHEET_NAME in workbook.sheetnames:
        sheet = workbook[SHEET_NAME]
    else:
        sheets = [ws for ws in workbook.worksheets if ws.title not in (NOTES_SHEET, INFO_SHEET)]
        if not sheets:
            workbook.close()
            raise _FileProblem(f"no sheet with the list (expected a sheet named {SHEET_NAME})")
        sheet = sheets[0]
    # Some programs write a wrong size (<dimension ref="A1"/>) that read-only mode would trust: read every row.
    sheet.reset_dimensions()
    return workbook, sheet


@dataclass
class _Row:
    number: int
    cells: dict[str, object]  # field -> raw value


def _read_rows(sheet, report: ImportReport) -> list[_Row]:
    """Find the header row, check the headers, and return the non-empty data rows; errors go into the report."""
    rows = sheet.iter_rows(values_only=True)
    header_row, header_values = None, ()
    for number, values in enumerate(rows, start=1):
        if any(_normal_header(v) == COLUMNS[0].header for v in values):
            header_row, header_values = number, values
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_row is None:
        report.error(None, "", "", f"no header row: expected the headers {', '.join(HEADERS)} in one row within "
                                   f"the first {HEADER_SEARCH_ROWS} rows of sheet {sheet.title}")
        return []
    positions: dict[str, int] = {}
    for index, value in enumerate(header_values):
        header = _normal_header(value)
        if not header:
            continue
        column = _BY_HEADER.get(header)
        if column is None:
            report.warn(header_row, str(value).strip(), "", "unknown column, ignored "
                                                            f"(the columns are: {', '.join(HEADERS)})")
        elif column.field in positions:
            first, again = get_column_letter(positions[column.field] + 1), get_column_letter(index + 1)
            report.error(header_row, column.header, "", f"column appears twice (columns {first} and {again})")
        else:
            positions[column.field] = index
    for column in COLUMNS:
        if column.required and column.field not in positions:
            report.error(header_row, column.header, "", "required column missing")
    if report.errors:
        return []
    out: list[_Row] = []
    pending_empty = 0
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {f: (values[i] if i < len(values) else None) for f, i in positions.items()}
        cells = {f: (v.strip() if isinstance(v, str) else v) for f, v in cells.items()}
        if all(v is None or v == "" for v in cells.values()):
            pending_empty += 1
            continue
        report.empty_rows += pending_empty
        pending_empty = 0
        out.append(_Row(number, cells))
    return out


def _code(value) -> str:
    """A code cell as text: numbers typed into a numeric cell (320505006) become their digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _hours_to_minutes(value, column: Column, row: int, report: ImportReport) -> int | None:
    if value is None or value == "":
        report.error(row, column.header, value, "required")
        return None
    if isinstance(value, bool):
        report.error(row, column.header, value, "not a number of hours")
        return None
    if isinstance(value, int | float):
        hours = Decimal(repr(float(value)))
    else:
        try:
            hours = Decimal(str(value).strip())
        except InvalidOperation:
            report.error(row, column.header, value, "not a number of hours (write a number such as 4, 0.5 or 48)")
            return None
    if not hours.is_finite():
        report.error(row, column.header, value, "not a number of hours")
        return None
    if hours < 0:
        report.error(row, column.header, value, "must not be negative")
        return None
    if hours == 0:
        report.error(row, column.header, value, "must be more than 0 hours")
        return None
    if hours > MAX_HOURS:
        report.error(row, column.header, value, f"more than {MAX_HOURS} hours (a year): check the unit (hours)")
        return None
    exact = hours * 60
    minutes = int(exact.to_integral_value())
    if minutes == 0:
        report.error(row, column.header, value, "less than one minute")
        return None
    if not math.isclose(float(exact), minutes, abs_tol=0.01):
        report.warn(row, column.header, value, f"not a whole number of minutes; rounded to {minutes} minutes")
    return minutes


def _fetch(model, codes: set[str], **filters) -> dict[str, object]:
    found: dict[str, object] = {}
    codes = sorted(c for c in codes if c)
    for start in range(0, len(codes), LOOKUP_CHUNK):
        for obj in model.objects.filter(code__in=codes[start:start + LOOKUP_CHUNK], **filters):
            found[obj.code] = obj
    return found


@dataclass
class _Item:
    row: int
    values: dict  # keyword arguments of upsert_responsibility_item


def _check_rows(rows: list[_Row], report: ImportReport) -> list[_Item]:
    columns = {c.field: c for c in COLUMNS}
    categories = _fetch(Category, {_code(r.cells.get("category")) for r in rows})
    regions = _fetch(Region, {_code(r.cells.get("region")) for r in rows})
    departments = _fetch(Department, {_code(r.cells.get("department")) for r in rows})
    seen: dict[tuple[str, str], int] = {}
    items: list[_Item] = []
    for row in rows:
        n, cells, values, bad = row.number, row.cells, {}, len(report.errors)

        raw = cells.get("category")
        code = _code(raw)
        if not code:
            report.error(n, columns["category"].header, raw, "required")
        elif code not in categories:
            report.error(n, columns["category"].header, raw, "unknown category code")
        else:
            category = values["category"] = categories[code]
            name = cells.get("category_name")
            if name not in (None, "") and str(name).strip() not in (category.name, str(category)):
                report.warn(n, columns["category_name"].header, name,
                            f"differs from the name of {code} ({category.name}); the code counts")
            if not category.is_active:
                report.warn(n, columns["category"].header, raw, "the category is not in use")

        raw = cells.get("region")
        region_code = _code(raw)
        values["region"] = None
        if region_code:
            if region_code not in regions:
                report.error(n, columns["region"].header, raw, "unknown region code")
            else:
                values["region"] = regions[region_code]

        raw = cells.get("department")
        department_code = _code(raw)
        if not department_code:
            report.error(n, columns["department"].header, raw, "required")
        elif department_code not in departments:
            report.error(n, columns["department"].header, raw, "unknown department code")
        elif not departments[department_code].is_active:
            report.error(n, columns["department"].header, raw, "the department is not active")
        else:
            values["department"] = departments[department_code]

        raw = cells.get("handling_standard")
        values["handling_standard"] = "" if raw is None else str(raw).strip()

        raw = cells.get("clock")
        text = "" if raw is None else str(raw).strip()
        if not text:
            report.error(n, columns["clock"].header, raw, "required (工作日 or 全天候)")
        elif text not in CLOCK_VALUES:
            report.error(n, columns["clock"].header, raw, "must be 工作日 or 全天候")
        else:
            values["clock"] = CLOCK_VALUES[text]

        for column in LIMIT_COLUMNS:
            values[column.field] = _hours_to_minutes(cells.get(column.field), column, n, report)

        raw = cells.get("is_active")
        if raw is None or raw == "":
            values["is_active"] = True
        elif isinstance(raw, bool):
            values["is_active"] = raw
        elif str(raw).strip() in ACTIVE_VALUES:
            values["is_active"] = ACTIVE_VALUES[str(raw).strip()]
        else:
            report.error(n, columns["is_active"].header, raw, "must be 是 or 否")

        if code:
            key = (code, region_code)
            if key in seen:
                where = f"region {region_code}" if region_code else "the whole district (no region)"
                report.error(n, columns["category"].header, cells.get("category"),
                             f"row {seen[key]} already has this category for {where}")
            else:
                seen[key] = n
        if len(report.errors) == bad:
            items.append(_Item(n, values))
    return items


def import_responsibility_list(path: str | Path, *, actor=None, dry_run: bool = False,
                               source: str | None = None) -> ImportReport:
    """Import a responsibility list from an .xlsx file; nothing is written unless every row is right.

    Returns the report (check `report.ok` / `report.imported`); a file that is not a usable workbook is reported as
    an error of the whole file, not raised. On a dry run everything is checked and counted, then rolled back.
    """
    path = Path(path)
    report = ImportReport(source=path.name, dry_run=dry_run)
    try:
        workbook, sheet = _open_sheet(path)
    except _FileProblem as exc:
        report.error(None, "", "", str(exc))
        return report
    try:
        rows = _read_rows(sheet, report)
    finally:
        workbook.close()
    report.rows = len(rows)
    if report.errors:
        return report
    if not rows:
        report.error(None, "", "", "no rows under the header row")
        return report
    items = _check_rows(rows, report)
    if report.errors:
        return report
    source = source if source is not None else f"responsibility import {path.name}"
    with transaction.atomic():
        for item in items:
            _, outcome = upsert_responsibility_item(**item.values, actor=actor, source=source)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if dry_run:
            transaction.set_rollback(True)
        else:
            write_audit(AuditEntry.Action.IMPORT, actor=actor, target="responsibility list",
                        detail={"file": path.name, "rows": report.rows, "created": report.created,
                                "updated": report.updated, "unchanged": report.unchanged})
    report.imported = True
    return report


# ---------------------------------------------------------------------------------------------------- writing

def _hours(minutes: int) -> int | float:
    return minutes // 60 if minutes % 60 == 0 else minutes / 60


def _list_sheet(workbook: Workbook, rows_covered: int):
    sheet = workbook.active
    sheet.title = SHEET_NAME
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for index, column in enumerate(COLUMNS, start=1):
        cell = put(sheet, 1, index, column.header)
        cell.font, cell.fill = bold, required_fill if column.required else fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width + 2
    sheet.freeze_panes = "A2"
    last = rows_covered + 1

    def letter(field_name: str) -> str:
        return get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.field == field_name))

    clock = DataValidation(type="list", formula1='"工作日,全天候"', allow_blank=True, showErrorMessage=True,
                           errorTitle="计时方式", error="请选择 工作日 或 全天候", promptTitle="计时方式",
                           prompt="工作日：只计工作日；全天候：24 小时连续计时", showInputMessage=True)
    clock.add(f"{letter('clock')}2:{letter('clock')}{last}")
    active = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                            errorTitle="是否启用", error="请选择 是 或 否")
    active.add(f"{letter('is_active')}2:{letter('is_active')}{last}")
    hours = DataValidation(type="decimal", operator="between", formula1="0.0167", formula2=str(MAX_HOURS),
                           allow_blank=True, showErrorMessage=True, errorTitle="时限（小时）",
                           error=f"请填写大于 0、不超过 {MAX_HOURS} 的小时数（可填小数，0.5 即 30 分钟）")
    hours.add(f"{letter(LIMIT_COLUMNS[0].field)}2:{letter(LIMIT_COLUMNS[-1].field)}{last}")
    for validation in (clock, active, hours):
        sheet.add_data_validation(validation)
    return sheet


def _notes_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET)
    rows = [("列名", "是否必填", "说明", "示例")]
    rows += [(c.header, "必填" if c.required else "选填", c.note, c.example) for c in COLUMNS]
    rows += [("", "", "", ""),
             ("导入规则", "", "导入前逐行检查全部内容；任何一行有错误则整份文件不导入，并列出每个错误所在的行号、列名和内容。", ""),
             ("", "", "同一分类加同一区域只能有一行；已有的事项按“分类编码 + 区域编码”更新，文件中没有的事项保持不变。", ""),
             ("", "", "时限一律以小时为单位；按工作日计时的，N 个工作日填 N×24，周末和法定节假日不计。", ""),
             ("", "", "文件须保存为 Excel 工作簿（.xlsx）；CSV、.xls 文件请先另存为 .xlsx。", "")]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = put(sheet, r, c, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1 or (c == 1 and value == "导入规则"):
                cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 10, 80, 22), strict=True):
        sheet.column_dimensions[letter].width = width


def write_responsibility_workbook(path: str | Path, rows: Iterable[Sequence], *, creator: str = "civicgrid",
                                  title: str = "责任清单", description: str = "",
                                  info: Sequence[tuple[str, object]] = (), created=None) -> int:
    """Write the list sheet (headers, `rows` in COLUMNS order as they appear in the file: hours, 工作日/全天候,
    是/否), the notes sheet and, when `info` is given, an 导出信息 sheet. Returns the number of rows written."""
    rows = list(rows)
    workbook = Workbook()
    sheet = _list_sheet(workbook, max(TEMPLATE_ROWS, len(rows) + 500))
    for r, values in enumerate(rows, start=2):
        if len(values) != len(COLUMNS):
            raise ValueError(f"row {r}: {len(values)} values for {len(COLUMNS)} columns")
        for c, value in enumerate(values, start=1):
            if value not in (None, ""):
                cell = put(sheet, r, c, value)
                if COLUMNS[c - 1].field == "handling_standard":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    _notes_sheet(workbook)
    if info:
        sheet_info = workbook.create_sheet(INFO_SHEET)
        for r, (label, value) in enumerate(info, start=1):
            put(sheet_info, r, 1, label).font = Font(bold=True)
            put(sheet_info, r, 2, value)
        sheet_info.column_dimensions["A"].width, sheet_info.column_dimensions["B"].width = 14, 40
    props = workbook.properties
    props.creator = props.lastModifiedBy = creator[:255]
    props.title, props.description = title, description
    created = created or timezone.now()
    props.created = created.astimezone(dt.UTC).replace(tzinfo=None) if created.tzinfo else created
    workbook.save(path)
    return len(rows)


def item_row(item: ResponsibilityItem) -> tuple:
    """One item as a row of the file, in COLUMNS order."""
    return (item.category.code, item.category.name, item.region.code if item.region_id else "", item.department.code,
            item.handling_standard, CLOCK_LABELS[Clock(item.clock)], *(_hours(getattr(item, f)) for f in LIMIT_FIELDS),
            "是" if item.is_active else "否")


def export_responsibility_list(path: str | Path, *, actor=None, queryset=None, reason: str = "") -> int:
    """Write the responsibility list (all items, or `queryset`) to an .xlsx file in the import layout.

    Who exported it and when go into the document properties (creator, created, description) and an 导出信息 sheet;
    the export is an audit row. Returns the number of items written.
    """
    path = Path(path)
    items = (queryset if queryset is not None else ResponsibilityItem.objects.all())
    items = items.select_related("category", "region", "department").order_by("category__code", "region__path", "pk")
    who = (getattr(actor, "username", "") or "") if getattr(actor, "pk", None) else ""
    who_label = who or "civicgrid (command line)"
    now = timezone.now()
    local = timezone.localtime(now)
    rows = [item_row(item) for item in items.iterator(chunk_size=2000)]
    info = [("导出人", who_label), ("导出时间", local.strftime("%Y-%m-%d %H:%M:%S %Z")), ("事项数", len(rows)),
            ("导出原因", reason or ""), ("来源", "civicgrid")]
    written = write_responsibility_workbook(
        path, rows, creator=who_label, title="责任清单",
        description=f"责任清单，{len(rows)} 项；导出人 {who_label}，导出时间 {local:%Y-%m-%d %H:%M:%S}",
        info=info, created=now)
    write_audit(AuditEntry.Action.EXPORT, actor=actor, target="responsibility list",
                detail={"file": path.name, "rows": written, "reason": reason})
    return written


def write_template(path: str | Path) -> Path:
    """An empty list: the headers, the notes sheet and the drop-down lists for 计时方式 and 是否启用."""
    write_responsibility_workbook(path, [], title="责任清单模板", description="civicgrid 责任清单导入模板")
    return Path(path)
