"""Core objects as display tables with headers in the page's language, and how they are shown."""
from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from core.contract import clock, schema
from core.engine import risk
from core.export import cells
from core.store import loader
from core.ui.theme import BAND_COLOURS
from core.words import agencies as agency_words
from core.words import glossary
from core.words import headline as headline_words
from core.words import i18n
from core.words import labels as label_words
from core.words import reasons as reason_words


WRAP_ROW_HEIGHT = 68  # px: above Streamlit's 4rem a text cell wraps, to three lines at this height


def show(df: pd.DataFrame, formats: dict[str, str] | None = None, columns: dict | None = None,
         band_column: str | None = None, wrap: bool = False, **kwargs):
    """st.dataframe without the index, whole numbers with thousands separators; `formats` gives
    other numeric columns a printf-style format (they stay numbers, so they still sort); `columns`
    adds column configs of its own (widths); `band_column` (holding band_label texts) is shaded
    in the band's colour, as on the charts and the map; `wrap` gives rows the height at which long
    texts (reasons, signals) wrap instead of being cut."""
    if wrap:
        kwargs.setdefault("row_height", WRAP_ROW_HEIGHT)
    config = {c: st.column_config.NumberColumn(format="%,d") for c in df.columns
              if pd.api.types.is_integer_dtype(df[c])}
    config.update({c: st.column_config.NumberColumn(format=f) for c, f in (formats or {}).items() if c in df.columns})
    config.update(columns or {})
    data = df
    if band_column is not None and band_column in df.columns and len(df):
        # a Styler's display text replaces the column formats: give its floats the same decimals
        floats = {c: "{:,.%sf}" % _decimals(config.get(c)) for c in df.columns if pd.api.types.is_float_dtype(df[c])}
        data = df.style.map(_band_style, subset=[band_column]).format(floats, na_rep=i18n.MISSING)
    return st.dataframe(data, hide_index=True, column_config=config, **kwargs)


def _decimals(column_config) -> int:
    fmt = (column_config or {}).get("type_config", {}).get("format") or ""
    m = re.search(r"%[,]?\.(\d)f", fmt)
    return int(m.group(1)) if m else 2


def _band_style(text) -> str:

    band = _BAND_OF_LABEL.get(text)
    if band is None:
        return ""
    ink = "white" if band == "critical" else "#1a1a1a"
    return f"background-color: {BAND_COLOURS[band]}; color: {ink}"


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a byte-order mark, so Excel opens Chinese text correctly; every text cell and header
    neutral (core.export.cells: a name from the data never opens as a formula)."""
    return cells.neutral_frame(df).to_csv(index=False).encode("utf-8-sig")


def _headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rename contract-named columns to their translated headers (col.<name>)."""
    return df.rename(columns={c: i18n.t(f"col.{c}", lang) for c in df.columns})


