"""What has been loaded: data status, row counts per table and the load history (national by nature).

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import schema
from core.contract.access import Scope
from core.store.db import fetch_df
from core.store.sql import (
    page_query,
    scope_where,
)

# The load source `core.cli demo` writes ("demo scale=1 seed=2022"): a database holding such a load
# is (at least partly) the synthetic demo, and every page says so (core.ui.page.freshness).
DEMO_SOURCE_PREFIX = "demo "


def demo_source(scale: float, seed: int) -> str:
    return f"{DEMO_SOURCE_PREFIX}scale={scale} seed={seed}"


@page_query("unfiltered")
def freshness(con, scope: Scope) -> pd.DataFrame:
    """One row for the line at the top of every page: data_as_of (the last reported month the scope
    holds), market_as_of (the last day of published market data), loaded_at, loaded_by and source
    of the latest load, and synthetic (some load was the demo generator's). loaded_by is NULL for
    loads made before it was recorded (core.store.ddl.LOAD_LOG_ADDED adds the column on opening)."""
    where, params = scope_where(scope, "e.province_code")
    sql = f"""
        SELECT (SELECT max(m.period) FROM monthly_reports m JOIN units u USING (unit_id)
                JOIN enterprises e USING (enterprise_id) WHERE {where}) AS data_as_of,
               (SELECT max(date) FROM market_daily) AS market_as_of,
               max(loaded_at) AS loaded_at, max_by(loaded_by, load_id) AS loaded_by, max_by(source, load_id) AS source,
               coalesce(bool_or(starts_with(source, ?)), FALSE) AS synthetic
        FROM load_log"""
    return fetch_df(con, sql, [*params, DEMO_SOURCE_PREFIX])


# Tables that belong to no province: counted whole for every user, a documented exception of the
# province scope (the reference list of provinces, the national register of intermediaries, the
# exchange's daily market, the load log). Every other table is counted inside the user's scope.
NATIONAL_TABLES = ("provinces", "agencies", "market_daily", "load_log")


def _scoped_count(name: str) -> str:
    """SQL counting `name`'s rows inside the scope CTE `se` (enterprises) of core.store.sql.scoped."""
    cols = {c.name for c in schema.TABLE_BY_NAME[name].columns} if name in schema.TABLE_BY_NAME else set()
    if name in NATIONAL_TABLES:
        return f"SELECT count(*) FROM {name}"
    if name == "enterprises":
        return "SELECT count(*) FROM se"
    if "enterprise_id" in cols:
        return f"SELECT count(*) FROM {name} JOIN se USING (enterprise_id)"
    if "unit_id" in cols:
        return f"SELECT count(*) FROM {name} JOIN units USING (unit_id) JOIN se USING (enterprise_id)"
    if name == "trades":  # a trade in which an account of the scope bought or sold
        return ("SELECT count(*) FROM trades t WHERE EXISTS (SELECT 1 FROM accounts a JOIN se USING (enterprise_id) "
                "WHERE a.account_id IN (t.buyer_account, t.seller_account))")
    raise KeyError(f"no scope rule for table {name}")


@page_query("unfiltered")
def table_counts(con, scope: Scope) -> pd.DataFrame:
    """table, rows, national (True for NATIONAL_TABLES, counted whole) for every table of the
    contract plus the reference and log tables; the others count the rows inside `scope`."""
    names = ["provinces", *[t.name for t in schema.TABLES], "load_log"]
    where, params = scope_where(scope, "e.province_code")
    sql = " UNION ALL ".join(f"SELECT '{n}' AS \"table\", ({_scoped_count(n)}) AS rows, {n in NATIONAL_TABLES} AS national, "
                             f"{i} AS ord" for i, n in enumerate(names))
    return fetch_df(con, f"WITH se AS (SELECT e.enterprise_id FROM enterprises e WHERE {where}) "
                         f"SELECT \"table\", rows, national FROM ({sql}) ORDER BY ord", params)


@page_query("national")
def load_history(con, limit: int = 200) -> pd.DataFrame:
    """loaded_at, source, table, file, inserted, updated: the most recent loads first."""
    sql = """
        SELECT loaded_at, source, table_name AS "table", file_name AS file, inserted, updated
        FROM load_log ORDER BY loaded_at DESC, load_id DESC LIMIT ?"""
    return fetch_df(con, sql, [limit])
