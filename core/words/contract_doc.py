"""The import format (data contract) as a Markdown document, written from core/contract/schema.py:
the tables, their columns with type, key, required, allowed values and references, the row rules
the loader enforces with their fixes, the Chinese headers it accepts and the province codes. It is
the project's own copy of the contract (docs/DATA_CONTRACT.md, kept current by a test), so a clone
carries the format it loads.

    python -m core.cli contract-doc > docs/DATA_CONTRACT.md
"""
from __future__ import annotations

from core.contract import mrv, schema
from core.words import i18n

INTRO = """# CarbonWatch import format (data contract)

Generated from `core/contract/schema.py` by `python -m core.cli contract-doc`; a test keeps this file
equal to its output, so it is the format the loader enforces, not a description of it.

**A load is a folder** with one file per table, named after the table: `<table>.csv` (UTF-8 or
GB18030/GBK, comma separated, a header row), `<table>.parquet`, or `<table>.xlsx` (the first sheet,
headers in row 1). Column names are matched without regard to case; the Chinese headers listed below
are accepted for their columns; a column the contract does not know is ignored with a warning.
`python -m core.cli load FOLDER --db FILE` and the Data page load the same way.

**All or nothing.** Every file of the folder is validated first (types, required values, allowed
values and ranges, keys, references, the row rules below); a problem is reported with its file, row,
column, value and the fix, and then nothing is written. A valid folder is committed in one
transaction; rows whose key exists are updated (and counted as updated), others inserted.

**Formats.** Periods `YYYY-MM`; dates `YYYY-MM-DD`; times `YYYY-MM-DD HH:MM:SS` in Beijing time;
decimal point `.`, no thousands separators; booleans `true`/`false` (also `1`/`0`, `yes`/`no`, `是`/`否`). Province codes are the 2-digit
(or 6-digit) GB/T 2260 codes, 66 for the Xinjiang Production and Construction Corps.

**Emissions** of a monthly report: `E = fuel_consumed × ncv × carbon_content × oxidation_rate × 44/12`
(tCO2), the oxidation rate {oxidation} where it is not reported.
"""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _allowed(col: schema.Column) -> str:
    if col.enum:
        return ", ".join(f"`{v}`" for v in col.enum)
    lo = None if col.min is None else f"{'>' if col.min_exclusive else '≥'} {col.min:g}"
    hi = None if col.max is None else f"≤ {col.max:g}"
    return " and ".join(x for x in (lo, hi) if x)


def _reference(col: schema.Column) -> str:
    if not col.ref:
        return ""
    return f"`{col.ref}`" + (f" (a {col.ref_kind})" if col.ref_kind else "")


def table_markdown(table: schema.Table, lang: str = "en") -> str:
    lines = [f"## {table.name}", "", table.doc or "", ""]
    lines += [f"Key: {', '.join(f'`{k}`' for k in table.key)}." + (" The file is required." if table.required_file
                                                                   else ""), ""]
    lines += ["| column | type | required | allowed | references |", "|---|---|---|---|---|"]
    for c in table.columns:
        required = "key" if c.name in table.key else ("yes" if c.required else "")
        lines.append(f"| `{c.name}` | {_cell(i18n.t(f'type.{c.type}', lang))} | {required} | {_cell(_allowed(c))} "
                     f"| {_cell(_reference(c))} |")
    if table.checks:
        lines += ["", "Row rules:", ""]
        lines += [f"- {_cell(ch.message)} ({', '.join(f'`{x}`' for x in ch.columns)}): {_cell(ch.hint)}."
                  for ch in table.checks]
    return "\n".join(lines)


def markdown(lang: str = "en") -> str:
    """The whole contract (in English: the column names and rules are the contract's own words)."""
    parts = [INTRO.format(oxidation=f"{mrv.OXIDATION_DEFAULT:g}")]
    parts += [table_markdown(t, lang) for t in schema.TABLES]
    headers = sorted(schema.HEADER_MAP_ZH.items(), key=lambda kv: (kv[1], kv[0]))
    parts.append("\n".join(["## Chinese headers", "", "Accepted in place of the contract's column names:", "",
                            "| header | column |", "|---|---|",
                            *(f"| {zh} | `{col}` |" for zh, col in headers)]))
    rows = schema.province_rows()
    parts.append("\n".join(["## Province codes", "", "| code | adcode | 中文 | English |", "|---|---|---|---|",
                            *(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows)]))
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


def template_headers(table: schema.Table, lang: str) -> list[str]:
    """A template's header row: the contract's column names; in Chinese the header a regulator's
    export uses where the loader knows one (core.contract.schema.HEADER_MAP_ZH), else the column name."""
    if lang != "zh":
        return [c.name for c in table.columns]
    chinese: dict[str, str] = {}
    for zh, col in sorted(schema.HEADER_MAP_ZH.items()):  # one header per column, the same every time
        chinese.setdefault(col, zh)
    return [chinese.get(c.name, c.name) for c in table.columns]
