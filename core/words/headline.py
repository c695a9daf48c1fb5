"""The leadership view in words: headline values, their change, the main reason and the
two-sentence summary written from the figures of core.insight.headline."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.insight import agencies as agency_insight
from core.insight.headline import FLAGGED_BANDS, figures, flagged_by_year, top_rule, value_in
from core.words import agencies as agency_words
from core.words import i18n
from core.words import labels as label_words
from core.words import reasons as reason_words


def headline(years: pd.DataFrame, risk_years: pd.DataFrame, measured: pd.DataFrame, deposits: pd.DataFrame,
             market: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The six headline figures of core.insight.headline.figures with their labels: label, value,
    previous, kind, note (what is compared). A partial year names its months ("Emissions 2025
    (Jun–Dec)", "vs 2024 (Jun–Dec)"); with nothing comparable in the data the note says so."""
    out = []
    for r in figures(years, risk_years, measured, deposits, market).itertuples():
        if r.kind == "price":
            label = i18n.t(r.key, lang, month=i18n.fmt_period(r.when, lang) if r.when is not None else "—")
            note = i18n.t("headline.vs_month", lang, month=i18n.fmt_period(r.before, lang) if r.before is not None else "—")
        else:
            label = i18n.t(r.key, lang, period=i18n.fmt_year_period(r.when, lang, r.months, r.first_month,
                                                                    r.last_month))
            note = _vs_year(r, lang)
        out.append((label, r.value, r.previous, r.kind, note))
    return pd.DataFrame(out, columns=["label", "value", "previous", "kind", "note"])


def _vs_year(r, lang: str) -> str:
    """"vs 2024", "vs 2024 (Jun–Dec)" for the same months a year earlier, or that there is nothing
    comparable."""
    if r.before is None:
        return i18n.t("headline.no_comparison", lang)
    if not r.same_months:
        return i18n.t("headline.vs_year", lang, period=i18n.fmt_year_period(r.before, lang))
    earlier = [pd.Timestamp(m) - pd.DateOffset(years=1) for m in (r.first_month, r.last_month)]
    return i18n.t("headline.vs_year", lang, period=i18n.fmt_year_period(r.before, lang, r.months, *earlier))


def fmt_value(v, kind: str, lang: str) -> str:
    """A headline value as the reader reads it."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return i18n.MISSING
    return {"int": lambda: i18n.fmt_int(v, lang), "tonnes": lambda: i18n.fmt_tonnes(v, lang),
            "pct": lambda: i18n.fmt_pct(v, lang), "cny": lambda: i18n.fmt_cny(v, lang),
            "price": lambda: i18n.t("unit.price", lang, value=f"{v:,.2f}")}[kind]()


def change(value, previous, kind: str) -> float | None:
    """The change against the previous period as it is shown: points for shares, the difference
    for counts, per cent for amounts; None when there is nothing to compare."""
    if any(x is None or (isinstance(x, float) and np.isnan(x)) for x in (value, previous)):
        return None
    if kind == "pct":
        return (value - previous) * 100
    if kind == "int":
        return value - previous
    return None if previous == 0 else (value / previous - 1) * 100


def fmt_change(value, previous, kind: str, lang: str) -> str | None:
    """The change against the previous period: relative for amounts, in points for shares,
    absolute for counts; None when there is nothing to compare."""
    c = change(value, previous, kind)
    if c is None:
        return None
    if kind == "pct":
        return i18n.t("unit.points", lang, value=i18n.fmt_signed(c))
    if kind == "int":
        return i18n.fmt_signed(c, 0)
    return i18n.fmt_pct(c / 100, lang, signed=True)


def change_arrow(value, previous, kind: str) -> str:
    """st.metric's delta_arrow for the change as shown: up, down, or off for none (0.0 pts)."""
    return i18n.direction(change(value, previous, kind), 0 if kind == "int" else 1)


def main_reason(reasons, lang: str) -> str:
    """The first reason of an enterprise's risk, in words."""
    if reasons is None or (isinstance(reasons, float) and np.isnan(reasons)):
        return i18n.MISSING
    return reason_words.describe_reasons(reasons, lang, k=1)


def _named_count(name: str, n, lang: str) -> str:
    return i18n.t("format.paren", lang, text=name, note=i18n.fmt_int(n, lang))


def overview_summary(enterprises: pd.DataFrame, provinces: pd.DataFrame, agency_summary: pd.DataFrame,
                     agency_patterns: pd.DataFrame, risk_years: pd.DataFrame, *, year: int | None, lang: str) -> str:
    """summary() from the Overview's named queries (what Page.derive hands over), the intermediaries
    ranked by core.insight.agencies.leading."""
    return summary(enterprises, provinces, agency_insight.leading_from_summary(agency_summary, agency_patterns),
                   risk_years, year, lang)


def summary(enterprises: pd.DataFrame, provinces: pd.DataFrame, agencies: pd.DataFrame,
            risk_years: pd.DataFrame, year: int | None, lang: str) -> str:
    """Two sentences written from the data: how many enterprises are flagged and where, and
    the commonest reason and the intermediary first in core.insight.agencies.leading (`agencies`)."""
    name_col = f"name_{lang}"
    if enterprises.empty or enterprises["band"].isna().all():
        return i18n.t("summary.none", lang)
    flagged = enterprises[enterprises["band"].isin(FLAGGED_BANDS)]
    n, total = len(flagged), len(enterprises)
    by_year = flagged_by_year(risk_years)
    this, before = value_in(by_year, year, "flagged"), value_in(by_year, year, "flagged_before")
    top = provinces[provinces["flagged"] > 0].sort_values(["flagged", "max_risk"], ascending=False).head(3)
    first = i18n.t("summary.flagged", lang, n=i18n.fmt_int(n, lang), total=i18n.fmt_int(total, lang),
                   share=i18n.fmt_pct(n / total if total else 0, lang),
                   where=i18n.fmt_list((_named_count(r[name_col], r["flagged"], lang) for _, r in top.iterrows()), lang)
                   or i18n.MISSING)
    if year is not None and not np.isnan(this) and not np.isnan(before):
        first += i18n.t("summary.trend", lang, year=year, this=i18n.fmt_int(this, lang),
                        before=i18n.fmt_int(before, lang), prev=year - 1)
    first = i18n.t("format.sentence", lang, text=first)
    rule = top_rule(enterprises)
    second = i18n.t("summary.reason", lang, rule=f"{rule} {label_words.rule_title(rule, lang)}") if rule else ""
    if len(agencies):  # core.insight.agencies.leading: the one ranking of intermediaries
        a = agencies.iloc[0]
        second += (i18n.t("sep.clause", lang) if second else "") + i18n.t(
            "summary.agency", lang, kind=i18n.t(f"agency.{a['kind']}", lang), name=a["name"] or a["agency_id"],
            score=i18n.fmt_in_unit(a["score"], 1, lang, digits=1),
            k=i18n.fmt_int(a["flagged_clients"], lang), clients=i18n.fmt_int(a["clients"], lang),
            share=i18n.fmt_pct(a["flagged_share"], lang), base=i18n.fmt_pct(a["base_rate"], lang),
            signals=agency_words.explain(a, lang))
    if second:  # a capital to start the sentence (a no-op on Chinese characters)
        second = i18n.t("format.sentence", lang, text=second[0].upper() + second[1:])
    return i18n.t("format.sentences", lang, first=first, second=second).strip()
