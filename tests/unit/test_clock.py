"""One clock (issue 14): every time the product writes is Beijing wall-clock time, an older database's
local-time rows are moved to it once, and every time shown says "Beijing time"."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from core.contract import clock
from core.contract.access import Scope
from core.contract.filters import Filters
from core.insight import runs, scenarios
from core.store import db, ddl
from core.words import i18n

# The machine these tests run on may keep any local time; Beijing is UTC+8 all year.
BEIJING_OFFSET = dt.timedelta(hours=8)


def test_the_clock_is_beijing_time():
    now = clock.now_aware()
    assert now.utcoffset() == BEIJING_OFFSET
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert clock.now().tzinfo is None and abs(clock.now() - now.replace(tzinfo=None)) < dt.timedelta(minutes=1)
    assert clock.wall_clock(dt.datetime(2026, 1, 1, 1, 30, tzinfo=dt.UTC)) == dt.datetime(2026, 1, 1, 9, 30)


def test_a_runs_computed_time_is_beijing_time_and_shown_with_the_zone(assessed_demo_db):
    """The fixture stored the default run this session: its time is Beijing's now, not UTC's (8 hours
    behind) or the machine's."""
    con = db.connect(assessed_demo_db)
    try:
        run = runs.latest_assessment(con)
    finally:
        con.close()
    assert abs(run.created_at - clock.now()) < dt.timedelta(hours=3)
    for lang, zone in (("en", "(Beijing time)"), ("zh", "（北京时间）")):
        assert i18n.fmt_datetime(run.created_at, lang).endswith(zone)


def test_a_saved_scenario_is_stamped_in_beijing_time(tiny_db_path, tmp_path):
    path = tmp_path / "tiny.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.connect(path)
    try:
        sid = scenarios.save(con, "Beijing clock", scenarios.CarbonDefault(), Filters(), Scope.national())
        saved = scenarios.load(con, sid)
    finally:
        con.close()
    assert abs(saved.created_at - clock.now()) < dt.timedelta(minutes=1)


@pytest.fixture
def utc_machine(monkeypatch):
    """This process's local time set to UTC, as on most servers (and restored afterwards)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_older_databases_local_times_are_moved_to_beijing_time_once(tmp_path, utc_machine):
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    # as a database built before: the run stamped by datetime.now() on a UTC server, no clock comment
    for table, column, _ in ddl.CLOCK_COLUMNS:
        con.execute(f"COMMENT ON COLUMN {table}.{column} IS NULL")
    con.execute("INSERT INTO model_runs VALUES ('r1', TIMESTAMP '2026-12-04 00:31:44', 'unit_month', 'hbos', "
                "'f', '{}', 'national', 'v', 1, 0.1, '{}', '{}')")
    con.execute("INSERT INTO load_log (loaded_at, source, table_name, file_name, inserted, updated) "
                "VALUES (TIMESTAMP '2026-12-04 08:31:35', 'demo', 'units', 'units.csv', 1, 0)")
    con.close()
    for _ in range(2):  # the second opening moves nothing
        con = db.connect(path)
        try:
            assert con.execute("SELECT created_at FROM model_runs").fetchone()[0] == dt.datetime(2026, 12, 4, 8, 31, 44)
            assert con.execute("SELECT loaded_at FROM load_log").fetchone()[0] == dt.datetime(2026, 12, 4, 8, 31, 35)
            comments = con.execute("SELECT comment FROM duckdb_columns() WHERE column_name IN ('created_at', "
                                   "'loaded_at') AND table_name IN ('model_runs', 'scenarios', 'load_log')").fetchall()
            assert comments == [(ddl.BEIJING_CLOCK,)] * 3
        finally:
            con.close()


def test_a_new_database_is_on_beijing_time_from_the_start(tmp_path, utc_machine):
    con = db.connect(tmp_path / "new.duckdb")
    con.execute("INSERT INTO model_runs VALUES ('r1', TIMESTAMP '2026-12-04 08:31:44', 'unit_month', 'hbos', "
                "'f', '{}', 'national', 'v', 1, 0.1, '{}', '{}')")
    con.close()
    con = db.connect(tmp_path / "new.duckdb")
    try:
        assert con.execute("SELECT created_at FROM model_runs").fetchone()[0] == dt.datetime(2026, 12, 4, 8, 31, 44)
    finally:
        con.close()
