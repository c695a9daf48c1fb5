"""Core objects as display tables with headers in the page's language, and how they are shown."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import i18n, loader, schema


def show(df: pd.DataFrame, **kwargs) -> None:
    """st.dataframe without the index, whole numbers with thousands separators."""
    config = {c: st.column_config.NumberColumn(format="%,d") for c in df.columns
              if pd.api.types.is_integer_dtype(df[c])}
    st.dataframe(df, hide_index=True, column_config=config, **kwargs)


def _headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rename contract-named columns to their translated headers (col.<name>)."""
    return df.rename(columns={c: i18n.t(f"col.{c}", lang) for c in df.columns})


def table_counts(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """table, rows, contents (translated)."""
    df = counts.assign(description=counts["table"].map(lambda n: i18n.t(f"table.{n}", lang)))
    return _headers(df[["table", "rows", "description"]], lang)


def load_history(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    df = history.assign(loaded_at=history["loaded_at"].map(lambda v: i18n.fmt_datetime(v, lang)))
    return _headers(df[["loaded_at", "source", "table", "inserted", "updated", "file"]], lang)


def _allowed(col: schema.Column) -> str:
    if col.enum:
        return ", ".join(col.enum)
    if col.min is not None and col.max is not None:
        return f"{'>' if col.min_exclusive else '≥'} {col.min:g} … ≤ {col.max:g}"
    if col.min is not None:
        return f"{'>' if col.min_exclusive else '≥'} {col.min:g}"
    return ""


def contract(table: schema.Table, lang: str) -> pd.DataFrame:
    """One row per column of a contract table: name, type, required, allowed values, reference."""
    yes = i18n.t("yes", lang)
    df = pd.DataFrame({
        "column": [c.name for c in table.columns],
        "type": [i18n.t(f"type.{c.type}", lang) for c in table.columns],
        "key": [yes if c.name in table.key else "" for c in table.columns],
        "required": [yes if c.required or c.name in table.key else "" for c in table.columns],
        "allowed": [_allowed(c) for c in table.columns],
        "references": [c.ref or "" for c in table.columns],
    })
    return _headers(df, lang)


def load_report(report: loader.LoadReport, lang: str) -> pd.DataFrame:
    df = pd.DataFrame([(name, ins, upd) for name, (ins, upd) in report.tables.items()],
                      columns=["table", "inserted", "updated"])
    return _headers(df, lang)


def problems(rejected: loader.LoadRejected, lang: str) -> pd.DataFrame:
    df = pd.DataFrame([(p.file, p.row, p.column, p.value, p.rule, p.message, p.hint) for p in rejected.problems],
                      columns=["file", "row", "column", "value", "rule", "message", "hint"])
    df["row"] = df["row"].astype("Int64")
    return _headers(df, lang)
