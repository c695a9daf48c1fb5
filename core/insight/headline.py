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


MONTHS_IN_YEAR = 12


def is_partial(months) -> bool:
    """A year with some but not all of its months reported (a period filter, or the data's last year)."""
    return months is not None and not pd.isna(months) and 0 < int(months) < MONTHS_IN_YEAR


def _band_counts(risk_years: pd.DataFrame, column: str) -> pd.DataFrame:
    wide = risk_years.pivot_table(index="year", columns="band", values=column, aggfunc="sum", fill_value=0)
    for b, _ in risk.BANDS:
        if b not in wide:
            wide[b] = 0
    return wide


def flagged_by_year(risk_years: pd.DataFrame) -> pd.DataFrame:
    """year, flagged (critical + high), critical, assessed, flagged_before and critical_before (the
    year before; NaN when it has no scores), months, first_month, last_month (what the year's scores
    rest on): from risk_views.risk_by_year."""
    if risk_years.empty:
        return pd.DataFrame({"year": pd.Series(dtype=int), "flagged": pd.Series(dtype=int),
                             "critical": pd.Series(dtype=int), "assessed": pd.Series(dtype=int),
                             "flagged_before": pd.Series(dtype=float), "critical_before": pd.Series(dtype=float),
                             "months": pd.Series(dtype=int), "first_month": pd.Series(dtype="datetime64[us]"),
                             "last_month": pd.Series(dtype="datetime64[us]")})
    wide = _band_counts(risk_years, "enterprises")
    out = pd.DataFrame({"flagged": wide[list(FLAGGED_BANDS)].sum(axis=1), "critical": wide["critical"],
                        "assessed": wide.sum(axis=1)}).astype(int)
    if "enterprises_before" in risk_years:
        before = _band_counts(risk_years.fillna({"enterprises_before": 0}), "enterprises_before")
        scored = risk_years.groupby("year")["enterprises_before"].apply(lambda s: s.notna().any())
        out["flagged_before"] = before[list(FLAGGED_BANDS)].sum(axis=1).where(scored).astype(float)
        out["critical_before"] = before["critical"].where(scored).astype(float)
    else:  # a frame without the comparison (hand-built): the year before, when it is there
        prev = out.reindex(out.index - 1).set_axis(out.index)
        out["flagged_before"], out["critical_before"] = prev["flagged"].astype(float), prev["critical"].astype(float)
    if {"months", "first_month", "last_month"} <= set(risk_years.columns):
        cover = risk_years.groupby("year")[["months", "first_month", "last_month"]].first()
        out = out.join(cover)
    return out.reset_index()


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


def coverage(frame: pd.DataFrame, year: int | None) -> tuple[int | None, pd.Timestamp | None, pd.Timestamp | None]:
    """(months, first_month, last_month) of `year` in a yearly frame that says (None when it does not)."""
    if year is None or frame.empty or "months" not in frame:
        return None, None, None
    row = frame[frame["year"] == year]
    if row.empty or pd.isna(row["months"].iloc[0]):
        return None, None, None
    r = row.iloc[0]
    return int(r["months"]), r.get("first_month"), r.get("last_month")


def _before(frame: pd.DataFrame, year: int | None, column: str, before_column: str) -> float:
    """The same months one year earlier (`before_column`), when the data holds all of them (the
    store's months_before equals the view's months); a frame without the comparison (hand-built)
    falls back to the year before's `column`."""
    if year is None or frame.empty:
        return np.nan
    if before_column not in frame:
        return value_in(frame, year - 1, column)
    row = frame[frame["year"] == year]
    if row.empty:
        return np.nan
    r = row.iloc[0]
    if "months_before" in frame and (pd.isna(r["months_before"]) or int(r["months_before"]) != int(r["months"])):
        return np.nan
    return np.nan if pd.isna(r[before_column]) else float(r[before_column])


def figures(years: pd.DataFrame, risk_years: pd.DataFrame, measured: pd.DataFrame, deposits: pd.DataFrame,
            market: pd.DataFrame) -> pd.DataFrame:
    """The six headline figures: key (of the label), value, previous, kind, and what is compared
    (`when`, `before`: years, or months for the price; `before` is None when nothing comparable is
    in the data). Emissions, measured share and on-time deposits compare the headline year's months
    in view with the same months a year earlier, from the data whatever the period filter (a view
    from June 2025 compares June-December with June-December 2024); the risk counts, whose scores
    are yearly, compare the year with the year before; the carbon price the last month with the
    month before. `months`, `first_month`, `last_month`: what the year covers, so a partial year
    can be named (None for the price); `same_months`: the comparison is of those months only."""
    y = headline_year(years)
    flagged = flagged_by_year(risk_years)
    rows = [
        ("headline.flagged", value_in(flagged, y, "flagged"), _before(flagged, y, "flagged", "flagged_before"),
         "int", flagged),
        ("headline.critical", value_in(flagged, y, "critical"), _before(flagged, y, "critical", "critical_before"),
         "int", flagged),
        ("headline.emissions", value_in(years, y, "computed_t"), _before(years, y, "computed_t", "computed_t_before"),
         "tonnes", years),
        ("headline.measured", value_in(measured, y, "share"), _before(measured, y, "share", "share_before"),
         "pct", measured),
        ("headline.on_time", value_in(deposits, y, "share"), _before(deposits, y, "share", "share_before"),
         "pct", deposits),
    ]
    out = []
    for key, v, p, kind, frame in rows:
        months, first, last = coverage(frame, y)
        same = is_partial(months) and frame is not flagged  # reports: the same months; risk: the whole year
        out.append((key, v, p, kind, y, None if np.isnan(p) else y - 1, months, first, last, same))
    m = market.dropna(subset=["vwap_cny"]) if len(market) else market
    last = m.iloc[-1] if len(m) else None
    before = m.iloc[-2] if len(m) > 1 else None
    out.append(("headline.price", float(last["vwap_cny"]) if last is not None else np.nan,
                float(before["vwap_cny"]) if before is not None else np.nan, "price",
                last["month"] if last is not None else None, before["month"] if before is not None else None,
                None, None, None, False))
    frame = pd.DataFrame([r[:4] for r in out], columns=["key", "value", "previous", "kind"])
    # years, months and dates as they are (an int, a timestamp or None), never coerced to float
    for i, col in enumerate(("when", "before", "months", "first_month", "last_month", "same_months"), start=4):
        frame[col] = pd.Series([r[i] for r in out], dtype=object)
    return frame


def top_rule(enterprises: pd.DataFrame) -> str | None:
    """The rule that fired for the most flagged enterprises (their worst year)."""
    flagged = enterprises[enterprises["band"].isin(FLAGGED_BANDS)]
    counts: dict[str, int] = {}
    for r in flagged["reasons"].dropna():
        for rule_id in json.loads(r).get("rules", [])[:1]:
            counts[rule_id] = counts.get(rule_id, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


