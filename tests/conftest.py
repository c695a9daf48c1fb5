"""Shared fixtures: a small demo database built once per session by the product's own
generator and loader, and a tiny hand-built one whose numbers can be checked by hand."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.store import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo database at scale 0.03 (about 70 enterprises), loaded through the loader; closed
    afterwards so an AppTest process-wide connection can open it."""
    from core import demo
    from core.store import loader

    folder = tmp_path_factory.mktemp("demo_files")
    demo.write(folder, scale=0.03, seed=7)
    path = tmp_path_factory.mktemp("demo_db") / "demo.duckdb"
    con = db.connect(path)
    try:
        loader.load_folder(con, folder, source="demo scale=0.03 seed=7")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def assessed_demo_db(demo_db, tmp_path_factory) -> Path:
    """A copy of the demo database with the default assessment stored, as `core.cli demo` leaves
    it: the app's pages read stored runs. A copy, so engine tests keep an unassessed demo_db."""
    import shutil

    from core.insight import runs

    path = tmp_path_factory.mktemp("assessed_db") / "demo.duckdb"
    shutil.copy(demo_db, path)
    con = db.connect(path)
    try:
        runs.run(con)
    finally:
        con.close()
    return path


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
