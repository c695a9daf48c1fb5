"""The one workbook writer: an About sheet (a title and label/value facts), then one sheet per
table with bold frozen headers, number formats, an optional Total row of stored values, an
auto-filter and columns sized to their content. The briefing (core.export.briefing) and the
what-if export (core/ui/scenarios.py) both write through it; names and headers arrive translated.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.export import cells

BOLD = Font(bold=True)
RULE = Border(top=Side(style="thin"))
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31  # Excel's limit


@dataclass(frozen=True)
class Column:
    header: str
    values: list
    fmt: str | list[str | None] | None = None  # one number format, or one per row
    total: object = None                       # the Total row's value, when the column has one


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: list[Column]
    note: str | None = None         # row 1 (italic): scope, filters, as-of; the headers then sit on row 2
    total_label: str | None = None  # a Total row of the columns' `total` values, labelled so
    empty_text: str | None = None   # written under the headers when there are no rows


@dataclass(frozen=True)
class About:
    name: str
    title: str
    facts: list[tuple[str, str]]                    # (label, value), bold labels, wrapped values
    title_size: float = 14
    first_row: int = 3                              # row of the first fact (row 1 is the title)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, lines) after the facts
    widths: tuple[float, float] = (22, 110)


def plain(v):
    """A value as openpyxl stores it: numpy scalars as Python ones, missing values as empty cells,
    text neutral (core.export.cells: never a formula, no control character; openpyxl itself writes
    any text starting with "=" as a formula)."""
    if isinstance(v, str):
        return cells.neutral(v)
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def frame_columns(df: pd.DataFrame) -> list[Column]:
    """A DataFrame's columns as they are (headers are its column names)."""
    return [Column(str(c), list(df[c])) for c in df.columns]


def display_width(v) -> int:
    """Characters a value takes on screen; a CJK character is about two Latin ones wide."""
    s = f"{v:,.2f}" if isinstance(v, float) else str(v if v is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def sheet_name(name: str, used: set[str] | None = None) -> str:
    """A valid, unique sheet name: Excel's forbidden characters removed, at most 31 characters."""
    base = _SHEET_FORBIDDEN.sub("", cells.printable(name))[:SHEET_NAME_MAX] or "Sheet"
    out, i = base, 2
    while used is not None and out in used:
        suffix = f" ({i})"
        out, i = base[:SHEET_NAME_MAX - len(suffix)] + suffix, i + 1
    return out


def _about(wb: Workbook, about: About) -> None:
    ws = wb.active
    ws.title = sheet_name(about.name)
    ws.cell(1, 1, plain(about.title)).font = Font(bold=True, size=about.title_size)
    row = about.first_row
    for label, value in about.facts:
        ws.cell(row, 1, plain(label)).font = BOLD
        ws.cell(row, 2, plain(value)).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    for heading, lines in about.sections:
        row += 1
        ws.cell(row, 1, plain(heading)).font = BOLD
        for i, line in enumerate(lines):
            ws.cell(row + i, 2, plain(line)).alignment = Alignment(wrap_text=True, vertical="top")
        row += max(len(lines), 1)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = about.widths


def _table(wb: Workbook, sheet: Sheet, used: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(sheet.name, used))
    used.add(ws.title)
    head = 1
    if sheet.note is not None:
        ws.cell(1, 1, plain(sheet.note)).font = Font(italic=True, color="595959")
        head = 2
    cols = sheet.columns
    for j, col in enumerate(cols, 1):
        ws.cell(head, j, plain(col.header)).font = BOLD
    n = len(cols[0].values) if cols else 0
    for j, col in enumerate(cols, 1):
        for i, v in enumerate(col.values):
            cell = ws.cell(head + 1 + i, j, plain(v))
            fmt = col.fmt[i] if isinstance(col.fmt, list) else col.fmt
            if fmt:
                cell.number_format = fmt
    if n == 0 and sheet.empty_text:
        ws.cell(head + 1, 1, plain(sheet.empty_text))
    elif n and sheet.total_label is not None:
        _total_row(ws, sheet, head + 1 + n)
    ws.freeze_panes = f"A{head + 1}"
    if n and cols:
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(cols))}{head + n}"
    for j, col in enumerate(cols, 1):
        widest = max(display_width(v) for v in [col.header, plain(col.total), *map(plain, col.values)])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, widest + 2))


def _total_row(ws, sheet: Sheet, row: int) -> None:
    """Values, not formulas: openpyxl and other readers see the sums without Excel recalculating."""
    ws.cell(row, 1, plain(sheet.total_label))
    for j, col in enumerate(sheet.columns, 1):
        if col.total is not None:
            cell = ws.cell(row, j, plain(col.total))
            cell.number_format = col.fmt if isinstance(col.fmt, str) else "General"
        ws.cell(row, j).font = BOLD
        ws.cell(row, j).border = RULE


def workbook(about: About, sheets: list[Sheet]) -> bytes:
    """The workbook as bytes: the About sheet, then the tables in order."""
    wb = Workbook()
    _about(wb, about)
    used = {wb.active.title}
    for sheet in sheets:
        _table(wb, sheet, used)
    wb.properties.title = cells.printable(about.title)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
