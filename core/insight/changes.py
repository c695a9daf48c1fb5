"""What changed since the previous briefing, and what to do about it, from core.store.changes rows.

new      - enterprises flagged now (band critical or high) that were not at the baseline;
resolved - flagged at the baseline, not now (a look-back: was it rectified, or did it stop reporting?);
movers   - the largest changes of risk score among enterprises scored at both ends;
actions  - at most three suggestions, each derived from those rows and the intermediaries ranking
           (core.insight.agencies.leading), with the values that support it: visit the new cases,
           review the intermediary with the strongest evidence, look back at the resolved cases (or,
           without any, at the province whose flagged count rose most).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.contract.scoring import FLAGGED_BANDS

MOVERS = 5
ACTIONS = 3


@dataclass(frozen=True)
class Changes:
    basis: str                       # "assessment" (the previous load's run) or "year" (the year before)
    now: str                         # the compared ends: years ("2025") or run dates, as given
    before: str
    new: pd.DataFrame                # rows of core.store.changes.risk_changes, highest score now first
    resolved: pd.DataFrame           # highest score before first
    movers: pd.DataFrame             # with delta = score_now - score_before, largest |delta| first
    actions: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.new.empty and self.resolved.empty and self.movers.empty


def flagged(band: pd.Series) -> pd.Series:
    return band.isin(FLAGGED_BANDS)


def compare(rows: pd.DataFrame, *, basis: str, now: str, before: str,
            agencies: pd.DataFrame | None = None) -> Changes:
    """The Changes of `rows` (core.store.changes.risk_changes); `agencies`: core.insight.agencies.leading."""
    now_f, before_f = flagged(rows["band_now"]), flagged(rows["band_before"])
    both = rows["score_now"].notna() & rows["score_before"].notna()
    new = rows[now_f & ~before_f].sort_values(["score_now", "enterprise_id"], ascending=[False, True])
    resolved = rows[before_f & ~now_f].sort_values(["score_before", "enterprise_id"], ascending=[False, True])
    moved = rows[both].assign(delta=lambda d: d["score_now"] - d["score_before"])
    moved = moved[moved["delta"].abs() > 0]
    movers = moved.assign(size=moved["delta"].abs()).sort_values(["size", "enterprise_id"],
                                                                   ascending=[False, True]).head(MOVERS)
    c = Changes(basis, now, before, new.reset_index(drop=True), resolved.reset_index(drop=True),
                movers.drop(columns="size").reset_index(drop=True))
    return Changes(c.basis, c.now, c.before, c.new, c.resolved, c.movers, suggest(c, rows, agencies))


def suggest(c: Changes, rows: pd.DataFrame, agencies: pd.DataFrame | None) -> list[dict]:
    """The actions, strongest first, each a dict of its kind and the values behind it."""
    out: list[dict] = []
    if len(c.new):
        first = c.new.iloc[0]
        out.append({"kind": "visit", "n": len(c.new), "enterprise_id": first["enterprise_id"],
                    "name": first["name"], "province_code": first["province_code"],
                    "score": float(first["score_now"]), "reasons": first["reasons_now"]})
    if agencies is not None and len(agencies):
        a = agencies.iloc[0]
        out.append({"kind": "agency", "agency_id": a["agency_id"], "agency_kind": a["kind"], "name": a["name"],
                    "score": float(a["score"]), "flagged": int(a["flagged_clients"]), "clients": int(a["clients"])})
    if len(c.resolved):
        first = c.resolved.iloc[0]
        out.append({"kind": "look_back", "n": len(c.resolved), "enterprise_id": first["enterprise_id"],
                    "name": first["name"], "score_before": float(first["score_before"]),
                    "score_now": None if pd.isna(first["score_now"]) else float(first["score_now"])})
    else:
        rise = (rows.assign(now=flagged(rows["band_now"]).astype(int), before=flagged(rows["band_before"]).astype(int))
                .groupby("province_code").agg(now=("now", "sum"), before=("before", "sum")))
        rise = rise.assign(delta=rise["now"] - rise["before"]).sort_values(["delta", "now"], ascending=False)
        if len(rise) and rise["delta"].iloc[0] > 0:
            out.append({"kind": "province", "province_code": rise.index[0], "now": int(rise["now"].iloc[0]),
                        "before": int(rise["before"].iloc[0])})
    return out[:ACTIONS]
