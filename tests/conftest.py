"""Shared fixtures: a small demo database built once per run by the product's own generator and
loader (once for all xdist workers, each of which gets its own copy), and a tiny hand-built one
whose numbers can be checked by hand."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Callable

import pytest
from filelock import FileLock

from core.store import db

ROOT = Path(__file__).resolve().parent.parent


# --- the xdist groups ----------------------------------------------------------------------------

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Give `--dist loadgroup` back its groups. pytest-xdist 3.8 passes a test's `xdist_group` to the
    scheduler as a suffix of its node id, written to `item._nodeid`, which pytest 9.2 no longer reads
    (its ids are structured, `item._id`): without this, grouped tests are silently dealt out one by one
    (pytest-dev/pytest-xdist#1386), so the browser journeys started a server and a Chromium on each
    worker and the bench tests ran the bench twice. A no-op once xdist writes the suffix itself."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    # The longest group (the browser journeys, one server and one Chromium, serial) goes first, so
    # that its worker starts on it while the other deals with the rest: last, it was a serial tail
    # (make test 5.5 min instead of under 4). The order is the same on every worker, as xdist needs.
    order = {"browser": 0, "bench": 1}
    items.sort(key=lambda it: min((order.get(str(m.args[0] if m.args else m.kwargs.get("name", "")), 2)
                                   for m in it.iter_markers("xdist_group")), default=3))
    for item in items:
        groups = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                  for m in item.iter_markers("xdist_group")}
        if not groups or "@" in item.nodeid.rpartition("]")[2]:
            continue
        nodeid = f"{item.nodeid}@{'_'.join(sorted(groups))}"
        if hasattr(item, "_id"):
            item._id = type(item._id).parse(nodeid)
        else:
            item._nodeid = nodeid


# --- databases built once per run ------------------------------------------------------------------

@pytest.fixture(scope="session")
def built_once(tmp_path_factory) -> Callable[[str, Callable[[Path], None]], Path]:
    """`built_once(name, build)`: the folder that `build(folder)` fills, built once per test run and
    shared by every xdist worker (the pytest-xdist recipe: a file lock in the run's common temporary
    folder). Treat it as read-only: the product opens database files read-write, and DuckDB lets no
    other process open a file that one process holds read-write, so each worker takes copies
    (`private_copy`); copying is quick next to a build."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # xdist's worker_id, also without the plugin (-p no:xdist)
        root = root.parent  # pytest-<n>/, common to the run's workers (each has popen-gw<i>/ below it)
    root = root / "built_once"
    root.mkdir(parents=True, exist_ok=True)

    def get(name: str, build: Callable[[Path], None]) -> Path:
        done = root / name
        with FileLock(str(root / f"{name}.lock")):
            if not done.exists():
                partial = root / f"{name}.partial"
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir()
                build(partial)
                partial.rename(done)  # a build that raised leaves no folder behind: the next caller retries
        return done

    return get


def _private_copy(src: Path, tmp_path_factory, name: str) -> Path:
    dest = tmp_path_factory.mktemp(name) / Path(src).name
    shutil.copyfile(src, dest)
    return dest


@pytest.fixture(scope="session")
def private_copy(tmp_path_factory) -> Callable[[Path, str], Path]:
    """`private_copy(src, name)`: this worker's own copy of a closed database file (in a new temporary
    folder named after `name`), e.g. of one in a `built_once` folder."""
    return lambda src, name: _private_copy(src, tmp_path_factory, name)


def _build_demo(folder: Path) -> None:
    from core import demo
    from core.store import loader, loads

    demo.write(folder / "files", scale=0.03, seed=7)
    con = db.connect(folder / "demo.duckdb")
    try:
        loader.load_folder(con, folder / "files", source=loads.demo_source(0.03, 7))
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_db(built_once, tmp_path_factory) -> Path:
    """A demo database at scale 0.03 (about 70 enterprises), loaded through the loader; closed
    afterwards so an AppTest process-wide connection can open it. Built once per run; each worker
    has its own copy."""
    return _private_copy(built_once("demo", _build_demo) / "demo.duckdb", tmp_path_factory, "demo_db")


@pytest.fixture(scope="session")
def assessed_demo_db(built_once, tmp_path_factory) -> Path:
    """A copy of the demo database with the default assessment and the case history stored, as
    `core.cli demo` leaves it: the app's pages read stored runs and cases. A copy, so engine tests keep an unassessed demo_db. Built
    once per run; each worker has its own copy."""
    def build(folder: Path) -> None:
        from core.contract.roles import SYSTEM
        from core.insight import case_history, runs

        path = folder / "demo.duckdb"
        shutil.copyfile(built_once("demo", _build_demo) / "demo.duckdb", path)
        con = db.connect(path)
        try:
            run = runs.run(con)
            case_history.seed(con, SYSTEM, run.run_id, 2022)  # as core.cli demo does
        finally:
            con.close()

    return _private_copy(built_once("assessed", build) / "demo.duckdb", tmp_path_factory, "assessed_db")


