"""Reading a base-data file as rows of cells, whatever an office produced: .xlsx, or CSV in UTF-8 or GBK/GB18030.

The reader streams: an .xlsx is opened in openpyxl's read-only mode, a CSV is decoded as it is read, so a file of a
million rows takes the same memory as one of a thousand. What makes a file unusable as a whole (not a spreadsheet,
an old .xls, an unknown encoding, no header row, merged cells in the data) raises FileRefused with a reason a
person can act on; what is wrong with one row is the caller's business.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

SNIFF_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 10


class FileRefused(ValueError):
    """The file cannot be read as a table: nothing of it is imported."""


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's (Chinese) header
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()  # offered as a drop-down list in the template
    text: bool = False  # keep as text in the template (identity numbers, phones, codes)


def normal_header(value) -> str:
    """'公民身份号码（必填）*' -> '公民身份号码': headers compared without spaces, marks and notes in brackets."""
    text = "" if value is None else str(value)
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return re.sub(r"[\s*＊:：]", "", text).lower()


@dataclass
class Table:
    """An opened file: its encoding, header row, which column holds which field, and its data rows."""

    path: Path
    kind: str  # "xlsx" or "csv"
    encoding: str = ""
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)  # column index -> field
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written in the file
    ignored: list[str] = field(default_factory=list)  # headers of the file that map to no field
    rows_estimate: int | None = None
    _rows: Iterator | None = None
    _close: object = None

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """(row number as the office program shows it, {field: raw value}) for every non-empty data row."""
        columns = self.columns
        for number, values in self._rows:
            if not any(v not in (None, "") and str(v).strip() for v in values):
                continue
            yield number, {name: (values[i] if i < len(values) else None) for i, name in columns.items()}

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None


def open_table(path: str | Path, columns: list[Column], mapping: dict[str, str] | None = None) -> Table:
    """Open `path` and find its header row. `mapping` maps the file's own headers to fields (column mapping)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise FileRefused(_("cannot read the file: %(reason)s") % {"reason": exc.strerror}) from None
    if not head:
        raise FileRefused(_("the file is empty"))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("this is an old Excel 97-2003 (.xls) file: open it in Excel or WPS and save it as an "
                            "Excel workbook (.xlsx) or as CSV"))
    if head.startswith(b"PK\x03\x04"):
        table = _open_xlsx(path)
    else:
        table = _open_csv(path, head)
    try:
        _find_header(table, columns, mapping or {})
    except FileRefused:
        table.close()
        raise
    return table


# ------------------------------------------------------------------------------------------------------------ xlsx

def _open_xlsx(path: Path) -> Table:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileRefused(_("a zip file, but not a readable Excel workbook (.xlsx): %(reason)s") % {"reason": exc.__class__.__name__}) from None
    sheets = [ws for ws in workbook.worksheets if ws.title not in {"说明", "填写说明", "Notes"}]
    if not sheets:
        workbook.close()
        raise FileRefused(_("the workbook has no sheet with data"))
    sheet = sheets[0]
    estimate = sheet.max_row if sheet.max_row and sheet.max_row > 1 else None
    sheet.reset_dimensions()  # some programs write a wrong size that read-only mode would trust
    merged = _merged_ranges(path, workbook, sheet)
    table = Table(path=path, kind="xlsx", encoding="xlsx", rows_estimate=estimate, _close=workbook.close)
    table._rows = ((n, row) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1))
    table._merged = merged
    return table


def _merged_ranges(path: Path, workbook, sheet) -> list[str]:
    """The merged ranges of the sheet (read-only mode does not list them): scanned from the sheet's XML."""
    try:
        part = sheet._worksheet_path if hasattr(sheet, "_worksheet_path") else None
    except AttributeError:
        part = None
    found: list[str] = []
    pattern = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"')
    with zipfile.ZipFile(path) as package:
        names = [part.lstrip("/")] if part else [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        for name in names:
            if name not in package.namelist():
                continue
            tail = b""
            with package.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    block = tail + chunk
                    found.extend(m.decode() for m in pattern.findall(block))
                    tail = block[-64:]
    return sorted(set(found))


# ------------------------------------------------------------------------------------------------------------- csv

def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    if b"\x00" in head:
        raise FileRefused(_("a binary file, neither an Excel workbook (.xlsx) nor a CSV text file"))
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < SNIFF_BYTES)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("the text is neither UTF-8 nor GBK/GB18030: save the CSV as UTF-8 (CSV UTF-8 in Excel) or GBK"))


class _Lines:
    """Decoded lines of a text file; a byte that does not decode is reported on its line."""

    def __init__(self, path: Path, stream):
        self.path, self.stream = path, stream

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.stream)
        except UnicodeDecodeError:
            line = _first_bad_line(self.path, self.stream.encoding)
            raise FileRefused(_("line %(line)s: bytes that are not %(encoding)s text; the whole file must use one encoding")
                              % {"line": line, "encoding": self.stream.encoding}) from None


