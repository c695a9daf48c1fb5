"""The DuckDB boundary: where the database file is, and how to talk to it.

One connection per process (DuckDB connections must not be shared across
threads), a fresh cursor per query, parameters always bound.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core.store import ddl

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = ROOT / "data" / "carbonwatch.duckdb"
ENV_VAR = "CARBONWATCH_DB"
# The store's connection type; layers above pass it along and never open one themselves.
Connection = duckdb.DuckDBPyConnection


class DatabaseBusy(RuntimeError):
    """Another process holds the database file (usually the running app)."""


def resolve_path(cli_path: str | os.PathLike | None = None) -> Path:
    """--db, else $CARBONWATCH_DB, else data/carbonwatch.duckdb."""
    if cli_path:
        return Path(cli_path)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_DB


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database, creating the schema on first use of a writable file."""
    p = resolve_path(path)
    if read_only and not p.exists():
        raise FileNotFoundError(f"no CarbonWatch database at {p}; build one with `python -m core.cli demo` or `make run`")
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DatabaseBusy(
                f"{p} is in use by another process (is the app running?). Stop it, or import through the app's "
                f"Data page, then try again."
            ) from e
        raise
    if not read_only:
        ddl.create(con)
    return con


def fetch_df(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple = (), *,
             arrow_lists: bool = False) -> pd.DataFrame:
    """Run one parameterised query on its own cursor and materialise it once.

    Through Arrow: 3x faster than .df() on wide results with text columns (433k unit-months:
    1 s instead of 3 s). Dates arrive as datetime64, nullable integers as float.

    List columns arrive as object columns of numpy arrays, unless `arrow_lists`: then they stay
    Arrow lists (pd.ArrowDtype; an element reads as a Python list). For a result with many list
    cells that is the difference that matters: a page's cache pickles every frame, and 100k small
    numpy arrays take 1 s to pickle where the Arrow column takes 3 ms.

    Below THREADED_ROWS rows the conversion runs on this thread: starting pyarrow's pool cost more
    than it saved (a 1-row frame 0.8 ms instead of 0.4 ms, 433k unit-months 59 ms instead of 35 ms
    on 2 cores), and most page queries return a few dozen rows."""
    cur = con.cursor()
    try:
        table = cur.sql(sql, params=list(params)).to_arrow_table()
        return table.to_pandas(date_as_object=False, types_mapper=_arrow_lists if arrow_lists else None,
                               use_threads=table.num_rows >= THREADED_ROWS)
    finally:
        cur.close()


THREADED_ROWS = 1_000_000  # Arrow -> pandas on several threads from this many rows (10x national scale)


def _arrow_lists(t: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(t) if pa.types.is_list(t) or pa.types.is_large_list(t) else None


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever a load commits; cache keys include it so nothing stale is served. The time of
    the last load is part of it: two files loaded alike (a rebuilt demo, another province's copy) have
    the same counts, and an in-process cache must not serve one's results for the other."""
    return version_key(con, "SELECT count(*), max(load_id), max(loaded_at) FROM load_log")


def version_key(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """A cache key from one row of aggregates (our own SQL: counts, sums, latest times), read live on
    a cursor of its own: "n:total:2026-12-04T09:30:00", empty where a value is missing."""
    cur = con.cursor()
    try:
        row = cur.execute(sql).fetchone()
    finally:
        cur.close()
    return ":".join("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v) for v in row)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own inside one transaction: committed when the block ends (a `return` in it
    too), rolled back when it raises, and the error raised again; DuckDB's write conflict between two
    transactions (duckdb.TransactionException, also at the commit) reaches the caller the same way."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:  # a failed commit has already ended the transaction
                pass
            raise
    finally:
        cur.close()


def insert_frame(cur: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """INSERT the rows of `frame` into `table` (our own table name; the frame's columns by name),
    the frame registered on the cursor for the statement only."""
    cols = ", ".join(frame.columns)
    cur.register("_frame_rows", frame)
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame_rows")
    finally:
        cur.unregister("_frame_rows")
