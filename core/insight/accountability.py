"""The accountability picture in figures: how the cases of a view are handled, for the leadership.

Pure functions of two page-query frames of core.store.cases: `accountability` (one row per
province of the view) and `decision_days` (one row per decided case), so that the Overview, the
exported briefing and the tests compute each figure the same way. The national median of the
days to a decision is taken over the decided cases themselves, never over the provinces' medians
(a province with two cases would weigh as much as one with two hundred).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# A province takes part in the ranking of handling speed from this many decided cases: below it a
# median says more about one case than about the office.
MIN_DECIDED = 3


@dataclass(frozen=True)
class Speed:
    """One province in the ranking of handling speed (1 = fastest median days to a decision)."""
    province_code: str
    median_days: float
    decided: int
    rank: int


@dataclass(frozen=True)
class Figures:
    """The headline figures of the cases in a view."""
    cases: int
    open: int
    overdue: int
    confirmed: int
    dismissed: int
    decided: int
    median_days: float | None          # over every decided case of the view; None without one
    rectifications_ordered: int
    rectifications_done: int
    rectification_share: float | None  # done / ordered; None when none was ordered
    fines_cny: float
    allowance_adjustment_t: float
    agencies_open: int                 # intermediaries under investigation (an open case on them)
    ranking: tuple[Speed, ...] = ()    # provinces with at least MIN_DECIDED decided cases, fastest first

    @property
    def fastest(self) -> Speed | None:
        """The fastest province, when there are at least two to compare."""
        return self.ranking[0] if len(self.ranking) >= 2 else None

    @property
    def slowest(self) -> Speed | None:
        """The slowest province, when there are at least two to compare."""
        return self.ranking[-1] if len(self.ranking) >= 2 else None


def _total(df: pd.DataFrame, column: str) -> float:
    return float(df[column].fillna(0).sum()) if len(df) else 0.0


def speed_ranking(decision_days: pd.DataFrame, min_decided: int = MIN_DECIDED) -> tuple[Speed, ...]:
    """The provinces with at least `min_decided` decided cases by their median days to a decision,
    fastest first (ties share a rank and are listed by province code)."""
    if decision_days.empty:
        return ()
    per = decision_days.groupby("province_code")["days"].agg(["median", "count"]).reset_index()
    per = per[per["count"] >= min_decided].sort_values(["median", "province_code"])
    ranks = per["median"].rank(method="min").astype(int)
    return tuple(Speed(str(r.province_code), float(r.median), int(r.count), int(rank))
                 for r, rank in zip(per.itertuples(index=False), ranks))


def figures(per_province: pd.DataFrame, decision_days: pd.DataFrame) -> Figures:
    """The view's totals from core.store.cases.accountability (`per_province`) and
    core.store.cases.decision_days: open, overdue, confirmed, dismissed, the median days to a
    decision over all decided cases, the completed share of ordered rectifications, fines, allowance
    adjustments, intermediaries under investigation, and the ranking of handling speed."""
    p = per_province
    ordered, done = int(_total(p, "rectifications_ordered")), int(_total(p, "rectifications_done"))
    days = decision_days["days"].dropna() if len(decision_days) else pd.Series(dtype=float)
    return Figures(
        cases=int(_total(p, "cases")), open=int(_total(p, "open")), overdue=int(_total(p, "overdue")),
        confirmed=int(_total(p, "confirmed")), dismissed=int(_total(p, "dismissed")), decided=len(days),
        median_days=float(days.median()) if len(days) else None,
        rectifications_ordered=ordered, rectifications_done=done,
        rectification_share=done / ordered if ordered else None,
        fines_cny=_total(p, "fines_cny"), allowance_adjustment_t=_total(p, "allowance_adjustment_t"),
        agencies_open=int(_total(p, "agencies_open")), ranking=speed_ranking(decision_days))
