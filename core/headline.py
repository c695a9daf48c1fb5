"""What the leadership view says: the headline figures with their change, and the summary.

Pure functions of the page-query frames (core.queries), so the Overview, the exported
briefing (core.briefing) and the tests all compute and word each figure the same way.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core import i18n, queries, risk
from core.rules import RULES

FLAGGED_BANDS = ("critical", "high")


def flagged_by_year(risk_years: pd.DataFrame) -> pd.DataFrame:
    """year, flagged (critical + high), critical, assessed: from queries.risk_by_year."""
    if risk_years.empty:
        return pd.DataFrame({"year": pd.Series(dtype=int), "flagged": pd.Series(dtype=int),
                             "critical": pd.Series(dtype=int), "assessed": pd.Series(dtype=int)})
    wide = risk_years.pivot_table(index="year", columns="band", values="enterprises", aggfunc="sum", fill_value=0)
    for b, _ in risk.BANDS:
        if b not in wide:
            wide[b] = 0
    out = pd.DataFrame({"flagged": wide[list(FLAGGED_BANDS)].sum(axis=1), "critical": wide["critical"],
                        "assessed": wide.sum(axis=1)})
    return out.reset_index().astype(int)


def headline_year(years: pd.DataFrame) -> int | None:
    """The year the headline compares: the latest with all 12 months, else the latest."""
    latest, _ = queries.latest_complete(years)
    if latest is not None:
        return int(latest["year"])
    return int(years["year"].max()) if len(years) else None


def _at(frame: pd.DataFrame, year: int | None, column: str):
    if year is None or frame.empty:
        return np.nan
    v = queries.in_year(frame, year, column)
    return np.nan if v is None else float(v)


def headline(years: pd.DataFrame, risk_years: pd.DataFrame, measured: pd.DataFrame, deposits: pd.DataFrame,
             market: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The six headline figures: label, value, previous, kind, note (what is compared).
    Risk, emissions, measured share and on-time deposits compare the headline year with the
    year before; the carbon price compares the last month with the month before."""
    y = headline_year(years)
    flagged = flagged_by_year(risk_years)
    prev = None if y is None else y - 1
    rows = [
        ("headline.flagged", _at(flagged, y, "flagged"), _at(flagged, prev, "flagged"), "int"),
        ("headline.critical", _at(flagged, y, "critical"), _at(flagged, prev, "critical"), "int"),
        ("headline.emissions", _at(years, y, "computed_t"), _at(years, prev, "computed_t"), "tonnes"),
        ("headline.measured", _at(measured, y, "share"), _at(measured, prev, "share"), "pct"),
        ("headline.on_time", _at(deposits, y, "share"), _at(deposits, prev, "share"), "pct"),
    ]
    out = [(i18n.t(k, lang, year=y if y is not None else "—"), v, p, kind,
            i18n.t("headline.vs_year", lang, year=prev if prev is not None else "—")) for k, v, p, kind in rows]
    m = market.dropna(subset=["vwap_cny"]) if len(market) else market
    last = m.iloc[-1] if len(m) else None
    before = m.iloc[-2] if len(m) > 1 else None
    out.append((i18n.t("headline.price", lang, month=i18n.fmt_period(last["month"], lang) if last is not None else "—"),
                float(last["vwap_cny"]) if last is not None else np.nan,
                float(before["vwap_cny"]) if before is not None else np.nan, "price",
                i18n.t("headline.vs_month", lang,
                       month=i18n.fmt_period(before["month"], lang) if before is not None else "—")))
    return pd.DataFrame(out, columns=["label", "value", "previous", "kind", "note"])


