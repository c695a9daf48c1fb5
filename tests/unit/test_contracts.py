"""The shape of the house, as import-linter contracts (.importlinter), run on the real tree and
on copies of it with a planted violation: a contract that cannot fail would prove nothing.

Beside the imports, two rules that import-linter cannot see: no SQL outside the store, and every
module of core sits in a layer of the contract (a new top-level package must be placed)."""
from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
# SQL statements as they appear in string literals (keywords in capitals, a clause after them).
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH)\b[\s\S]*\b(FROM|INTO|SET|TABLE|TO|AS)\b")

pytestmark = pytest.mark.xdist_group("contracts")  # one worker: the copies of core are built once


def lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the tree at `root` (its own .importlinter), without a cache."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True, no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_contracts_hold_on_the_tree():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", r.stdout)
    assert kept and int(kept.group(2)) == 0 and int(kept.group(1)) >= 6, r.stdout


# (file to plant in, the line planted, what lint-imports must say)
PLANTS = {
    "upward": ("core/store/sql.py", "from core.ui import page  # planted", "core.store is not allowed to import core.ui"),
    "loop": ("core/engine/features.py", "from core.engine import risk  # planted",
             "No cycles are allowed in core.engine"),
    "tests": ("core/insight/headline.py", "import tests.bench.harness  # planted",
              "core is not allowed to import tests"),
    "duckdb": ("core/engine/rules.py", "import duckdb  # planted", "core.engine is not allowed to import duckdb"),
    "streamlit": ("core/words/i18n.py", "import streamlit  # planted", "core.words is not allowed to import streamlit"),
}


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The package and its contract, copied once; each plant edits one file and restores it."""
    root = tmp_path_factory.mktemp("house")
    shutil.copytree(ROOT / "core", root / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CONFIG, root / ".importlinter")
    (root / "tests" / "bench").mkdir(parents=True)
    (root / "tests" / "bench" / "harness.py").write_text("")
    return root


@pytest.mark.parametrize("plant", list(PLANTS))
def test_a_planted_violation_breaks_a_contract(tree_copy, plant):
    rel, line, message = PLANTS[plant]
    target = tree_copy / rel
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{line}\n", encoding="utf-8")
    try:
        r = lint(tree_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert r.returncode == 1, r.stdout + r.stderr
    assert message in r.stdout, r.stdout


def _layer_packages() -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(CONFIG)
    layers = cfg["importlinter:contract:layers"]["layers"]
    return {m.strip() for line in layers.splitlines() for m in line.split("|") if m.strip()}


def test_every_module_of_core_is_in_a_layer():
    placed = _layer_packages()
    tops = {f"core.{p.stem if p.is_file() else p.name}" for p in (ROOT / "core").iterdir()
            if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")}
    assert tops <= placed, f"not placed in .importlinter's layers: {sorted(tops - placed)}"


STORE = ROOT / "core" / "store"
OUTSIDE_STORE = sorted(p for p in (ROOT / "core").rglob("*.py") if STORE not in p.parents)


def sql_literals(path: Path) -> list[tuple[int, str]]:
    """String literals of `path` that read as SQL statements, with their line (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if SQL.search(node.value):
                out.append((node.lineno, node.value[:80]))
    return out


def test_no_sql_outside_the_store():
    offenders = {str(p.relative_to(ROOT)): found for p in OUTSIDE_STORE if (found := sql_literals(p))}
    assert not offenders, f"SQL outside core/store: {offenders}"


def test_the_sql_check_finds_sql(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""SELECT in a docstring is prose."""\nQ = "SELECT count(*) FROM units"\n')
    assert [line for line, _ in sql_literals(probe)] == [2]
    assert sql_literals(STORE / "sql.py"), "the store's own SQL is found (the check reads f-strings too)"
