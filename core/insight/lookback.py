"""The look-back (回头看): re-inspect a risk-weighted sample of the cases a year handled, and see
whether the rectifications held.

The population is every case inside the user's scope whose handling ended in the year (decided
then, and now rectified, closed or dismissed: core.store.lookback.population). Each case weighs its
risk score at opening (a missing one the population's median, every weight at least WEIGHT_FLOOR,
so a low score is drawn less often, never not at all). The sample is drawn without replacement by
Efraimidis and Spirakis's keys u^(1/w), u uniform from numpy's default_rng(seed) dealt in case-id
order, the largest keys drawn: the same seed on the same population draws the same cases in the
same order, so a draw can be re-done and checked by anyone.

Each drawn case's outcome is its own look_back move (held or recurred), after which it is closed,
or re-opened under review with the reason (record_outcome); the report counts them per draw.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.contract import cases as rules
from core.contract.access import Scope
from core.contract.roles import User
from core.store import cases as case_store
from core.store import lookback as store

WEIGHT_FLOOR = 0.5  # on the risk score's 0-100 scale: a case scored 0 is still drawn now and then
SIZE_MAX = 1000
SEED_MAX = 2**53 - 1  # the largest whole number a browser's number field holds exactly


refusal = store.refusal  # why a user may not draw (None: they may): the national administrator draws


def weights(scores) -> np.ndarray:
    """The sampling weight of each risk score: a missing one the median of the others (1 when none
    has a score), every one at least WEIGHT_FLOOR."""
    s = pd.to_numeric(pd.Series(scores, dtype="float64"), errors="coerce")
    median = s.median()
    return s.fillna(1.0 if pd.isna(median) else float(median)).clip(lower=WEIGHT_FLOOR).to_numpy(dtype=float)


def sample(w, size: int, seed: int) -> np.ndarray:
    """Positions of `size` items drawn without replacement with probability proportional to weight
    `w` (Efraimidis–Spirakis: the largest keys u^(1/w), compared as log(u)/w), in the order drawn."""
    w = np.asarray(w, dtype=float)
    if len(w) == 0 or size <= 0:
        return np.array([], dtype=int)
    u = np.random.default_rng(seed).random(len(w))
    with np.errstate(divide="ignore"):
        keys = np.log(u) / w
    order = np.argsort(-keys, kind="stable")
    return order[:min(int(size), len(w))]


def draw_from(population: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """The sample of `population` (core.store.lookback.population's frame): case_id, weight, draw_rank."""
    pop = population.sort_values("case_id", kind="stable").reset_index(drop=True)
    w = weights(pop["risk_score"])
    picked = sample(w, size, seed)
    return pd.DataFrame({"case_id": pop["case_id"].to_numpy()[picked], "weight": w[picked],
                         "draw_rank": np.arange(1, len(picked) + 1)})


def check_draw(size, seed) -> tuple[int, int]:
    """The size and seed of a draw, validated."""
    try:
        size, seed = int(size), int(seed)
    except (TypeError, ValueError):
        raise rules.CaseError("the size and the seed are whole numbers") from None
    if not 1 <= size <= SIZE_MAX:
        raise rules.CaseError(f"a look-back draws between 1 and {SIZE_MAX} cases")
    if not 0 <= seed <= SEED_MAX:
        raise rules.CaseError("the seed is a whole number of at least 0")
    return size, seed


def draw(con, user: User, year: int, size: int, seed: int, scope: Scope | None = None) -> str:
    """Draw the look-back sample of `year`'s handled cases inside `scope` (the user's by default,
    never wider): `size` cases (all of them when fewer), risk-weighted and reproducible by `seed`;
    stored with its audit entry (core.store.lookback.save_draw). Returns the draw id. Refused
    (CaseError) for anyone but the national administrator and for a year with no handled case."""
    why = refusal(user)
    if why is not None:
        raise rules.CaseError(why)
    size, seed = check_draw(size, seed)
    scope = user.scope if scope is None else scope
    pop = store.population(con, scope, int(year))
    if pop.empty:
        raise rules.CaseError(f"no case inside your scope was rectified, closed or dismissed after a decision in {year}")
    items = draw_from(pop, size, seed)
    return store.save_draw(con, user, year=int(year), seed=seed, population=len(pop), scope=scope, items=items)


def record_outcome(con, user: User, case_id: str, version: int, outcome: str, reason: str | None = None) -> int:
    """A drawn case's look-back outcome as its own moves: look_back with the outcome, then close
    (held) or reopen with `reason` (recurred: the case is under review again). Two version-checked
    changes (core.store.cases.change) made on `version`; the reason is checked before the first, so
    a missing one changes nothing. Returns the case's new version."""
    if outcome not in rules.LOOK_BACK_OUTCOMES:
        raise rules.CaseError(f"a look-back outcome is one of {', '.join(rules.LOOK_BACK_OUTCOMES)}")
    if outcome == "recurred":
        reason = rules.text(reason, "reason")
    v = case_store.change(con, user, case_id, version, "look_back", {"outcome": outcome})
    if outcome == "held":
        return case_store.change(con, user, case_id, v, "close")
    return case_store.change(con, user, case_id, v, "reopen", {"reason": reason})


def _shares(df: pd.DataFrame) -> pd.DataFrame:
    recorded = df["recorded"].astype(float)
    return df.assign(pending=df["drawn"] - df["recorded"],
                     reopened_share=(df["recurred"] / recorded).where(recorded > 0))


def draws(con, scope: Scope) -> pd.DataFrame:
    """The draws with a case inside `scope`, newest first, with their report: drawn, recorded,
    held, recurred, pending (no outcome yet) and reopened_share (recurred / recorded; NaN while none)."""
    return _shares(store.draw_list(con, scope))


def report(con, scope: Scope, draw_id: str) -> dict | None:
    """One draw's report over its cases inside `scope`: the draw's year, seed, size and population,
    and drawn, recorded, held, recurred, pending and reopened_share (recurred / recorded, None
    while nothing is recorded); None for an unknown draw or one with no case in scope."""
    rows = draws(con, scope)
    hit = rows[rows["draw_id"] == draw_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    out = {k: row[k] for k in ("draw_id", "year", "seed", "size", "population", "drawn_at", "drawn_by", "scope")}
    out.update({k: int(row[k]) for k in ("drawn", "recorded", "held", "recurred", "pending")})
    out["reopened_share"] = None if pd.isna(row["reopened_share"]) else float(row["reopened_share"])
    return out


def drawn_cases(con, scope: Scope, draw_id: str) -> pd.DataFrame:
    """The cases of a draw inside `scope` in the order drawn, with their state now and their outcome."""
    return store.drawn_cases(con, scope, draw_id)


def new_seed() -> int:
    """A fresh six-digit seed to offer (shown and editable: the draw is reproducible by it)."""
    return int(np.random.default_rng().integers(100_000, 1_000_000))