def fmt_value(v, kind: str, lang: str) -> str:
    """A headline value as the reader reads it."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return i18n.MISSING
    return {"int": lambda: i18n.fmt_int(v, lang), "tonnes": lambda: i18n.fmt_tonnes(v, lang),
            "pct": lambda: i18n.fmt_pct(v, lang), "cny": lambda: i18n.fmt_cny(v, lang),
            "price": lambda: i18n.t("unit.price", lang, value=f"{v:,.2f}")}[kind]()


def fmt_change(value, previous, kind: str, lang: str) -> str | None:
    """The change against the previous period: relative for amounts, in points for shares,
    absolute for counts; None when there is nothing to compare."""
    if any(x is None or (isinstance(x, float) and np.isnan(x)) for x in (value, previous)):
        return None
    if kind == "pct":
        return i18n.t("unit.points", lang, value=i18n.fmt_signed((value - previous) * 100))
    if kind == "int":
        return i18n.fmt_signed(value - previous, 0)
    if previous == 0:
        return None
    return i18n.fmt_pct(value / previous - 1, lang, signed=True)


def main_reason(reasons, lang: str) -> str:
    """The first reason of an enterprise's risk, in words."""
    if reasons is None or (isinstance(reasons, float) and np.isnan(reasons)):
        return i18n.MISSING
    return risk.describe_reasons(reasons, lang, k=1)


def top_rule(enterprises: pd.DataFrame) -> str | None:
    """The rule that fired for the most flagged enterprises (their worst year)."""
    flagged = enterprises[enterprises["band"].isin(FLAGGED_BANDS)]
    counts: dict[str, int] = {}
    for r in flagged["reasons"].dropna():
        for rule_id in json.loads(r).get("rules", [])[:1]:
            counts[rule_id] = counts.get(rule_id, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


def _named_count(name: str, n, lang: str) -> str:
    return f"{name}（{i18n.fmt_int(n, lang)}）" if lang == "zh" else f"{name} ({i18n.fmt_int(n, lang)})"


def summary(enterprises: pd.DataFrame, provinces: pd.DataFrame, agencies: pd.DataFrame,
            risk_years: pd.DataFrame, year: int | None, lang: str) -> str:
    """Two sentences written from the data: how many enterprises are flagged and where, and
    the commonest reason and the intermediary with the most flagged clients."""
    zh = lang == "zh"
    name_col = "name_zh" if zh else "name_en"
    if enterprises.empty or enterprises["band"].isna().all():
        return i18n.t("summary.none", lang)
    flagged = enterprises[enterprises["band"].isin(FLAGGED_BANDS)]
    n, total = len(flagged), len(enterprises)
    by_year = flagged_by_year(risk_years)
    this, before = _at(by_year, year, "flagged"), _at(by_year, None if year is None else year - 1, "flagged")
    top = provinces[provinces["flagged"] > 0].sort_values(["flagged", "max_risk"], ascending=False).head(3)
    sep = "、" if zh else ", "
    first = i18n.t("summary.flagged", lang, n=i18n.fmt_int(n, lang), total=i18n.fmt_int(total, lang),
                   share=i18n.fmt_pct(n / total if total else 0, lang),
                   where=sep.join(_named_count(r[name_col], r["flagged"], lang) for _, r in top.iterrows())
                   or i18n.MISSING)
    if year is not None and not np.isnan(this) and not np.isnan(before):
        first += i18n.t("summary.trend", lang, year=year, this=i18n.fmt_int(this, lang),
                        before=i18n.fmt_int(before, lang), prev=year - 1)
    first += "。" if zh else "."
    rule = top_rule(enterprises)
    second = i18n.t("summary.reason", lang, rule=f"{rule} {RULES[rule].title(lang)}") if rule else ""
    worst = agencies[agencies["flagged_clients"] > 0].head(1)
    if len(worst):
        a = worst.iloc[0]
        second += (("；" if zh else "; ") if second else "") + i18n.t(
            "summary.agency", lang, kind=i18n.t(f"agency.{a['kind']}", lang), name=a["name"] or a["agency_id"],
            k=i18n.fmt_int(a["flagged_clients"], lang), clients=i18n.fmt_int(a["clients"], lang),
            share=i18n.fmt_pct(a["flagged_share"], lang), base=i18n.fmt_pct(a["base_rate"], lang))
    if second:
        second = second[0].upper() + second[1:] if not zh else second
        second += "。" if zh else "."
    return f"{first} {second}".strip() if not zh else first + second

