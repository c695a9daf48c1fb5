"""What the leadership view says: the headline figures with their change, and the summary.

Pure functions of the page-query frames (core.store), so the Overview, the exported
briefing (core.export.briefing) and the tests all compute and word each figure the same way.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.engine import risk
from core.store import overview

FLAGGED_BANDS = ("critical", "high")


def flagged_by_year(risk_years: pd.DataFrame) -> pd.DataFrame:
    """year, flagged (critical + high), critical, assessed: from risk_views.risk_by_year."""
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
    latest, _ = overview.latest_complete(years)
    if latest is not None:
        return int(latest["year"])
    return int(years["year"].max()) if len(years) else None


def value_in(frame: pd.DataFrame, year: int | None, column: str):
    """`column` of `frame` in `year` as a float; NaN when there is no such year or value."""
    if year is None or frame.empty:
        return np.nan
    v = overview.in_year(frame, year, column)
    return np.nan if v is None else float(v)


def figures(years: pd.DataFrame, risk_years: pd.DataFrame, measured: pd.DataFrame, deposits: pd.DataFrame,
            market: pd.DataFrame) -> pd.DataFrame:
    """The six headline figures: key (of the label), value, previous, kind, and what is compared
    (`when`, `before`: years, or months for the price). Risk, emissions, measured share and
    on-time deposits compare the headline year with the year before; the carbon price compares
    the last month with the month before."""
    y = headline_year(years)
    flagged = flagged_by_year(risk_years)
    prev = None if y is None else y - 1
    rows = [
        ("headline.flagged", value_in(flagged, y, "flagged"), value_in(flagged, prev, "flagged"), "int"),
        ("headline.critical", value_in(flagged, y, "critical"), value_in(flagged, prev, "critical"), "int"),
        ("headline.emissions", value_in(years, y, "computed_t"), value_in(years, prev, "computed_t"), "tonnes"),
        ("headline.measured", value_in(measured, y, "share"), value_in(measured, prev, "share"), "pct"),
        ("headline.on_time", value_in(deposits, y, "share"), value_in(deposits, prev, "share"), "pct"),
    ]
    out = [(k, v, p, kind, y, prev) for k, v, p, kind in rows]
    m = market.dropna(subset=["vwap_cny"]) if len(market) else market
    last = m.iloc[-1] if len(m) else None
    before = m.iloc[-2] if len(m) > 1 else None
    out.append(("headline.price", float(last["vwap_cny"]) if last is not None else np.nan,
                float(before["vwap_cny"]) if before is not None else np.nan, "price",
                last["month"] if last is not None else None, before["month"] if before is not None else None))
    frame = pd.DataFrame([r[:4] for r in out], columns=["key", "value", "previous", "kind"])
    # years or months as they are (an int, a timestamp or None), never coerced to float
    frame["when"] = pd.Series([r[4] for r in out], dtype=object)
    frame["before"] = pd.Series([r[5] for r in out], dtype=object)
    return frame


def top_rule(enterprises: pd.DataFrame) -> str | None:
    """The rule that fired for the most flagged enterprises (their worst year)."""
    flagged = enterprises[enterprises["band"].isin(FLAGGED_BANDS)]
    counts: dict[str, int] = {}
    for r in flagged["reasons"].dropna():
        for rule_id in json.loads(r).get("rules", [])[:1]:
            counts[rule_id] = counts.get(rule_id, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


