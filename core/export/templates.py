"""An empty file per contract table to fill in and load (the Data page offers them): CSV or Excel,
with the headers of core.words.contract_doc.template_headers (the contract's column names, or in
Chinese the headers the loader maps). Either loads as it is."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.contract import schema
from core.export import cells, xlsx
from core.words import contract_doc

FORMATS = ("csv", "xlsx")
MIMES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def template(table: schema.Table, lang: str, fmt: str) -> bytes:
    """The empty file of `table` in `fmt` (csv: UTF-8 with a byte-order mark, so Excel opens the
    Chinese headers; xlsx: the first sheet, headers in row 1, as the loader reads it)."""
    row = [cells.neutral(h) for h in contract_doc.template_headers(table, lang)]
    if fmt == "csv":
        return (",".join(row) + "\n").encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"a template is one of {', '.join(FORMATS)}")
    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    for j, h in enumerate(row, 1):
        ws.cell(1, j, h).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, j).column_letter].width = max(12, xlsx.display_width(h) + 2)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_name(table: schema.Table, fmt: str) -> str:
    """`<table>.<fmt>`: the name the loader expects in a folder (the language is in the headers)."""
    return f"{table.name}.{fmt}"
