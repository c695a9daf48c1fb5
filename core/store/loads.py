"""What has been loaded: data status, row counts per table and the load history (national by nature).

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import schema
from core.store.db import fetch_df
from core.store.sql import (
    page_query,
)


@page_query("national")
def data_status(con) -> pd.DataFrame:
    """The latest load (one row or none): loaded_at, source, files, rows (inserted + updated)."""
    sql = """
        SELECT loaded_at, source, count(*) AS files, sum(inserted + updated) AS rows
        FROM load_log
        WHERE loaded_at = (SELECT max(loaded_at) FROM load_log)
        GROUP BY loaded_at, source
        ORDER BY source LIMIT 1"""
    return fetch_df(con, sql)


@page_query("national")
def table_counts(con) -> pd.DataFrame:
    """table, rows for every table of the contract plus the reference and log tables."""
    names = ["provinces", *[t.name for t in schema.TABLES], "load_log"]
    sql = " UNION ALL ".join(f"SELECT '{n}' AS \"table\", count(*) AS rows, {i} AS ord FROM {n}"
                             for i, n in enumerate(names))
    return fetch_df(con, f"SELECT \"table\", rows FROM ({sql}) ORDER BY ord")


@page_query("national")
def load_history(con, limit: int = 200) -> pd.DataFrame:
    """loaded_at, source, table, file, inserted, updated: the most recent loads first."""
    sql = """
        SELECT loaded_at, source, table_name AS "table", file_name AS file, inserted, updated
        FROM load_log ORDER BY loaded_at DESC, load_id DESC LIMIT ?"""
    return fetch_df(con, sql, [limit])
