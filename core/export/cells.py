"""Text from data as every exported file may hold it (issue 17: exports that cannot hurt).

Two dangers, one function each:
- **Formulas**: a cell of a CSV or a workbook that starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return is read by Excel and LibreOffice as a formula (CSV injection, OWASP): a name such as
  `=HYPERLINK("http://x","click")` would become a live link or a DDE call. `neutral` prefixes such a
  text with an apostrophe, which spreadsheets show as nothing and store as text. A plain number
  written as text (`-12.5`, `+3`) is left alone: a spreadsheet reads it as the number it is.
- **Control characters**: XML (XLSX, PPTX, DOCX) cannot hold C0 controls other than tab, line feed
  and carriage return, and a bidi override turns a name around on screen; `printable` removes them,
  so one bad byte in a name cannot make the briefing fail to build or read backwards.
"""
from __future__ import annotations

import re

import pandas as pd

# C0 controls but tab, LF, CR; DEL and C1 controls; bidi embeddings, overrides and isolates;
# lone surrogates and the two non-characters XML refuses.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def printable(text) -> str:
    """`text` without the characters no exported file may hold (see the module's docstring)."""
    return _UNPRINTABLE.sub("", str(text))


def neutral(text) -> str:
    """`text` as a spreadsheet cell that can only be text: printable, line breaks as LF, and an
    apostrophe before a formula's first character (a number written as text stays as it is)."""
    s = printable(text).replace("\r\n", "\n").replace("\r", "\n")  # a bare CR splits a CSV row in some readers
    if s.startswith(FORMULA_START) and not _NUMBER.fullmatch(s.strip()):
        return "'" + s
    return s


def neutral_value(v):
    """A cell value: text neutralised, anything else (numbers, dates, missing) as it is."""
    return neutral(v) if isinstance(v, str) else v


def neutral_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose headers and text cells are neutral (for CSV downloads)."""
    out = df.rename(columns=lambda c: neutral(c) if isinstance(c, str) else c)
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutral_value)
    return out
