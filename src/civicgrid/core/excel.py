"""Writing spreadsheets safely: text stays text (no formula injection), illegal control characters are dropped.

Any exported cell that starts with =, +, -, @, tab or CR is stored as a text cell with Excel's quote prefix, so that
neither opening nor editing it runs it as a formula (DESIGN.md, traps; GB/T 35273 on exports).
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _clean(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _as_text(cell, value):
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    return cell


def put(sheet, row: int, column: int, value):
    """Write one cell of a normal worksheet."""
    value = _clean(value)
    return _as_text(sheet.cell(row=row, column=column, value=value), value)


def text_row(sheet, values) -> list:
    """Cells of one row for a write-only worksheet (`sheet.append(text_row(sheet, values))`)."""
    cells = []
    for value in values:
        value = _clean(value)
        cells.append(_as_text(WriteOnlyCell(sheet, value=value), value))
    return cells
