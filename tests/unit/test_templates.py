"""The Data page's templates (core.export.templates): every table in both languages and both formats
loads as it is, its headers mapped to the contract's columns, and a filled row goes in."""
from __future__ import annotations

import io

import openpyxl
import pytest

from core.contract import schema
from core.export import templates
from core.store import db, loader
from core.words import contract_doc


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("table", schema.TABLES, ids=lambda t: t.name)
def test_every_template_header_is_read_as_its_column(table, lang):
    heads = contract_doc.template_headers(table, lang)
    assert [loader._normalise_header(h) for h in heads] == [c.name for c in table.columns]
    csv_heads = templates.template(table, lang, "csv").decode("utf-8-sig").strip().split(",")
    assert csv_heads == heads
    ws = openpyxl.load_workbook(io.BytesIO(templates.template(table, lang, "xlsx"))).worksheets[0]
    assert [c.value for c in ws[1]] == heads
    if lang == "zh":  # where the loader knows a Chinese header, the Chinese template uses it
        known = {col for col in schema.HEADER_MAP_ZH.values()}
        assert all((h != c.name) == (c.name in known) for h, c in zip(heads, table.columns))


@pytest.mark.parametrize("lang, fmt", [("en", "csv"), ("zh", "csv"), ("en", "xlsx"), ("zh", "xlsx")])
def test_a_filled_template_loads(tmp_path, tiny_db_path, private_copy, lang, fmt):
    table = schema.TABLE_BY_NAME["agencies"]
    folder = tmp_path / "in"
    folder.mkdir()
    row = {"agency_id": "LAB9001", "name": "Jinan Test Lab", "kind": "lab", "province_code": "37",
           "accreditation": "CMA"}
    values = [row.get(c.name, "") for c in table.columns]
    data = templates.template(table, lang, fmt)
    if fmt == "csv":
        (folder / templates.file_name(table, fmt)).write_bytes(data + (",".join(values) + "\n").encode("utf-8"))
    else:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        wb.worksheets[0].append(values)
        wb.save(folder / templates.file_name(table, fmt))
    con = db.connect(private_copy(tiny_db_path, f"templates_{lang}_{fmt}"))  # a database with the required tables
    try:
        report = loader.load_folder(con, folder, source="template test")
        assert report.tables["agencies"] == (1, 0)
        assert con.execute("SELECT name, kind FROM agencies WHERE agency_id = 'LAB9001'").fetchall() == \
            [("Jinan Test Lab", "lab")]
    finally:
        con.close()
