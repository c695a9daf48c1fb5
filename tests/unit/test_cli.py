"""The command line as an operator uses it: demo -> database, load -> all or nothing, exit codes."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.store import db

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def snapshot(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    finally:
        con.close()


def _demo(folder: Path) -> None:
    out, path = folder / "files", folder / "demo.duckdb"
    r = cli("demo", "--scale", "0.02", "--seed", "5", "--out", str(out), "--format", "csv", "--db", str(path))
    assert r.returncode == 0, r.stderr
    (folder / "stdout.txt").write_text(r.stdout, encoding="utf-8")


@pytest.fixture(scope="module")
def built(built_once, private_copy):
    """`core.cli demo`'s files, database and output: run once per test run for all xdist workers; the
    files are shared (read them only), the database is this worker's own copy (the tests load into it)."""
    shared = built_once("cli_demo", _demo)
    stdout = (shared / "stdout.txt").read_text(encoding="utf-8")
    return shared / "files", private_copy(shared / "demo.duckdb", "cli"), stdout


def test_demo_writes_contract_files_and_loads_them_through_the_loader(built):
    out, path, stdout = built
    assert {p.name for p in out.iterdir()} >= {"enterprises.csv", "units.csv", "monthly_reports.csv", "trades.csv"}
    assert "monthly_reports  inserted" in stdout
    con = duckdb.connect(str(path), read_only=True)
    n_files = sum(1 for _ in csv.reader(open(out / "monthly_reports.csv", encoding="utf-8"))) - 1
    assert con.execute("SELECT count(*) FROM monthly_reports").fetchone()[0] == n_files
    assert con.execute("SELECT count(DISTINCT table_name) FROM load_log").fetchone()[0] == 11
    con.close()


def test_load_with_one_bad_row_exits_nonzero_and_changes_nothing(built, tmp_path):
    out, path, _ = built
    before = snapshot(path)
    bad = tmp_path / "bad"
    bad.mkdir()
    rows = list(csv.DictReader(open(out / "monthly_reports.csv", encoding="utf-8")))
    rows[6]["ncv"] = "5120"  # kcal/kg instead of GJ/t
    with open(bad / "monthly_reports.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = cli("load", str(bad), "--db", str(path))
    assert r.returncode == 1
    assert "monthly_reports.csv row 7 (line 8), column ncv, value '5120'" in r.stderr
    assert "kcal/kg" in r.stderr and "nothing was changed" in r.stderr
    after = snapshot(path)
    # nothing stored changed; the refused attempt itself is in the audit log, one entry more
    assert {t: v for t, v in after.items() if t != "audit_log"} == {t: v for t, v in before.items() if t != "audit_log"}
    added = sorted(set(after["audit_log"]) - set(before["audit_log"]))
    assert len(added) == 1 and "'load_rejected'" in added[0] and "'refused'" in added[0]


def test_reload_reports_updates(built):
    out, path, _ = built
    r = cli("load", str(out), "--db", str(path))
    assert r.returncode == 0, r.stderr
    assert "inserted         0" in r.stdout


def test_database_path_from_environment(built, tmp_path):
    out, _, _ = built
    target = tmp_path / "env.duckdb"
    r = cli("load", str(out), env={db.ENV_VAR: str(target)})
    assert r.returncode == 0, r.stderr
    assert target.exists() and str(target) in r.stdout


def test_busy_database_gives_a_clear_message(built, tmp_path):
    out, path, _ = built
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = cli("load", str(out), "--db", str(path))
        assert r.returncode == 2
        assert "in use by another process" in r.stderr
    finally:
        holder.kill()
        holder.wait()
