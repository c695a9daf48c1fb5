"""Exports that cannot hurt (core.export.cells): names from the data that look like formulas or hold
control characters reach every CSV, workbook and deck as plain text, and every file still builds."""
from __future__ import annotations

import dataclasses
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pptx import Presentation

from core.export import briefing, cells
from core.ui import tables
from tests.unit.test_briefing import make_briefing

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\tTabbed Power", "\rReturn Energy", "Bell\x07 Power", "Null\x00 Plant", "Escape\x1b[31m Co.",
           "Right\u202eto left", "=1+1 电厂"]


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+86 10 1234", "'+86 10 1234"), ("-3.34 kt", "'-3.34 kt"), ("@A1", "'@A1"),
    ("\tx", "'\tx"), ("\rx", "\nx"), ("a\r\nb", "a\nb"), ("-12.5", "-12.5"), ("+3", "+3"), ("1,234.5", "1,234.5"), ("-4%", "-4%"),
    ("Huaneng", "Huaneng"), ("a\x07b\u202ec", "abc"), ("华能=电厂", "华能=电厂"), ("\x07=x", "'=x"),
])
def test_a_cell_is_text_that_no_spreadsheet_runs(text, expected):
    assert cells.neutral(text) == expected


@given(st.text(max_size=40))
def test_any_text_becomes_a_cell_without_a_formula_or_a_control_character(text):
    out = cells.neutral(text)
    assert not cells._UNPRINTABLE.search(out)
    assert not out.startswith(cells.FORMULA_START) or cells._NUMBER.fullmatch(out.strip())
    assert cells.neutral(cells.printable(text)) == out  # cleaning first changes nothing
    plain = cells.printable(text).replace("\r\n", "\n").replace("\r", "\n")
    assert out == plain or out == "'" + plain  # nothing else is changed


def _hostile_briefing(lang: str) -> briefing.Briefing:
    b = make_briefing(lang)
    n = len(b.top_risks)
    top = b.top_risks.assign(name=[HOSTILE[i % len(HOSTILE)] for i in range(n)],
                             reason=[HOSTILE[(i + 3) % len(HOSTILE)] for i in range(n)])
    agencies = b.intermediaries.assign(name=HOSTILE[:len(b.intermediaries)])
    return dataclasses.replace(b, top_risks=top, intermediaries=agencies, summary="=" + b.summary + "\x07")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_briefing_workbook_holds_hostile_names_as_text_and_no_formula(lang):
    data = briefing.to_xlsx(_hostile_briefing(lang))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not cells._UNPRINTABLE.search(c.value), (ws.title, c.coordinate)
                    assert not c.value.startswith(("=", "+", "@", "\t", "\r")), (ws.title, c.coordinate, c.value)
                    seen.append(c.value)
    assert "'" + HOSTILE[0] in seen and "'-2+3" in seen and "Bell Power" in seen
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no formula element anywhere in the sheets' XML
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_briefing_deck_builds_with_control_characters_in_names(lang):
    prs = Presentation(io.BytesIO(briefing.to_pptx(_hostile_briefing(lang))))
    text = "\n".join(shape.text_frame.text for slide in prs.slides for shape in slide.shapes
                     if shape.has_text_frame)
    text += "\n".join(cell.text for slide in prs.slides for shape in slide.shapes if shape.has_table
                      for row in shape.table.rows for cell in row.cells)
    assert "Bell Power" in text and "\x07" not in text and "\u202e" not in text
    assert "Rightto left" in text


def test_a_csv_download_opens_as_text():
    df = pd.DataFrame({"=Name": HOSTILE, "score": range(len(HOSTILE)), "delta": ["-1.5"] * len(HOSTILE)})
    back = pd.read_csv(io.BytesIO(tables.csv_bytes(df)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == ["'=Name", "score", "delta"]
    for v in back["'=Name"]:
        assert not v.startswith(("=", "+", "-", "@", "\t", "\r")) and not cells._UNPRINTABLE.search(v)
    assert list(back["delta"]) == ["-1.5"] * len(HOSTILE)  # a number stays a number
    assert list(back["score"]) == [str(i) for i in range(len(HOSTILE))]
