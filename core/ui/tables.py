"""Core objects as display tables with headers in the page's language, and how they are shown."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core import detectors, i18n, loader, risk, schema


def show(df: pd.DataFrame, formats: dict[str, str] | None = None, columns: dict | None = None, **kwargs):
    """st.dataframe without the index, whole numbers with thousands separators; `formats` gives
    other numeric columns a printf-style format (they stay numbers, so they still sort); `columns`
    adds column configs of its own (widths)."""
    config = {c: st.column_config.NumberColumn(format="%,d") for c in df.columns
              if pd.api.types.is_integer_dtype(df[c])}
    config.update({c: st.column_config.NumberColumn(format=f) for c, f in (formats or {}).items() if c in df.columns})
    config.update(columns or {})
    return st.dataframe(df, hide_index=True, column_config=config, **kwargs)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a byte-order mark, so Excel opens Chinese text correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


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


# --- the Anomaly Lab ------------------------------------------------------------------------------

def detector_label(name: str, lang: str) -> str:
    d = detectors.REGISTRY.get(name)
    return name if d is None else (d.label_zh if lang == "zh" else d.label_en)


def explanation(text, lang: str) -> str:
    """A stored explanation in words: 'Supply coal rate vs the unit's own median −24.0% (median 0.0%,
    robust z −9.3); …' — or '—' for a row outside the explained top."""
    if not isinstance(text, str) or not text:
        return i18n.MISSING
    parts = [i18n.t("lab.explain", lang, feature=i18n.label("feature", e["feature"], lang),
                    value=i18n.fmt_feature(e["feature"], e["value"], lang),
                    median=i18n.fmt_feature(e["feature"], e["median"], lang), z=i18n.fmt_signed(e["z"], 1))
             for e in json.loads(text)]
    return ("；" if lang == "zh" else "; ").join(parts)


def explanation_parts(text: str, lang: str) -> list[str]:
    """explanation() back into its parts, one per feature (for a detail view)."""
    return [] if text == i18n.MISSING else text.split("；" if lang == "zh" else "; ")


def _province(df: pd.DataFrame, lang: str) -> pd.Series:
    return df["province_zh" if lang == "zh" else "province_en"]


def _unit(df: pd.DataFrame) -> pd.Series:
    """The unit within its enterprise ('U1' for '91...X-U1': the enterprise is in its own column)."""
    return pd.Series([i18n.MISSING if not isinstance(u, str) else u.removeprefix(f"{e}-") or u
                      for u, e in zip(df["unit_id"], df["enterprise_id"])], index=df.index, dtype=object)


def _period(periods: pd.Series, level: str, lang: str) -> pd.Series:
    if level == "enterprise_year":  # stored as 1 January of the year
        return pd.to_datetime(periods).dt.year.map(lambda y: f"{y}年" if lang == "zh" else str(y))
    return periods.map(lambda p: i18n.fmt_period(p, lang))


FLAGGED_FORMATS = ("%.2f", "%.3f%%")  # ensemble and detector scores; percentile (0-100)


def flagged_rows(df: pd.DataFrame, detector_names: list[str], level: str, lang: str) -> pd.DataFrame:
    """queries.flagged_rows for display: who, when, the ensemble score and percentile, each detector's
    standardised score, and why in words."""
    out = _headers(pd.DataFrame({
        "enterprise": df["name"], "province": _province(df, lang),
        "unit": _unit(df), "period": _period(df["period"], level, lang),
        "score": df["score"].round(2), "percentile": (df["percentile"] * 100).round(3),
        "why": df["explanation"].map(lambda e: explanation(e, lang)),
    }), lang)
    labels = [detector_label(n, lang) for n in detector_names]
    scores = (pd.DataFrame(df["detector_scores"].map(list).tolist(), index=df.index, columns=labels) if len(df)
              else pd.DataFrame(columns=labels, dtype=float))
    ids = pd.DataFrame({i18n.t("col.enterprise_id", lang): df["enterprise_id"]})
    return pd.concat([out, scores.round(2), ids], axis=1)


def flagged_formats(detector_names: list[str], lang: str) -> dict[str, str]:
    score, pct = FLAGGED_FORMATS
    return {i18n.t("col.score", lang): score, i18n.t("col.percentile", lang): pct,
            **{detector_label(n, lang): score for n in detector_names}}


def wide(lang: str, *keys: str) -> dict:
    """Column config giving the text columns `keys` (col.<key>) room: reasons and explanations."""
    return {i18n.t(f"col.{k}", lang): st.column_config.TextColumn(width="large") for k in keys}


def ranked(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.runs.ranked (with names and reasons attached) for display, highest risk first."""
    out = pd.DataFrame({
        "rank": range(1, len(df) + 1), "enterprise": df["name"], "province": _province(df, lang),
        "worst_year": df["year"].astype(int), "risk_score": df["risk_score"],
        "band": df["band"].map(lambda b: i18n.t(f"band.{b}", lang)),
        "reasons": [risk.describe_reasons(r, lang) for r in df["reasons"]],
        **{c: df[c].round(3) for c in risk.COMPONENTS}, "n_rules": df["n_rules"].astype(int),
        "enterprise_id": df["enterprise_id"],
    })
    return _headers(out, lang)


def ranked_formats(lang: str) -> dict[str, str]:
    return {i18n.t("col.risk_score", lang): "%.1f", i18n.t("col.worst_year", lang): "%d",
            **{i18n.t(f"col.{c}", lang): "%.2f" for c in risk.COMPONENTS}}


def _ranking_name(name: str, lang: str) -> str:
    if name.startswith("detector "):
        return i18n.t("eval.ranking.detector", lang, detector=detector_label(name.removeprefix("detector "), lang))
    return i18n.label("eval.ranking", name, lang)


def evaluation(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.evaluate's table: one row per ranking, its metrics as numbers in [0, 1]."""
    out = table.assign(ranking=table["ranking"].map(lambda n: _ranking_name(n, lang)))
    return out.rename(columns={c: i18n.t("col.precision_at", lang, k=c.split("@")[1]) if c.startswith("precision@")
                               else i18n.t(f"col.{c}", lang) for c in out.columns})


def evaluation_formats(table: pd.DataFrame, lang: str) -> dict[str, str]:
    return {c: "%.3f" for c in evaluation(table.head(0), lang).columns if c != i18n.t("col.ranking", lang)}


def per_pattern(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df.assign(pattern=df["pattern"].map(lambda p: i18n.label("pattern", p, lang)),
                    recall=(df["recall"] * 100).round(1))
    return _headers(out[["pattern", "cases", "found", "recall"]], lang)