def table_counts(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """table, rows, what is counted (the user's scope, or the whole country for a table of no
    province), contents (translated)."""
    df = counts.assign(description=counts["table"].map(lambda n: i18n.t(f"table.{n}", lang)),
                       counted=counts["national"].map(lambda v: i18n.t("data.counted.national" if v
                                                                         else "data.counted.scope", lang)))
    return _headers(df[["table", "rows", "counted", "description"]], lang)


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


def explanation(text, lang: str) -> str:
    """A stored explanation in words: 'Supply coal rate vs the unit's own median −24.0% (median 0.0%,
    robust z −9.3); …' — or '—' for a row outside the explained top."""
    if not isinstance(text, str) or not text:
        return i18n.MISSING
    parts = [i18n.t("lab.explain", lang, feature=i18n.label("feature", e["feature"], lang),
                    value=i18n.fmt_feature(e["feature"], e["value"], lang),
                    median=i18n.fmt_feature(e["feature"], e["median"], lang), z=i18n.fmt_signed(e["z"], 1))
             for e in json.loads(text)]
    return i18n.fmt_list(parts, lang, "clause")


def explanation_parts(text: str, lang: str) -> list[str]:
    """explanation() back into its parts, one per feature (for a detail view)."""
    return [] if text == i18n.MISSING else text.split(i18n.t("sep.clause", lang))


def _province(df: pd.DataFrame, lang: str) -> pd.Series:
    return df[f"province_{lang}"]


def _unit(df: pd.DataFrame) -> pd.Series:
    """The unit within its enterprise ('U1' for '91...X-U1': the enterprise is in its own column)."""
    return pd.Series([i18n.MISSING if not isinstance(u, str) else u.removeprefix(f"{e}-") or u
                      for u, e in zip(df["unit_id"], df["enterprise_id"])], index=df.index, dtype=object)


def _period(periods: pd.Series, level: str, lang: str) -> pd.Series:
    if level == "enterprise_year":  # stored as 1 January of the year
        return pd.to_datetime(periods).dt.year.map(lambda y: i18n.t("format.year", lang, year=y))
    return periods.map(lambda p: i18n.fmt_period(p, lang))


FLAGGED_FORMATS = ("%.2f", "%.3f%%")  # ensemble and detector scores; percentile (0-100)


def flagged_rows(df: pd.DataFrame, detector_names: list[str], level: str, lang: str) -> pd.DataFrame:
    """risk_views.flagged_rows for display: who, when, the ensemble score and percentile, each detector's
    standardised score, and why in words."""
    out = _headers(pd.DataFrame({
        "enterprise": df["name"], "province": _province(df, lang),
        "unit": _unit(df), "period": _period(df["period"], level, lang),
        "score": df["score"].round(2), "percentile": (df["percentile"] * 100).round(3),
        "why": df["explanation"].map(lambda e: explanation(e, lang)),
    }), lang)
    labels = [label_words.detector_label(n, lang) for n in detector_names]
    scores = (pd.DataFrame(df["detector_scores"].map(list).tolist(), index=df.index, columns=labels) if len(df)
              else pd.DataFrame(columns=labels, dtype=float))
    ids = pd.DataFrame({i18n.t("col.enterprise_id", lang): df["enterprise_id"]})
    return pd.concat([out, scores.round(2), ids], axis=1)


def flagged_formats(detector_names: list[str], lang: str) -> dict[str, str]:
    score, pct = FLAGGED_FORMATS
    return {i18n.t("col.score", lang): score, i18n.t("col.percentile", lang): pct,
            **{label_words.detector_label(n, lang): score for n in detector_names}}


def wide(lang: str, *keys: str) -> dict:
    """Column config giving the text columns `keys` (col.<key>) room (reasons and explanations; the
    table wraps them) and pinning the enterprise's name, so that it stays when the table scrolls."""
    return {i18n.t("col.enterprise", lang): st.column_config.TextColumn(width=240, pinned=True),
            **{i18n.t(f"col.{k}", lang): st.column_config.TextColumn(width="large") for k in keys}}


def ranked(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.runs.ranked (with names and reasons attached) for display, highest risk first."""
    out = pd.DataFrame({
        "rank": range(1, len(df) + 1), "enterprise": df["name"], "province": _province(df, lang),
        "worst_year": df["year"].astype(int), "risk_score": df["risk_score"],
        "band": df["band"].map(lambda b: i18n.t(f"band.{b}", lang)),
        "reasons": [reason_words.describe_reasons(r, lang) for r in df["reasons"]],
        **{c: df[c].round(3) for c in risk.COMPONENTS}, "n_rules": df["n_rules"].astype(int),
        "enterprise_id": df["enterprise_id"],
    })
    return _headers(out, lang)


def ranked_formats(lang: str) -> dict[str, str]:
    return {i18n.t("col.risk_score", lang): "%.1f", i18n.t("col.worst_year", lang): "%d",
            **{i18n.t(f"col.{c}", lang): "%.2f" for c in risk.COMPONENTS}}


def _ranking_name(name: str, lang: str) -> str:
    if name.startswith("detector "):
        return i18n.t("eval.ranking.detector", lang, detector=label_words.detector_label(name.removeprefix("detector "), lang))
    return i18n.label("eval.ranking", name, lang)


def evaluation(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.evaluate's table: one row per ranking, its metrics as numbers in [0, 1]."""
    out = table.assign(ranking=table["ranking"].map(lambda n: _ranking_name(n, lang)))
    return out.rename(columns={c: i18n.t("col.precision_at", lang, k=c.split("@")[1]) if c.startswith("precision@")
                               else i18n.t(f"col.{c}", lang) for c in out.columns})


def evaluation_formats(table: pd.DataFrame, lang: str) -> dict[str, str]:
    return {c: "%.3f" for c in evaluation(table.head(0), lang).columns if c != i18n.t("col.ranking", lang)}


def per_pattern(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df.assign(pattern=df["pattern"].map(lambda p: i18n.label("pattern", p, lang)),
                    recall=(df["recall"] * 100).round(1))
    return _headers(out[["pattern", "cases", "found", "recall"]], lang)


# --- Overview: top risks and intermediaries ---------------------------------------------------

def band_label(band, lang: str) -> str:
    """A band in words; `show(..., band_column=...)` shades it in the band's colour."""
    if band is None or (isinstance(band, float) and pd.isna(band)):
        return i18n.MISSING
    return i18n.t(f"band.{band}", lang)


# band text (either language) -> band, for shading
_BAND_OF_LABEL = {i18n.t(f"band.{b}", lang): b for b, _ in risk.BANDS for lang in i18n.LANGS}


def top_risks(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The review list: enterprise, province, risk, band, main reason, emissions (a row click opens
    the dossier). Risk stays a number so the column sorts."""

    divisor, unit = i18n.tonnes_unit(df["emissions_t"].max() if len(df) else 0, lang)
    out = pd.DataFrame({
        "enterprise": df["name"],
        "province": df[f"province_{lang}"],
        "risk_score": df["risk_score"].round(1),
        "band": df["band"].map(lambda b: band_label(b, lang)),
        "main_reason": df["reasons"].map(lambda r: headline_words.main_reason(r, lang)),
        "emissions": (df["emissions_t"] / divisor).round(2),
    })
    return out.rename(columns={
        "enterprise": i18n.t("col.enterprise", lang), "province": i18n.t("col.province", lang),
        "risk_score": i18n.t("col.risk_score", lang), "band": i18n.t("col.band", lang),
        "main_reason": i18n.t("col.main_reason", lang),
        "emissions": i18n.t("axis.emissions", lang, unit=unit)})


def top_risk_columns(lang: str) -> dict:
    """Widths (px) that keep the name and the reason (wrapped) readable; the table fits the page, so
    nothing is pinned (Streamlit greys a pinned column)."""
    text, num = st.column_config.TextColumn, st.column_config.NumberColumn
    return {i18n.t("col.enterprise", lang): text(width=250), i18n.t("col.province", lang): text(width=90),
            i18n.t("col.risk_score", lang): num(format="%.1f", width=64), i18n.t("col.band", lang): text(width=64),
            i18n.t("col.main_reason", lang): text(width=300)}


def agency_columns(lang: str) -> dict:
    text, num = st.column_config.TextColumn, st.column_config.NumberColumn
    return {i18n.t("col.kind", lang): text(width=76), i18n.t("col.agency", lang): text(width=140),
            i18n.t("col.agency_score", lang): num(format="%.1f", width=50,
                                                  help=glossary.help_text("col.agency_score.help", lang)),
            i18n.t("col.stands_out", lang): text(width=200),
            i18n.t("col.clients", lang): num(format="%,d", width=56),
            i18n.t("col.flagged_clients", lang): num(format="%,d", width=56),
            i18n.t("col.flagged_share", lang): num(format="%.1f%%", width=70)}


def agencies(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.agencies.leading rows: name, evidence score, what stands out (what the narrow
    Overview column shows first), kind, clients, flagged clients and their share."""
    out = pd.DataFrame({
        "agency": df["name"].fillna(df["agency_id"]),
        "agency_score": df["score"].astype(float),
        "stands_out": [agency_words.explain(r, lang) for _, r in df.iterrows()],
        "kind": df["kind"].map(lambda k: i18n.t(f"agency.{k}", lang)),
        "clients": df["clients"].astype(int),
        "flagged_clients": df["flagged_clients"].astype(int),
        "flagged_share": (df["flagged_share"] * 100).round(1),
    })
    return out.rename(columns={c: i18n.t(f"col.{c}", lang) for c in out.columns})


# --- the intermediaries page ----------------------------------------------------------------------

def _agency_col(key: str, lang: str) -> str:
    return i18n.t(f"agencies.col.{key}", lang)


# Which columns of the ranking each kind shows: the signals that apply to it (core.insight.agencies.SIGNAL_KINDS).
AGENCY_RANKING_COLUMNS = {
    "consultant": ("score", "name", "signals", "clients", "flagged", "flagged_share", "lift", "q", "p", "pattern",
                   "copies", "province", "id"),
    "lab": ("score", "name", "signals", "clients", "flagged", "flagged_share", "lift", "q", "p", "pattern", "copies",
            "batch", "busiest", "runs", "province", "id"),
    "verifier": ("score", "name", "signals", "clients", "flagged", "flagged_share", "lift", "q", "p", "pattern",
                 "copies", "understated", "pass_flagged", "province", "id"),
}


def agency_ranking(df: pd.DataFrame, kind: str, lang: str) -> pd.DataFrame:
    """core.insight.agencies.profile rows of one kind for the ranked table: numbers stay numbers (they sort);
    the signals in words (core.insight.agencies.explain)."""
    from core.contract import access

    names = access.province_names()
    values = {
        "score": df["score"].astype(float), "name": df["name"],
        "province": df["province"].map(lambda c: names[c][lang] if c in names else i18n.MISSING),
        "clients": df["clients"].astype(int), "flagged": df["flagged_clients"].astype(int),
        "flagged_share": (df["flagged_share"] * 100).round(1), "lift": df["lift"].astype(float).round(2),
        "p": df["p_value"].astype(float), "q": df["q_value"].astype(float),
        "pattern": df["pattern_clients"].astype(int), "copies": df["copy_clients"].astype(int),
        "batch": df["batch_clients"].astype(int),
        "busiest": df["max_same_test_date"].astype("Int64"), "runs": df["run_clients"].astype(int),
        "pass_flagged": (df["pass_rate_flagged"].astype(float) * 100).round(1),
        "understated": df["understated_passes"].astype("Int64"),
        "signals": [agency_words.explain(r, lang) for _, r in df.iterrows()], "id": df["agency_id"],
    }
    cols = AGENCY_RANKING_COLUMNS[kind]
    return pd.DataFrame({_agency_col(c, lang): values[c] for c in cols}).reset_index(drop=True)


def agency_ranking_columns(kind: str, base_rate, lang: str) -> dict:
    """Formats, widths and help of the ranked table's columns."""
    from core.engine import rules

    num, text = st.column_config.NumberColumn, st.column_config.TextColumn
    c = lambda k: _agency_col(k, lang)  # noqa: E731
    t = lambda k, **kw: glossary.help_text(f"agencies.help.{k}", lang, **kw)  # noqa: E731
    base = i18n.fmt_pct(base_rate, lang)
    config = {
        c("score"): st.column_config.ProgressColumn(format="%.0f", min_value=0, max_value=100, width=80,
                                                    help=glossary.help_text("col.agency_score.help", lang)),
        c("name"): text(width=220, pinned=True), c("province"): text(width=80),
        c("clients"): num(format="%,d", width=56), c("flagged"): num(format="%,d", width=56),
        c("flagged_share"): num(format="%.1f", width=70, help=t("base", base=base)),
        c("lift"): num(format="%.2f", width=56, help=t("base", base=base)),
        c("p"): num(format="%.2g", width=64, help=t("p")), c("q"): num(format="%.2g", width=64, help=t("q")),
        c("pattern"): num(format="%,d", width=80, help=t("pattern")),
        c("copies"): num(format="%,d", width=80, help=t("copies")),
        c("batch"): num(format="%,d", width=80, help=t("batch", n=rules.BATCH_MIN_MONTHS)),
        c("busiest"): num(format="%,d", width=90),
        c("runs"): num(format="%,d", width=80, help=t("runs", n=rules.BATCH_MIN_MONTHS)),
        c("pass_flagged"): num(format="%.1f", width=90),
        c("understated"): num(format="%,d", width=80,
                              help=t("understated", gap=i18n.fmt_pct(rules.VERIFICATION_GAP, lang, digits=0))),
        c("signals"): text(width=340), c("id"): text(width=80),
    }
    return {k: v for k, v in config.items() if k in {_agency_col(x, lang) for x in AGENCY_RANKING_COLUMNS[kind]}}


def _served(row, lang: str) -> str:
    """'Jan 2019 – Dec 2025' (months) or '2019, 2021' (verifier years)."""
    if isinstance(row["first_period"], (pd.Timestamp,)) and pd.notna(row["first_period"]):
        return f"{i18n.fmt_period(row['first_period'], lang)} – {i18n.fmt_period(row['last_period'], lang)}"
    years = [str(int(y)) for y in (row["years"] if row["years"] is not None else [])]
    return i18n.t("agencies.served.years", lang, years=i18n.fmt_list(years, lang))


def agency_clients(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.agencies.clients for display: enterprise, province, risk, band, the agency's
    signals that involve it, the period served and its months (left out for a verifier, which
    serves years: the period column names them)."""
    sep = i18n.t("sep.list", lang)
    out = pd.DataFrame({
        i18n.t("col.enterprise", lang): df["name"],
        i18n.t("col.province", lang): df[f"province_{lang}"],
        i18n.t("col.risk_score", lang): df["risk_score"].astype(float).round(1),
        i18n.t("col.band", lang): df["band"].map(lambda b: band_label(b, lang)),
        _agency_col("client_signals", lang): df["signals"].map(
            lambda s: sep.join(i18n.t(f"agencies.client_signal.{x}", lang) for x in s) or i18n.MISSING),
        _agency_col("served", lang): [_served(r, lang) for _, r in df.iterrows()],
        _agency_col("months", lang): df["months"].astype("Int64").where(df["months"] > 0),
        i18n.t("col.enterprise_id", lang): df["enterprise_id"],
    })
    if out[_agency_col("months", lang)].isna().all():
        out = out.drop(columns=_agency_col("months", lang))
    return out.reset_index(drop=True)


def agency_client_columns(lang: str) -> dict:
    text, num = st.column_config.TextColumn, st.column_config.NumberColumn
    return {i18n.t("col.enterprise", lang): text(width=240, pinned=True),
            i18n.t("col.risk_score", lang): num(format="%.1f", width=70), i18n.t("col.band", lang): text(width=70),
            _agency_col("client_signals", lang): text(width=300), _agency_col("served", lang): text(width=200),
            _agency_col("months", lang): num(format="%,d", width=60)}


# --- the what-if page -----------------------------------------------------------------------------

def _sc(key: str, lang: str, **kw) -> str:
    return i18n.t(f"scenarios.col.{key}", lang, **kw)


def cny_unit(values: pd.Series, lang: str) -> tuple[float, str]:
    """One unit for a whole column of yuan: 万元 in Chinese, CNY m in English."""
    return i18n.cny_column_unit(lang)


def _yes(v, lang: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return i18n.MISSING
    return i18n.t("scenarios.yes" if bool(v) else "scenarios.no", lang)


def _emission_columns(df: pd.DataFrame, lang: str) -> dict:
    t_div, t_unit = emissions_unit(df["emissions_after_t"].abs() if len(df) else df["emissions_after_t"], lang)
    c_div, c_unit = cny_unit(df["penalty_high_cny"], lang)
    cols = {
        _sc("replaced_months", lang): df["replaced_months"].astype(int),
        _sc("emissions_before", lang, unit=t_unit): (df["emissions_before_t"] / t_div).round(2),
        _sc("emissions_after", lang, unit=t_unit): (df["emissions_after_t"] / t_div).round(2),
        _sc("emissions_change", lang, unit=t_unit):
            ((df["emissions_after_t"] - df["emissions_before_t"]) / t_div).round(2),
        _sc("shortfall_before", lang, unit=t_unit): (df["shortfall_before_t"] / t_div).round(2),
        _sc("shortfall_after", lang, unit=t_unit): (df["shortfall_after_t"] / t_div).round(2),
        _sc("penalty_low", lang, unit=c_unit): (df["penalty_low_cny"] / c_div).round(2),
        _sc("penalty_high", lang, unit=c_unit): (df["penalty_high_cny"] / c_div).round(2),
        _sc("fine_low", lang, unit=c_unit): (df["fine_low_cny"] / c_div).round(2),
        _sc("fine_high", lang, unit=c_unit): (df["fine_high_cny"] / c_div).round(2),
    }
    if df["fallback_years"].sum():
        cols[_sc("fallback_years", lang)] = df["fallback_years"].astype(int)
    return cols


def scenario_provinces(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.scenarios Result.provinces as a display table: numbers stay numbers (they sort)."""
    out = {_sc("province", lang): df[f"province_{lang}"]}
    if "emissions_after_t" in df:
        out[_sc("enterprises", lang)] = df["enterprises"].astype(int)
        out[_sc("changed", lang)] = df["enterprises_changed"].astype(int)
        out.update(_emission_columns(df, lang))
    if "reviewed_after" in df:
        for k in ("assessed", "rank_changed", "reviewed_before", "reviewed_after", "known_cases", "caught_before",
                  "caught_after"):
            out[_sc(k, lang)] = df[k].astype(int)
    return pd.DataFrame(out).reset_index(drop=True)


def scenario_enterprises(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Result.enterprises as a display table (and download), largest change first."""
    out = {i18n.t("col.enterprise", lang): df["name"],
           _sc("province", lang): df[f"province_{lang}"]}
    if "emissions_after_t" in df:
        out.update(_emission_columns(df, lang))
    if "rank_after" in df:
        rank = df["rank_after"].notna()
        out.update({
            _sc("score_before", lang): df["score_before"].round(1),
            _sc("score_after", lang): df["score_after"].round(1),
            _sc("band_after", lang): df["band_after"].map(lambda b: band_label(b, lang)),
            _sc("rank_before", lang): df["rank_before"].astype("Int64"),
            _sc("rank_after", lang): df["rank_after"].astype("Int64"),
            _sc("rank_change", lang): df["rank_change"].where(rank).astype("Int64"),
            _sc("reviewed_before", lang): df["reviewed_before"].map(lambda v: _yes(v, lang)),
            _sc("reviewed_after", lang): df["reviewed_after"].map(lambda v: _yes(v, lang)),
            _sc("confirmed", lang): df["confirmed"].map(lambda v: _yes(v, lang)),
        })
        if df["client"].fillna(False).astype(bool).any():
            out[_sc("client", lang)] = df["client"].map(lambda v: _yes(v, lang))
    out[i18n.t("col.enterprise_id", lang)] = df["enterprise_id"]
    return pd.DataFrame(out).reset_index(drop=True)


def scenario_columns(table: pd.DataFrame, lang: str) -> dict:
    """Column configs of the what-if tables: the name pinned and wide, two decimals."""
    num = st.column_config.NumberColumn
    config = {c: num(format="%,.2f") for c in table.columns if pd.api.types.is_float_dtype(table[c])}
    config[i18n.t("col.enterprise", lang)] = st.column_config.TextColumn(width=300, pinned=True)
    config[_sc("province", lang)] = st.column_config.TextColumn(pinned=True)
    for k in ("score_before", "score_after"):
        config[_sc(k, lang)] = num(format="%.1f")
    return config


def scenario_curve(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({_sc("k", lang): df["k"], _sc("caught_before", lang): df["caught_before"],
                         _sc("caught_after", lang): df["caught_after"]})


def scenario_prices(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        _sc("year", lang): df["year"].astype(int),
        _sc("price_month", lang): df["price_month"].map(lambda d: i18n.fmt_period(d, lang)),
        _sc("priced_month", lang): df["priced_month"].map(lambda d: i18n.fmt_period(d, lang)),
        _sc("price", lang): df["price"].round(2),
    })


def saved_scenarios(saved: list, lang: str, link, describe_filters) -> pd.DataFrame:
    """core.insight.scenarios.list_saved as a table: name, what-if, saved at, filters in words and
    the shareable link as text to copy (a row click opens the scenario)."""
    return pd.DataFrame({
        _sc("name", lang): [s.name for s in saved],
        _sc("kind", lang): [i18n.t(f"scenarios.kind.{s.scenario.kind}", lang) for s in saved],
        _sc("saved_at", lang): [i18n.fmt_datetime(s.created_at, lang) for s in saved],
        _sc("filters", lang): [describe_filters(s.filters) for s in saved],
        _sc("link", lang): [link(s) for s in saved],
    })


# --- the province page ----------------------------------------------------------------------------

def _reason(reasons, lang: str) -> str:
    """The main reason of a score in words; '—' without an assessment."""
    return reason_words.describe_reasons(reasons, lang, k=1) if isinstance(reasons, str) and reasons else i18n.MISSING


def emissions_unit(values: pd.Series, lang: str) -> tuple[float, str]:
    """One unit for a whole column of tonnes: 万吨 in Chinese, kt or Mt in English (by the largest value)."""
    return i18n.tonnes_column_unit(values.max() if len(values) else 0, lang)


def province_enterprises(df: pd.DataFrame, lang: str, page) -> pd.DataFrame:
    """risk_views.enterprise_risk for the province page: one row per enterprise, highest risk first, with
    numbers left as numbers (so they sort); a row click opens the dossier."""
    divisor, unit = emissions_unit(df["emissions_t"], lang)
    col = lambda k, **kw: i18n.t(f"province.col.{k}", lang, **kw)  # noqa: E731
    return pd.DataFrame({
        i18n.t("col.enterprise", lang): df["name"],
        i18n.t("col.risk_score", lang): df["risk_score"].round(1),
        i18n.t("col.band", lang): df["band"].map(lambda b: band_label(b, lang)),
        col("reason"): [_reason(r, lang) for r in df["reasons"]],
        col("emissions", unit=unit): (df["emissions_t"] / divisor).round(2),
        col("position"): df["position_t"].round().astype("Int64"),
        col("consultant"): df["consultant_name"].fillna(i18n.MISSING),
        col("lab"): df["lab_name"].fillna(i18n.MISSING),
        col("verifier"): df["verifier_name"].fillna(i18n.MISSING),
        col("flagged_months"): df["flagged_months"].astype("Int64"),
        i18n.t("col.enterprise_id", lang): df["enterprise_id"],
    }, index=df.index).reset_index(drop=True)


def province_columns(df: pd.DataFrame, lang: str) -> dict:
    """Column configs of province_enterprises: formats, widths (the name pinned, the reason wide) and help."""
    num = st.column_config.NumberColumn
    units = {i18n.t("province.col.emissions", lang, unit=u): u for u in ("万吨", "kt", "Mt")}
    emissions = next((c for c in df.columns if c in units), "")
    return {
        i18n.t("col.enterprise", lang): st.column_config.TextColumn(width=240, pinned=True),
        i18n.t("col.risk_score", lang): num(format="%.1f", width="small"),
        i18n.t("province.col.reason", lang): st.column_config.TextColumn(width="large"),
        emissions: num(format="%.2f" if units.get(emissions) == "Mt" else "%,.1f"),
        i18n.t("province.col.position", lang): num(format="%,d", help=glossary.help_text("province.col.position.help", lang)),
    }


# --- the market surveillance page ----------------------------------------------------------------

def _names(values, sep: str) -> str:
    return sep.join(str(v) for v in values) if len(values) else i18n.MISSING


def market_alerts(df: pd.DataFrame, lang: str, explain) -> pd.DataFrame:
    """core.insight.trading.scan for display, in its order (highest score first): score and volume stay
    numbers so they sort; the parties (the holders of the accounts the alert is about: the
    enterprise's name for an entity account), the reason in words (`explain(row)`) and the id; the
    selected alert's evidence links to the dossiers."""
    sep = i18n.t("sep.names", lang)
    divisor, unit = emissions_unit(df["volume_t"], lang)
    rows = list(df.itertuples(index=False))
    out = pd.DataFrame({
        "score": df["score"].astype(float).round(1),
        "kind": df["kind"].map(lambda k: i18n.t(f"market.kind.{k}", lang)),
        "when": df["first_ts"].map(lambda d: i18n.fmt_date(d, lang)),
        "accounts": df["holders"].map(lambda v: _names([label_words.party(x, lang) for x in v], sep)),
        "volume": (df["volume_t"].astype(float) / divisor).round(2),
        "reason": [explain(r) for r in rows],
        "alert_id": df["alert_id"],
    }, index=df.index).reset_index(drop=True)
    headers = {c: i18n.t(f"market.col.{c}", lang) for c in out.columns}
    headers["volume"] = i18n.t("market.col.volume", lang, unit=unit)
    return out.rename(columns=headers)


def market_alert_columns(frame: pd.DataFrame, lang: str) -> dict:
    text, num = st.column_config.TextColumn, st.column_config.NumberColumn
    fixed = {i18n.t(f"market.col.{c}", lang) for c in ("score", "kind", "when", "accounts", "reason", "alert_id")}
    volume = next(c for c in frame.columns if c not in fixed)  # its header carries the unit market_alerts chose
    return {i18n.t("market.col.score", lang): num(format="%.1f", width=56),
            i18n.t("market.col.kind", lang): text(width=110),
            i18n.t("market.col.when", lang): text(width=90),
            i18n.t("market.col.accounts", lang): text(width=220, pinned=True),
            volume: num(format="%,.2f", width=90),
            i18n.t("market.col.reason", lang): text(width=330),
            i18n.t("market.col.alert_id", lang): text(width="small")}


def market_trades(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.insight.trading.evidence_trades for display: id, time, method, volume, price, the prevailing close
    and the deviation from it (the figures first, they are what is read), seller and buyer."""
    price = lambda v: i18n.MISSING if pd.isna(v) else i18n.t("unit.price", lang, value=f"{v:,.2f}")  # noqa: E731
    volume, unit = i18n.fmt_tonnes_column(df["volume_t"], lang)
    out = pd.DataFrame({
        "trade_id": df["trade_id"],
        "ts": df["ts"].map(lambda d: i18n.fmt_datetime(d, lang)),
        "method": df["method"].map(lambda m: _label_or_raw("enterprise.method", m, lang)),
        "volume": volume,
        "price": df["price_cny"].map(price),
        "prev_close": df["prev_close"].map(price),
        "deviation": df["deviation"].map(lambda v: i18n.fmt_pct(v, lang, signed=True)),
        "seller": df["seller"].fillna(df["seller_account"]).map(lambda v: label_words.party(v, lang)),
        "buyer": df["buyer"].fillna(df["buyer_account"]).map(lambda v: label_words.party(v, lang)),
    })
    return out.rename(columns={c: _with_unit(i18n.t(f"market.trade.{c}", lang), {"volume": unit}.get(c), lang)
                               for c in out.columns})


# --- the enterprise dossier -----------------------------------------------------------------------

def _dossier_headers(df: pd.DataFrame, lang: str, units: dict[str, str] | None = None) -> pd.DataFrame:
    """enterprise.col.<key> headers; `units`: key -> the unit of that column, named in its header."""
    units = units or {}
    return df.rename(columns={c: _with_unit(i18n.t(f"enterprise.col.{c}", lang), units.get(c), lang)
                              for c in df.columns})


def _with_unit(header: str, unit: str | None, lang: str) -> str:
    """'Volume (kt)' / '成交量（万吨）': a column whose rows are all in one unit names it once."""
    return header if unit is None else i18n.t("format.paren", lang, text=header, note=unit)


def _largest(df: pd.DataFrame, columns: list[str]) -> float:
    """The largest absolute value over `columns`: one unit for the related tonnes columns of a table."""
    values = df[columns].abs().max().max() if len(df) else 0.0
    return 0.0 if pd.isna(values) else float(values)


def unit_label(unit_id, enterprise_id: str, lang: str) -> str:
    """'U1' for '91...X-U1' (the enterprise is the page's subject); 'whole plant' for a hit without a unit."""
    if not isinstance(unit_id, str) or not unit_id:
        return i18n.t("enterprise.whole_plant", lang)
    return unit_id.removeprefix(f"{enterprise_id}-") or unit_id


def hit_period(period: str, lang: str) -> str:
    """A rule hit's period: a month (YYYY-MM) or a whole year (YYYY)."""
    if len(period) == 4:
        return i18n.t("format.year", lang, year=period)
    return i18n.fmt_period(period + "-01", lang)


def _yes_no(v, lang: str, missing_key: str | None = None) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return i18n.t(missing_key, lang) if missing_key else i18n.MISSING
    return i18n.t("enterprise.yes" if bool(v) else "enterprise.no", lang)


def _label_or_raw(prefix: str, v, lang: str) -> str:
    return i18n.MISSING if not isinstance(v, str) else i18n.label(prefix, v, lang)


def dossier_units(units: pd.DataFrame, enterprise_id: str, lang: str) -> pd.DataFrame:
    """dossiers.enterprise_units for display."""
    out = pd.DataFrame({
        "unit": [unit_label(u, enterprise_id, lang) for u in units["unit_id"]],
        "unit_class": units["unit_class"].map(lambda c: i18n.label("unit_class", c, lang)),
        "capacity_mw": units["capacity_mw"].map(lambda v: i18n.fmt_int(v, lang)),
        "capacity_band": units["capacity_band"],
        "commissioning_year": units["commissioning_year"].map(lambda y: i18n.MISSING if pd.isna(y) else str(int(y))),
        "cooling": units["cooling"].map(lambda c: _label_or_raw("enterprise.cooling", c, lang)),
        "chp": units["chp"].map(lambda v: _yes_no(v, lang)),
    })
    return _dossier_headers(out, lang)


def evidence_text(rule_id: str, evidence: str, lang: str) -> str:
    """A hit's evidence in words (the rule's own template); the raw values if the template cannot
    take them (an evidence value missing in an old run), never an error on screen."""
    try:
        return label_words.rule_explain(rule_id, evidence, lang)
    except (AttributeError, KeyError, TypeError, ValueError):
        values = json.loads(evidence) if isinstance(evidence, str) else {}
        return i18n.fmt_list((f"{k}: {v}" for k, v in values.items()), lang, "clause")


def dossier_hits(hits: pd.DataFrame, enterprise_id: str, lang: str) -> pd.DataFrame:
    """dossiers.enterprise_rule_hits for display: period, unit, rule id and title, severity, evidence in words."""
    out = pd.DataFrame({
        "period": hits["period"].map(lambda p: hit_period(p, lang)),
        "unit": [unit_label(u, enterprise_id, lang) for u in hits["unit_id"]],
        "rule": [f"{r} {label_words.rule_title(r, lang)}" if label_words.has_rule(r) else r for r in hits["rule_id"]],
        "severity": hits["severity"].map(lambda s: i18n.label("severity", s, lang)),
        "evidence": [evidence_text(r, e, lang) for r, e in zip(hits["rule_id"], hits["evidence"])],
    }, index=hits.index)
    return _dossier_headers(out, lang)


def dossier_explained(scores: pd.DataFrame, enterprise_id: str, lang: str, k: int = 5) -> pd.DataFrame:
    """The enterprise's `k` highest-scoring rows that carry a stored explanation, in words."""
    top = scores[scores["explanation"].notna()].sort_values("score", ascending=False).head(k)
    out = pd.DataFrame({
        "period": top["period"].map(lambda p: i18n.fmt_period(p, lang)),
        "unit": [unit_label(u, enterprise_id, lang) for u in top["unit_id"]],
        "score": top["score"].round(2),
        "percentile": (top["percentile"] * 100).round(3),
        "why": top["explanation"].map(lambda e: explanation(e, lang)),
    })
    return _dossier_headers(out, lang)


def dossier_explained_formats(lang: str) -> dict[str, str]:
    return {i18n.t("enterprise.col.score", lang): "%.2f", i18n.t("enterprise.col.percentile", lang): "%.3f%%"}


def dossier_verifications(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    largest = _largest(df, ["reported_t", "verified_t"])
    (reported, unit), (verified, _) = (i18n.fmt_tonnes_column(df[c], lang, largest=largest)
                                       for c in ("reported_t", "verified_t"))
    out = pd.DataFrame({
        "year": df["year"].astype(int).astype(str),
        "reported": reported,
        "verified": verified,
        "verifier": [n if isinstance(n, str) else i for n, i in zip(df["verifier_name"], df["verifier_id"])],
        "conclusion": df["conclusion"].map(lambda c: _label_or_raw("enterprise.conclusion", c, lang)),
        "verified_at": df["verified_at"].map(lambda d: i18n.fmt_date(d, lang)),
    })
    return _dossier_headers(out, lang, {"reported": unit, "verified": unit})


def _surrender_status(on_time, due, lang: str, today) -> str:
    """Yes / No, or for a year not surrendered: 'due by 31 Dec 2026' while its deadline has not
    passed (Beijing date), 'not surrendered' after it."""
    if not (on_time is None or on_time is pd.NA or (isinstance(on_time, float) and pd.isna(on_time))):
        return _yes_no(on_time, lang)
    if due is not None and not pd.isna(due) and pd.Timestamp(due).date() >= today:
        return i18n.t("enterprise.due_by", lang, date=i18n.fmt_date(due, lang))
    return i18n.t("enterprise.not_surrendered", lang)


def dossier_allowances(df: pd.DataFrame, lang: str, today=None) -> pd.DataFrame:
    """The allowance position per year; `today` (default: now, Beijing) decides whether a year not
    surrendered is still due or late."""
    today = today or clock.now().date()
    tonnes = ["allocated_t", "verified_t", "surrendered_t", "position_t"]
    largest = _largest(df, tonnes)
    cols = {c: i18n.fmt_tonnes_column(df[c], lang, signed=c == "position_t", largest=largest) for c in tonnes}
    unit = cols["allocated_t"][1]
    out = pd.DataFrame({
        "year": df["year"].astype(int).astype(str),
        "allocated": cols["allocated_t"][0],
        "verified": cols["verified_t"][0],
        "surrendered": cols["surrendered_t"][0],
        "position": cols["position_t"][0],
        "due_date": df["due_date"].map(lambda d: i18n.fmt_date(d, lang)),
        "surrendered_at": df["surrendered_at"].map(lambda d: i18n.fmt_date(d, lang)),
        "on_time": [_surrender_status(v, d, lang, today) for v, d in zip(df["on_time"], df["due_date"])],
    })
    return _dossier_headers(out, lang, dict.fromkeys(("allocated", "verified", "surrendered", "position"), unit))


def dossier_trades(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    (volume, volume_unit), (amount, amount_unit) = (i18n.fmt_tonnes_column(df["volume_t"], lang),
                                                    i18n.fmt_cny_column(df["amount_cny"], lang))
    out = pd.DataFrame({
        "trade_id": df["trade_id"],
        "ts": df["ts"].map(lambda d: i18n.fmt_datetime(d, lang)),
        "method": df["method"].map(lambda m: _label_or_raw("enterprise.method", m, lang)),
        "side": df["side"].map(lambda s: i18n.t(f"enterprise.side.{s}", lang)),
        "counterparty": [n if isinstance(n, str) else a if isinstance(a, str)
                         else i18n.t("scope.outside_account", lang)
                         for n, a in zip(df["counterparty"], df["counterparty_account"])],
        "volume": volume,
        "price": df["price_cny"].map(lambda v: i18n.t("enterprise.price", lang, value=f"{v:,.2f}")),
        "amount": amount,
    })
    return _dossier_headers(out, lang, {"volume": volume_unit, "amount": amount_unit})


def shared_test_dates(timeline: pd.DataFrame, lang: str, shown: int = 3) -> str | None:
    """'12 months tested on 22 Jan 2020; …' for test dates that several reported months share
    (largest first), or None when every month has its own."""
    tests = timeline[(timeline["kind"] == "test") & (timeline["months_same_date"] > 1)]
    shared = (tests.drop_duplicates("date").sort_values(["months_same_date", "date"], ascending=[False, True])
              .head(shown))
    if shared.empty:
        return None
    items = [i18n.t("enterprise.timeline.shared_item", lang, n=int(r.months_same_date),
                    date=i18n.fmt_date(r.date, lang)) for r in shared.itertuples()]
    return i18n.t("enterprise.timeline.shared", lang, items=i18n.fmt_list(items, lang, "clause"))


def dossier_widths(lang: str, **widths: str) -> dict:
    """Column config of the dossier's text columns (enterprise.col.<key>=width): the evidence gets
    the room, short codes little."""
    return {i18n.t(f"enterprise.col.{k}", lang): st.column_config.TextColumn(width=w) for k, w in widths.items()}


def risk_years(years: pd.DataFrame, lang: str) -> str:
    """dossiers.enterprise_risk_years rows in words, by year: '2021 3.7 (Low), 2022 7.2 (Low)'."""
    return i18n.fmt_list((i18n.t("format.paren", lang, text=f"{int(r.year)} {r.risk_score:.1f}",
                                 note=i18n.t(f"band.{r.band}", lang)) for r in years.sort_values("year").itertuples()),
                         lang, "comma")


# --- the audit log ----------------------------------------------------------------------------------

def _audit_detail(text) -> str:
    """An entry's detail JSON in one line of `key: value` pairs."""
    if not isinstance(text, str) or not text:
        return ""
    try:
        d = json.loads(text)
    except ValueError:
        return text
    return "; ".join(f"{k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v}"
                     for k, v in d.items()) if isinstance(d, dict) else str(d)


def audit_entries(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.store.audit.entries for reading: time (Beijing), user, role, how signed in, action,
    target, scope, outcome, details, before and after."""
    c = lambda k: i18n.t(f"audit.col.{k}", lang)  # noqa: E731
    role = lambda r: i18n.t(f"role.{r}", lang) if f"role.{r}" in i18n.STRINGS else r  # noqa: E731
    return pd.DataFrame({
        c("seq"): df["seq"].astype(int),
        c("at"): df["logged_at"].map(lambda v: i18n.fmt_datetime(v, lang)),
        c("user"): df["user_name"], c("role"): df["role"].map(role),
        c("source"): df["source"].map(lambda s: i18n.t(f"auth.source.{s}", lang)),
        c("action"): df["action"].map(lambda a: i18n.t(f"audit.action.{a}", lang)),
        c("target"): df["target"], c("scope"): df["scope"],
        c("outcome"): df["outcome"].map(lambda o: i18n.t(f"audit.outcome.{o}", lang)),
        c("detail"): df["detail"].map(_audit_detail),
        c("before"): df["before"].map(_audit_detail), c("after"): df["after"].map(_audit_detail),
    })


def audit_columns(lang: str) -> dict:
    text = st.column_config.TextColumn
    c = lambda k: i18n.t(f"audit.col.{k}", lang)  # noqa: E731
    return {c("seq"): st.column_config.NumberColumn(format="%d", width=56), c("at"): text(width=170),
            c("user"): text(width=140, pinned=True), c("action"): text(width=120), c("target"): text(width=220),
            c("detail"): text(width="large")}


def accounts(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.store.accounts.users for reading (never a hash): name, role, provinces, created, by, state."""
    c = lambda k: i18n.t(f"audit.col.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("user"): df["name"], c("role"): df["role"].map(lambda r: i18n.t(f"role.{r}", lang)),
        c("provinces"): df["provinces"].map(lambda p: p or i18n.t("audit.all_provinces", lang)),
        c("at"): df["created_at"].map(lambda v: i18n.fmt_datetime(v, lang)), c("by"): df["created_by"],
        c("state"): df["disabled"].map(lambda d: i18n.t("audit.disabled" if d else "audit.enabled", lang)),
    })


# --- the Overview's accountability section ----------------------------------------------------------

def _accountability_units(df: pd.DataFrame, lang: str) -> tuple[tuple[float, str], tuple[float, str]]:
    """(divisor, unit) of the fines column (万元 / CNY m) and of the allowance adjustments (by the
    largest adjustment either way)."""
    largest = df["allowance_adjustment_t"].abs().max() if len(df) else None
    return i18n.cny_column_unit(lang), i18n.tonnes_column_unit(float(largest) if pd.notna(largest) else 0.0, lang)


def _acc_col(key: str, lang: str, **kw) -> str:
    return i18n.t(f"accountability.col.{key}", lang, **kw)


def accountability(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """core.store.cases.accountability as a display table, a row per province in the query's order
    (most open cases first; a row click opens the province's cases): numbers stay numbers (they sort),
    fines and allowance adjustments in one unit per column, named in the header."""
    (c_div, c_unit), (t_div, t_unit) = _accountability_units(df, lang)
    return pd.DataFrame({
        _acc_col("province", lang): df[f"name_{lang}"].fillna(i18n.t("case.national_office", lang)),
        **{_acc_col(k, lang): df[k].astype(int) for k in ("cases", "open", "overdue", "confirmed", "dismissed")},
        _acc_col("median_days", lang): df["median_days_to_decision"].astype(float),
        _acc_col("rectification_share", lang): (df["rectification_share"].astype(float) * 100).round(1),
        _acc_col("fines", lang, unit=c_unit): (df["fines_cny"].astype(float) / c_div).round(2),
        _acc_col("allowance", lang, unit=t_unit): (df["allowance_adjustment_t"].astype(float) / t_div).round(2),
        _acc_col("agencies_open", lang): df["agencies_open"].astype(int),
    }).reset_index(drop=True)


def accountability_columns(df: pd.DataFrame, lang: str) -> dict:
    """Formats and widths of accountability(df, lang): days to one decimal, the completed share of
    rectifications as a bar (empty where none was ordered: a number column would print "None"), and
    the full name of a figure whose header is short as its help."""
    (_, c_unit), (_, t_unit) = _accountability_units(df, lang)
    num = st.column_config.NumberColumn
    full = lambda k: i18n.t(f"accountability.metric.{k}", lang)  # noqa: E731
    return {_acc_col("province", lang): st.column_config.TextColumn(width=104),
            _acc_col("median_days", lang): num(format="%.1f", help=full("median_days")),
            _acc_col("rectification_share", lang): st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100, color="blue", width=96,
                help=full("rectification_share")),
            _acc_col("fines", lang, unit=c_unit): num(format="%,.2f"),
            _acc_col("allowance", lang, unit=t_unit): num(format="%,.2f"),
            _acc_col("agencies_open", lang): num(format="%,d", help=full("agencies_open"))}
