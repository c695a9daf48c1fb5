"""An empty file per contract table to fill in and load (the Data page offers them): CSV or Excel,
with the headers in English (the contract's column names) or in Chinese (the header a regulator's
export uses where the loader knows one, core.contract.schema.HEADER_MAP_ZH; the column name where it
knows none). Either loads as it is: the loader maps both."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.contract import schema
from core.export import cells

FORMATS = ("csv", "xlsx")
MIMES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def headers(table: schema.Table, lang: str) -> list[str]:
    """The template's header row."""
    if lang != "zh":
        return [c.name for c in table.columns]
    chinese: dict[str, str] = {}
    for zh, col in sorted(schema.HEADER_MAP_ZH.items()):  # one header per column, the same every time
        chinese.setdefault(col, zh)
    return [chinese.get(c.name, c.name) for c in table.columns]


def template(table: schema.Table, lang: str, fmt: str) -> bytes:
    """The empty file of `table` in `fmt` (csv: UTF-8 with a byte-order mark, so Excel opens the
    Chinese headers; xlsx: the first sheet, headers in row 1, as the loader reads it)."""
    row = [cells.neutral(h) for h in headers(table, lang)]
    if fmt == "csv":
        return (",".join(row) + "\n").encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"a template is one of {', '.join(FORMATS)}")
    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    for j, h in enumerate(row, 1):
        ws.cell(1, j, h).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, j).column_letter].width = max(12, len(h) * (2 if lang == "zh" else 1) + 2)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_name(table: schema.Table, fmt: str) -> str:
    """`<table>.<fmt>`: the name the loader expects in a folder (the language is in the headers)."""
    return f"{table.name}.{fmt}"