@pytest.fixture(scope="module")
def assessed_con(assessed_demo_db):
    """A connection to the assessed demo, opened as the app opens it (DuckDB allows one
    configuration per file and process, and an AppTest may still hold the app's)."""
    con = db.connect(assessed_demo_db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def assessed_filters(assessed_con):
    """No filters, on the stored default assessment: the pages' view."""
    from core.insight import runs
    from core.contract.filters import Filters

    return Filters().with_run(runs.latest_assessment(assessed_con).run_id)


# --- a tiny database whose emissions are computed by hand in the tests -----------------------
# Three enterprises in two provinces: Shandong (37) has a coal and a gas unit, Jiangsu (32) one
# coal unit. 2022 is complete (12 months for every unit); 2023 has January only.
TINY_ENTERPRISES = [("E1", "Alpha Power", "37"), ("E2", "Beta Gas", "37"), ("E3", "Gamma Power", "32")]
TINY_UNITS = [("U1", "E1", "coal_above_300mw", 600.0), ("U2", "E2", "gas", 400.0), ("U3", "E3", "coal_300mw_below", 300.0)]
# unit -> (fuel, fuel_consumed, ncv, carbon_content, oxidation_rate or None)
TINY_MONTHLY = {
    "U1": ("coal", 100_000.0, 20.0, 0.026, None),   # oxidation defaults to 0.99
    "U2": ("gas", 1_000.0, 389.31, 0.01532, 0.99),
    "U3": ("coal", 50_000.0, 21.0, 0.03085, 0.98),
}
TINY_VERIFIED_2022 = {"E1": 2_200_000.0, "E2": 260_000.0, "E3": 1_100_000.0}


def tiny_monthly_emissions(unit: str) -> float:
    """One month's emissions of `unit` by the contract formula, by hand."""
    _, fuel, ncv, cc, ox = TINY_MONTHLY[unit]
    return fuel * ncv * cc * (0.99 if ox is None else ox) * 44 / 12


def build_tiny_db(path: Path) -> Path:
    con = db.connect(path)
    try:
        con.executemany("INSERT INTO enterprises (enterprise_id, name, province_code, sector) VALUES (?, ?, ?, 'power')",
                        TINY_ENTERPRISES)
        con.executemany("INSERT INTO units (unit_id, enterprise_id, unit_class, capacity_mw) VALUES (?, ?, ?, ?)",
                        TINY_UNITS)
        rows = []
        for unit, (fuel, consumed, ncv, cc, ox) in TINY_MONTHLY.items():
            months = [dt.date(2022, m, 1) for m in range(1, 13)] + [dt.date(2023, 1, 1)]
            for i, period in enumerate(months):
                # U1 measures its carbon content in odd months only; U3 always uses the default.
                source = "measured" if unit == "U1" and period.month % 2 else "default"
                # U3 deposits every month late (90 days after the month began); the others on day 10.
                days = 90 if unit == "U3" else 10
                submitted = dt.datetime.combine(period, dt.time(9)) + dt.timedelta(days=days)
                rows.append((unit, period, fuel, consumed, ncv, cc, source, ox, 1000.0, 950.0, 500.0, submitted))
        con.executemany(
            "INSERT INTO monthly_reports (unit_id, period, fuel_type, fuel_consumed, ncv, carbon_content, "
            "carbon_content_source, oxidation_rate, generation_mwh, supply_mwh, operating_hours, submitted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("INSERT INTO agencies (agency_id, name, kind) VALUES ('V1', 'Verifier One', 'verifier')")
        con.executemany(
            "INSERT INTO verifications (enterprise_id, year, reported_t, verified_t, verifier_id, conclusion) "
            "VALUES (?, 2022, ?, ?, 'V1', 'pass')", [(e, v, v) for e, v in TINY_VERIFIED_2022.items()])
        con.execute("INSERT INTO load_log (loaded_at, source, table_name, file_name, inserted, updated) "
                    "VALUES (TIMESTAMP '2024-05-01 10:00:00', 'hand-built test data', 'monthly_reports', "
                    "'monthly_reports.csv', 39, 0)")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def tiny_db_path(tmp_path_factory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")


@pytest.fixture
def tiny_con(tiny_db_path):
    con = db.connect(tiny_db_path, read_only=True)
    yield con
    con.close()


# --- AppTest isolation ---------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fresh_streamlit_caches(request):
    """Between AppTests: no cached query result, connection or resource survives (GUIDE 2, pdstools)."""
    if "app" not in request.path.relative_to(ROOT / "tests").parts[:1]:
        yield
        return
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_db(assessed_demo_db, monkeypatch) -> Path:
    """Point the app at the session's assessed demo database, with the national scope."""
    monkeypatch.setenv(db.ENV_VAR, str(assessed_demo_db))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    return assessed_demo_db


# --- the browser tests (tests/e2e): Chromium once per session, one Playwright per process ------------

@pytest.fixture(scope="session")
def chromium_ready() -> None:
    from tests.e2e import browser

    reason = browser.chromium_missing()
    if reason:
        if os.environ.get("CARBONWATCH_E2E") == "require":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium(chromium_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        from tests.e2e import browser

        b = browser.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(chromium):
    from tests.e2e import browser

    context = browser.new_context(chromium)
    yield context.new_page()
    context.close()
