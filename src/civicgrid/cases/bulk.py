"""Cases in bulk: an Excel file of many requests (a deputies' studio's list, a forwarded batch), and e-mails.

A spreadsheet is taken whole or not at all: every row goes through the same intake service as a single report,
inside one transaction; the first pass collects every problem (row, column, value, reason) and, if there is any,
rolls everything back. Each row carries an idempotency key made of the file's hash and its row number, so
importing the same file again creates nothing new.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from civicgrid.cases.errors import CaseInputError
from civicgrid.cases.models import Case, Category, Channel
from civicgrid.cases.services import report_case

# header -> (field, required)
COLUMNS = {
    "标题": ("title", True),
    "描述": ("description", True),
    "分类编码": ("category", False),
    "经度": ("lon", False),
    "纬度": ("lat", False),
    "坐标系": ("crs", False),
    "地址": ("address", False),
    "联系人": ("contact_name", False),
    "联系电话": ("contact_phone", False),
    "上级工单号": ("external_ticket_id", False),
    "上报时间": ("reported_at", False),
}
FIELD_HEADER = {f: h for h, (f, _) in COLUMNS.items()}
MAX_ROWS = 20_000


@dataclass
class BulkProblem:
    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column}: {self.message}" + (f" (value {self.value!r})" if self.value else "")


@dataclass
class BulkReport:
    source: str
    rows: int = 0
    created: int = 0
    already: int = 0
    problems: list[BulkProblem] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{self.source}: {self.rows} rows, {len(self.problems)} problems, nothing imported"
        return f"{self.source}: {self.rows} rows: {self.created} cases created, {self.already} already imported"


def write_template(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "诉求"
    sheet.append(list(COLUMNS))
    sheet.append(["路灯不亮", "星湖街与现代大道路口路灯连续三晚不亮", "B0118", 120.7012, 31.3015, "wgs84",
                  "星湖街与现代大道路口", "李先生", "13900001234", "", "2026-11-20 08:30"])
    notes = book.create_sheet("说明")
    for header, (name, required) in COLUMNS.items():
        notes.append([header, "必填" if required else "选填", name])
    book.save(path)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace("/", "-")
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise CaseInputError("reported_at", "not a date and time like 2026-11-20 08:30")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now():
        raise CaseInputError("reported_at", "is in the future")
    return moment


def import_cases_from_excel(path: Path, *, actor=None, channel: str = Channel.BULK_FILE,
                            dry_run: bool = False) -> BulkReport:
    path = Path(path)
    report = BulkReport(source=path.name)
    try:
        content = path.read_bytes()
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError, zipfile.BadZipFile) as exc:
        report.problems.append(BulkProblem(None, "file", "", f"not a readable .xlsx workbook ({exc.__class__.__name__})"))
        return report
    digest = hashlib.sha256(content).hexdigest()[:16]
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [_cell_text(h) for h in next(rows, ())]
    missing = [h for h, (_f, required) in COLUMNS.items() if required and h not in headers]
    if missing:
        report.problems.append(BulkProblem(1, ", ".join(missing), "", "required column missing from the header row"))
        return report
    index = {h: i for i, h in enumerate(headers) if h in COLUMNS}
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            values = {COLUMNS[h][0]: (row[i] if i < len(row) else None) for h, i in index.items()}
            if all(_cell_text(v) == "" for v in values.values()):
                continue
            report.rows += 1
            if report.rows > MAX_ROWS:
                report.problems.append(BulkProblem(number, "file", "", f"more than {MAX_ROWS} rows: split the file"))
                break
            key = f"bulk-{digest}-{number}"
            existed = Case.objects.filter(idempotency_key=key).exists()
            try:
                with transaction.atomic():
                    case = _import_row(values, categories, actor, channel, key)
            except CaseInputError as error:
                header = FIELD_HEADER.get(error.field, "经度/纬度" if error.field == "location" else error.field)
                raw = values.get(error.field, "")
                report.problems.append(BulkProblem(number, header, _cell_text(raw), error.message))
                continue
            if not existed:
                report.tickets.append(case.ticket_no)
        if report.problems or dry_run:
            transaction.set_rollback(True)
    book.close()
    if not report.problems:
        report.created = len(report.tickets) if not dry_run else 0
        report.already = report.rows - len(report.tickets)
    return report


def _import_row(values: dict, categories: dict, actor, channel: str, key: str):
    code = _cell_text(values.get("category"))
    if code and code not in categories:
        raise CaseInputError("category", f"unknown category code {code}")
    crs = _cell_text(values.get("crs")) or "wgs84"
    lon, lat = values.get("lon"), values.get("lat")
    return report_case(
        channel=channel, title=_cell_text(values.get("title")), description=_cell_text(values.get("description")),
        category=categories.get(code), lon=None if lon in (None, "") else lon, lat=None if lat in (None, "") else lat,
        crs=crs, address=_cell_text(values.get("address")), contact_name=_cell_text(values.get("contact_name")),
        contact_phone=_cell_text(values.get("contact_phone")),
        external_ticket_id=_cell_text(values.get("external_ticket_id")), entered_by=actor,
        reported_at=_parse_time(values.get("reported_at")), idempotency_key=key,
    )


def import_email(raw: bytes, *, actor=None):
    """One e-mail to the centre's mailbox becomes a case: subject, text, sender, and its photos."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = (message.get("subject") or "").strip() or "电子邮件诉求"
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content().strip() if body is not None else ""
    sender = email.utils.parseaddr(message.get("from", ""))
    photos = [(part.get_filename() or "attachment", part.get_payload(decode=True))
              for part in message.iter_attachments() if part.get_content_maintype() == "image"]
    message_id = (message.get("message-id") or "").strip()
    key = f"mail-{hashlib.sha256((message_id or raw[:4096].hex()).encode()).hexdigest()[:32]}"
    return report_case(channel=Channel.EMAIL, title=subject[:120], description=text or subject,
                       contact_name=sender[0][:40], entered_by=actor, photos=photos, idempotency_key=key)