def _first_bad_line(path: Path, encoding: str) -> int | str:
    """The text stream decodes ahead in blocks, so the line of a bad byte is found again, line by line."""
    if encoding.startswith("utf-16"):
        return "?"
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return "?"


def _open_csv(path: Path, head: bytes) -> Table:
    encoding = _detect_encoding(head)
    first_line = head.decode(encoding if encoding != "utf-16" else "utf-16", errors="ignore").splitlines()[:1]
    sample = first_line[0] if first_line else ""
    delimiter = max([",", "\t", ";", "，"], key=sample.count) if sample else ","
    if delimiter == "，":  # a full-width comma cannot be a csv delimiter that Excel writes; treat as text
        delimiter = ","
    stream = path.open("r", encoding=encoding, newline="", errors="strict")
    with path.open("rb") as f:
        estimate = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
    lines = _Lines(path, stream)
    reader = csv.reader(lines, delimiter=delimiter)
    table = Table(path=path, kind="csv", encoding="gb18030" if encoding == "gb18030" else encoding,
                  rows_estimate=estimate or None, _close=stream.close)

    def numbered():
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise FileRefused(_("line %(line)s: not valid CSV (%(reason)s)") % {"line": reader.line_num, "reason": exc}) from None

    table._rows = numbered()
    return table


# ---------------------------------------------------------------------------------------------------------- header

def _find_header(table: Table, columns: list[Column], mapping: dict[str, str]) -> None:
    """Find the header row among the first rows (title rows above it are skipped) and map its columns to fields."""
    by_header: dict[str, str] = {}
    for column in columns:
        for name in (column.header, column.field, *column.aliases):
            by_header[normal_header(name)] = column.field
    fields = {c.field for c in columns}
    for header, field_name in mapping.items():
        if field_name not in fields:
            raise FileRefused(_("column mapping: %(field)s is not a field of this kind; fields: %(fields)s")
                              % {"field": field_name, "fields": ", ".join(sorted(fields))})
        by_header[normal_header(header)] = field_name
    required = [c for c in columns if c.required]
    seen: list[tuple[int, tuple]] = []
    for number, values in table._rows:
        values = tuple(values)
        if not any(v not in (None, "") for v in values):
            continue
        seen.append((number, values))
        found = {by_header.get(normal_header(v)) for v in values} - {None}
        if all(c.field in found for c in required):
            _take_header(table, number, values, by_header)
            _check_merged(table)
            return
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    expected = "、".join(c.header for c in required)
    if not seen:
        raise FileRefused(_("the file has no rows"))
    best = max(seen, key=lambda s: len({by_header.get(normal_header(v)) for v in s[1]} - {None}))
    got = {by_header.get(normal_header(v)) for v in best[1]} - {None}
    missing = "、".join(c.header for c in required if c.field not in got)
    raise FileRefused(_("no header row with the required columns (%(expected)s) in the first %(n)s rows; row %(row)s comes "
                        "closest but lacks %(missing)s. Use the template's headers, or map your headers to the fields "
                        "(column mapping).") % {"expected": expected, "n": HEADER_SEARCH_ROWS, "row": best[0],
                                                "missing": missing})


def _take_header(table: Table, number: int, values: tuple, by_header: dict[str, str]) -> None:
    table.header_row = number
    for index, value in enumerate(values):
        if value in (None, ""):
            continue
        field_name = by_header.get(normal_header(value))
        if field_name is None:
            table.ignored.append(str(value))
            continue
        if field_name in table.headers:
            raise FileRefused(_("row %(row)s: two columns for the same field: %(first)s and %(second)s")
                              % {"row": number, "first": table.headers[field_name], "second": value})
        table.columns[index] = field_name
        table.headers[field_name] = str(value)


def _check_merged(table: Table) -> None:
    for ref in getattr(table, "_merged", ()):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if max_row > table.header_row:
            raise FileRefused(_("merged cells %(ref)s in the data: unmerge them and fill every cell (a merged cell holds "
                                "its value in its first cell only)") % {"ref": ref})


# ----------------------------------------------------------------------------------------------------------- cells

DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = date(1899, 12, 30)


def cell_text(value) -> str:
    """A cell as text: numbers without a trailing .0, dates as ISO, surrounding spaces removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value) -> date | None:
    """Dates as offices write them: Excel dates, 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 2958466:  # an Excel serial day number in a CSV
        from datetime import timedelta

        if value > 10_000_000:  # 20240105 typed as a number
            return cell_date(str(int(value)))
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value).strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(_("%(value)s is not a real date") % {"value": text}) from None
    raise ValueError(_("%(value)s is not a date (write 2024-01-05, 2024/1/5 or 2024年1月5日)") % {"value": text})
