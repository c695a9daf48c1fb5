"""The database's tables, generated from the contract (core.contract.schema): primary keys, NOT
NULL, CHECK constraints and foreign keys, plus the load log and the analysis tables."""
from __future__ import annotations

import datetime as dt

from core.contract.schema import TABLES, Column, Table, province_rows


def _literal(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _column_ddl(table: Table, col: Column) -> str:
    parts = [col.name, col.db_type]
    if col.required or col.name in table.key:
        parts.append("NOT NULL")
    checks = []
    if col.enum:
        checks.append(f"{col.name} IN ({', '.join(_literal(e) for e in col.enum)})")
    if col.min is not None:
        checks.append(f"{col.name} {'>' if col.min_exclusive else '>='} {col.min}")
    if col.max is not None:
        checks.append(f"{col.name} <= {col.max}")
    if checks:
        parts.append(f"CHECK ({' AND '.join(checks)})")
    if col.ref and col.db_ref:
        rt, rc = col.ref.split(".")
        parts.append(f"REFERENCES {rt}({rc})")
    return " ".join(parts)


PROVINCES_DDL = """
CREATE TABLE IF NOT EXISTS provinces (
    code VARCHAR PRIMARY KEY CHECK (regexp_full_match(code, '\\d{2}')),
    adcode VARCHAR NOT NULL,
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    abbr_zh VARCHAR NOT NULL,
    grid_region VARCHAR NOT NULL CHECK (grid_region IN
        ('north','northeast','east','central','northwest','south','southwest')),
    tile_row INTEGER NOT NULL,
    tile_col INTEGER NOT NULL
)"""


# Every time the product writes (load_log.loaded_at, model_runs.created_at, scenarios.created_at) is
# Beijing wall-clock time without an offset (core.contract.clock.now()), as the contract's own
# timestamps are (submitted_at, trades.ts); the pages show it as it is and name the zone. Each such
# column's comment says so. Databases built before then wrote model_runs and scenarios in the
# writing machine's local time (datetime.now(): UTC on most servers): create() moves those rows to
# Beijing time once, by this machine's offset (the machine that wrote them, as a rule), and then
# comments the column, so that a row is never moved twice.
BEIJING_CLOCK = "Beijing wall-clock time (UTC+8); no offset stored"
CLOCK_COLUMNS = (("load_log", "loaded_at", False), ("model_runs", "created_at", True),
                 ("scenarios", "created_at", True))  # table, column, written in local time before

LOAD_LOG_DDL = """
CREATE SEQUENCE IF NOT EXISTS load_seq;
CREATE TABLE IF NOT EXISTS load_log (
    load_id INTEGER PRIMARY KEY DEFAULT nextval('load_seq'),
    loaded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    loaded_by VARCHAR
)"""
# Columns added to load_log after databases were first built: create() adds them to an older file
# (NULL for its past loads, shown as "unknown"), so an existing database keeps working.
LOAD_LOG_ADDED = ("loaded_by VARCHAR",)


ANALYSIS_DDL = [
    """CREATE TABLE IF NOT EXISTS model_runs (
        run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, level VARCHAR NOT NULL,
        detectors VARCHAR NOT NULL, features VARCHAR NOT NULL, params VARCHAR NOT NULL,
        scope VARCHAR NOT NULL, data_version VARCHAR NOT NULL, n_rows BIGINT NOT NULL,
        duration_s DOUBLE NOT NULL, failed VARCHAR NOT NULL, agreement VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS model_scores (
        run_id VARCHAR NOT NULL, enterprise_id VARCHAR NOT NULL, unit_id VARCHAR, period DATE NOT NULL,
        score DOUBLE NOT NULL CHECK (isfinite(score)), percentile DOUBLE NOT NULL CHECK (percentile BETWEEN 0 AND 1),
        detector_scores DOUBLE[] NOT NULL, explanation VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS rule_hits (
        run_id VARCHAR NOT NULL, rule_id VARCHAR NOT NULL, severity VARCHAR NOT NULL,
        enterprise_id VARCHAR NOT NULL, period VARCHAR NOT NULL, unit_id VARCHAR, evidence VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS risk_components (
        run_id VARCHAR NOT NULL, enterprise_id VARCHAR NOT NULL, year INTEGER NOT NULL,
        rules DOUBLE NOT NULL CHECK (rules BETWEEN 0 AND 1), model DOUBLE NOT NULL CHECK (model BETWEEN 0 AND 1),
        motive DOUBLE NOT NULL CHECK (motive BETWEEN 0 AND 1), context DOUBLE NOT NULL CHECK (context BETWEEN 0 AND 1),
        n_rules INTEGER NOT NULL, max_severity VARCHAR, reasons VARCHAR NOT NULL,
        PRIMARY KEY (run_id, enterprise_id, year))""",
    # Saved what-if scenarios (core/scenarios.py): the validated parameters as JSON, the filters as
    # the URL query string they came from, the scope and data version they were saved under. The id
    # hashes kind, parameters, filters and scope, so saving the same what-if twice keeps one row.
    """CREATE TABLE IF NOT EXISTS scenarios (
        scenario_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, params VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, data_version VARCHAR NOT NULL, scope VARCHAR NOT NULL,
        filters VARCHAR NOT NULL)""",
]


# Who may sign in (core.store.accounts): local accounts of a standalone office, the password as an
# argon2id hash (argon2-cffi; never the password), the role and provinces of core.contract.roles.
ACCOUNTS_DDL = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, provinces VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false)"""

# What was done, by whom (core.store.audit): append-only. The product has no UPDATE or DELETE of
# it (tests/unit/test_audit.py reads the code for one); a row is never changed once written.
AUDIT_DDL = """
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMP NOT NULL,
    user_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    before VARCHAR,
    after VARCHAR)"""


# Cases (core.store.cases): the current state of each with its version, and every change as an
# event (the case's timeline, append-only like the audit log).
CASES_DDL = [
    """CREATE TABLE IF NOT EXISTS cases (
        case_id VARCHAR PRIMARY KEY, subject_kind VARCHAR NOT NULL, subject_id VARCHAR NOT NULL,
        subject_name VARCHAR NOT NULL, province_code VARCHAR NOT NULL, state VARCHAR NOT NULL,
        owner VARCHAR, due_date DATE, opened_at TIMESTAMP NOT NULL, opened_by VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL, version INTEGER NOT NULL, source VARCHAR NOT NULL,
        snapshot VARCHAR NOT NULL, measures VARCHAR NOT NULL DEFAULT '{}', parent_case VARCHAR,
        flag_year INTEGER, risk_score DOUBLE, decision VARCHAR, decided_at TIMESTAMP, pattern VARCHAR,
        deadline DATE)""",
    """CREATE TABLE IF NOT EXISTS case_events (
        case_id VARCHAR NOT NULL, version INTEGER NOT NULL, changed_at TIMESTAMP NOT NULL, user_name VARCHAR NOT NULL,
        role VARCHAR NOT NULL, action VARCHAR NOT NULL, from_state VARCHAR, to_state VARCHAR NOT NULL,
        fields VARCHAR NOT NULL, PRIMARY KEY (case_id, version))""",
    # Self-examination campaigns (core.store.campaigns): one task per enterprise asked, version-checked.
    """CREATE TABLE IF NOT EXISTS campaigns (
        campaign_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, basis VARCHAR NOT NULL, agency_id VARCHAR,
        year INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, due_date DATE NOT NULL,
        note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS campaign_tasks (
        campaign_id VARCHAR NOT NULL, enterprise_id VARCHAR NOT NULL, enterprise_name VARCHAR NOT NULL,
        province_code VARCHAR NOT NULL, status VARCHAR NOT NULL, responded_at TIMESTAMP, responded_by VARCHAR,
        note VARCHAR, version INTEGER NOT NULL, PRIMARY KEY (campaign_id, enterprise_id))""",
    # The look-back's draws (core.store.lookback): the seeded risk-weighted sample of a year's handled cases.
    """CREATE TABLE IF NOT EXISTS lookback_draws (
        draw_id VARCHAR PRIMARY KEY, year INTEGER NOT NULL, seed BIGINT NOT NULL, size INTEGER NOT NULL,
        population INTEGER NOT NULL, drawn_at TIMESTAMP NOT NULL, drawn_by VARCHAR NOT NULL, scope VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS lookback_items (
        draw_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL, weight DOUBLE NOT NULL, draw_rank INTEGER NOT NULL,
        PRIMARY KEY (draw_id, case_id))""",
]
# Columns of `cases` that the store keeps from the events for the queues and the statistics: the
# flagged year and risk score at opening, the last decision (confirmed/dismissed), when, the pattern
# confirmed, and the rectification deadline. A file built before them gets them (NULL for its cases).
CASES_ADDED = ("flag_year INTEGER", "risk_score DOUBLE", "decision VARCHAR", "decided_at TIMESTAMP",
               "pattern VARCHAR", "deadline DATE")


def ddl() -> list[str]:
    """CREATE statements in dependency order (parents before children)."""
    stmts = [PROVINCES_DDL, *[s for s in LOAD_LOG_DDL.split(";") if s.strip()], *ANALYSIS_DDL, ACCOUNTS_DDL,
             *[s for s in AUDIT_DDL.split(";") if s.strip()], *CASES_DDL]
    for t in TABLES:
        cols = [_column_ddl(t, c) for c in t.columns]
        cols.append(f"PRIMARY KEY ({', '.join(t.key)})")
        stmts.append(f"CREATE TABLE IF NOT EXISTS {t.name} (\n    " + ",\n    ".join(cols) + "\n)")
    return stmts


def create(con) -> None:
    """Create every table (idempotent) and seed the provinces."""
    for stmt in ddl():
        con.execute(stmt)
    for column in LOAD_LOG_ADDED:
        con.execute(f"ALTER TABLE load_log ADD COLUMN IF NOT EXISTS {column}")
    for column in CASES_ADDED:
        con.execute(f"ALTER TABLE cases ADD COLUMN IF NOT EXISTS {column}")
    _to_beijing_clock(con)
    if con.execute("SELECT count(*) FROM provinces").fetchone()[0] == 0:
        con.executemany("INSERT INTO provinces VALUES (?, ?, ?, ?, ?, ?, ?, ?)", province_rows())


def _local_to_beijing() -> dt.timedelta:
    """What to add to this machine's local wall-clock time to get Beijing's."""
    return dt.timedelta(hours=8) - (dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0))


def _to_beijing_clock(con) -> None:
    """Once per database: the times written in local time before CLOCK_COLUMNS moved to Beijing time,
    then each clock column commented BEIJING_CLOCK (the mark that it is done)."""
    todo = [(table, column, shift) for table, column, shift in CLOCK_COLUMNS
            if con.execute("SELECT comment FROM duckdb_columns() WHERE schema_name = current_schema() "
                           "AND table_name = ? AND column_name = ?", [table, column]).fetchone()[0] != BEIJING_CLOCK]
    if not todo:
        return
    seconds = _local_to_beijing().total_seconds()
    con.execute("BEGIN TRANSACTION")
    try:
        for table, column, shift in todo:  # our own names: CLOCK_COLUMNS
            if shift and seconds:
                con.execute(f"UPDATE {table} SET {column} = {column} + to_seconds(?)", [seconds])
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS {_literal(BEIJING_CLOCK)}")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
