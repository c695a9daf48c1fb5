"""Frames to contract files (Parquet or CSV) through DuckDB's COPY, for the demo generator."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def write_frames(tables: dict[str, pd.DataFrame], out: Path, fmt: str = "parquet") -> None:
    """Write each frame to `out/<name>.<fmt>` (one file per contract table)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}: parquet or csv")
    con = duckdb.connect()
    try:
        for name, df in tables.items():
            con.register("frame", df)
            target = out / f"{name}.{fmt}"
            option = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
            con.execute(f"COPY (SELECT * FROM frame) TO '{target.as_posix()}' {option}")
            con.unregister("frame")
    finally:
        con.close()
