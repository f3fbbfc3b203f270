"""Writing spreadsheet cells safely, for every Excel export (responsibility list, base data).

Text is always stored as text: a value that starts with =, +, -, @, tab or CR never becomes a formula (CSV/formula
injection, OWASP), characters an .xlsx file cannot hold are dropped, and such a cell is marked with Excel's quote
prefix so that it stays text even when someone edits it. `put` writes into a normal worksheet, `row` makes the cells
of one row for a write-only worksheet (openpyxl's streaming mode, for large exports).
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def clean(value):
    """A string without the control characters .xlsx cannot store; anything else unchanged."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _as_text(cell, value) -> None:
    if isinstance(value, str):
        cell.data_type = "s"  # never "f", whatever the value starts with
        if value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def put(sheet, row: int, column: int, value):
    """Write one cell of a normal worksheet; text is always stored as text."""
    value = clean(value)
    cell = sheet.cell(row=row, column=column, value=value)
    _as_text(cell, value)
    return cell


def row(sheet, values: Iterable, *, font=None) -> list[WriteOnlyCell]:
    """The cells of one row for a write-only worksheet (`sheet.append(row(sheet, values))`), text kept as text."""
    cells = []
    for value in values:
        value = clean(value)
        cell = WriteOnlyCell(sheet, value=value)
        _as_text(cell, value)
        if font is not None:
            cell.font = font
        cells.append(cell)
    return cells
