"""The project's own copy of the import format (docs/DATA_CONTRACT.md) is what the schema says: it
is the generator's output, and it names every table, column and row rule the loader enforces."""
from __future__ import annotations

from pathlib import Path

from core.contract import schema
from core.words import contract_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATA_CONTRACT.md"


def test_the_committed_contract_is_the_schema_s(capsys):
    from core import cli

    assert cli.main(["contract-doc"]) == 0
    assert capsys.readouterr().out == DOC.read_text(encoding="utf-8"), \
        "docs/DATA_CONTRACT.md is out of date: run python -m core.cli contract-doc > docs/DATA_CONTRACT.md"


def test_every_table_column_and_rule_is_in_the_document():
    text = contract_doc.markdown()
    for t in schema.TABLES:
        section = text.split(f"## {t.name}\n", 1)[1].split("\n## ", 1)[0]
        for c in t.columns:
            assert f"| `{c.name}` |" in section, (t.name, c.name)
            for v in c.enum:
                assert f"`{v}`" in section, (t.name, c.name, v)
        for ch in t.checks:
            assert ch.hint.replace("|", "\\|") in section, (t.name, ch.name)
    assert all(f"| {zh} | `{col}` |" in text for zh, col in schema.HEADER_MAP_ZH.items())
    assert text.count("\n| 6") >= 1 and "| 37 |" in text  # the province codes, Shandong among them
