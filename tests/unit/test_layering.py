"""The shape of the house (GUIDE 1) where import-linter cannot look: app.py and pages/ are scripts,
not a package. Pages read state -> call core -> render; core never imports pages or the app.
The layers of core itself are import-linter contracts (.importlinter, tests/unit/test_contracts.py)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI_FILES = [ROOT / "app.py", *PAGES]
CORE_FILES = sorted(p for p in (ROOT / "core").rglob("*.py") if "ui" not in p.relative_to(ROOT / "core").parts[:-1])
ALL_FILES = sorted(p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "tests" not in p.parts)
# SQL statements as they appear in string literals (keywords in capitals, a clause after them).
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH)\b[\s\S]*\b(FROM|INTO|SET|TABLE|TO|AS)\b")


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def _tree(p: Path) -> ast.Module:
    return ast.parse(p.read_text(encoding="utf-8"), filename=str(p))


def imported_modules(p: Path) -> set[str]:
    """Top-level names of every module `p` imports, wherever the import statement is."""
    mods = set()
    for node in ast.walk(_tree(p)):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
            mods.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            mods.add(str(node.args[0].value))
    return mods


def _roots(mods: set[str]) -> set[str]:
    return {m.split(".")[0] for m in mods}


def test_the_file_sets_are_not_empty():
    assert PAGES and CORE_FILES and (ROOT / "core" / "ui" / "page.py") in ALL_FILES
    assert not any("ui" in p.relative_to(ROOT / "core").parts for p in CORE_FILES)


@pytest.mark.parametrize("path", UI_FILES, ids=_rel)
def test_pages_import_no_database_or_detector_library(path):
    assert not _roots(imported_modules(path)) & {"duckdb", "pyod", "sqlite3", "sqlalchemy"}


@pytest.mark.parametrize("path", UI_FILES, ids=_rel)
def test_pages_contain_no_sql(path):
    strings = [n.value for n in ast.walk(_tree(path)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    offending = [s for s in strings if SQL.search(s)]
    assert not offending, f"SQL text in {_rel(path)}: {offending}"
    calls = {n.func.attr for n in ast.walk(_tree(path)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert not calls & {"execute", "executemany", "sql", "fetch_df"}, "pages call named queries, not the database"


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=_rel)
def test_core_never_imports_pages_or_the_app(path):
    assert not _roots(imported_modules(path)) & {"pages", "app"}


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_nothing_calls_st_navigation(path):
    """GUIDE 1: classic pages/ discovery; st.navigation would break deep links."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr == "navigation":
            pytest.fail(f"{_rel(path)}:{node.lineno} uses st.navigation")


def test_every_page_file_is_registered_for_the_navigation():
    from core.ui.page import PAGES as REGISTERED

    assert {p.path for p in REGISTERED} == {"app.py", *(f"pages/{p.name}" for p in PAGES)}


def test_the_detector_catches_what_it_should(tmp_path):
    """Guard the guard: the SQL pattern and import parser find real violations."""
    assert SQL.search("SELECT count(*) FROM units")
    assert not SQL.search("Select files from your computer")
    probe = tmp_path / "probe.py"
    probe.write_text("import duckdb\nfrom pyod.models import iforest\n\ndef f():\n    import streamlit as st\n")
    assert {"duckdb", "pyod", "streamlit"} <= _roots(imported_modules(probe))
