"""The look-back (回头看) in the database: `lookback_draws` (one row per sample drawn: the year, the
seed, how many were drawn from how many, by whom) and `lookback_items` (the cases drawn, with their
weight and rank in the draw); tables in core.store.ddl. core.insight.lookback draws the sample.

The outcome of a drawn case is not stored here: it is the case's own look_back move
(core.store.cases.change), read back from case_events: the first look_back of the case after the
draw (and before a later draw of the same case, which takes the outcomes from then on).
"""
from __future__ import annotations

import uuid

import pandas as pd

from core.contract import cases as case_rules
from core.contract import clock
from core.contract.access import Scope
from core.contract.roles import User
from core.store import audit
from core.store.db import fetch_df, insert_frame, transaction, version_key
from core.store.sql import scope_where

# The states of a case whose handling has ended: those the look_back move starts from.
HANDLED = case_rules.MOVES["look_back"].source


def population(con, scope: Scope, year: int) -> pd.DataFrame:
    """The cases inside `scope` (any subject) whose handling ended in `year` (the year of their
    decision, decided_at) and that are rectified, closed or dismissed: the look-back's population,
    by case id (the order the sample's random numbers are dealt in)."""
    where, params = scope_where(scope, "province_code")
    return fetch_df(con, f"""SELECT case_id, subject_kind, subject_id, subject_name, province_code, state, decision,
               decided_at, risk_score, version
        FROM cases
        WHERE list_contains(?::VARCHAR[], state) AND year(decided_at) = ? AND {where}
        ORDER BY case_id""", [list(HANDLED), int(year), *params])


def handled_years(con, scope: Scope) -> pd.DataFrame:
    """Per year of decision: the handled cases inside `scope` a look-back can draw from (year, cases), latest first."""
    where, params = scope_where(scope, "province_code")
    return fetch_df(con, f"""SELECT year(decided_at) AS year, count(*) AS cases FROM cases
        WHERE list_contains(?::VARCHAR[], state) AND decided_at IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY year DESC""", [list(HANDLED), *params])


def draw_id() -> str:
    """A new draw's id: LB- and 10 random hex digits (the same seed may be drawn twice in a second)."""
    return "LB-" + uuid.uuid4().hex[:10].upper()


def refusal(user: User) -> str | None:
    """Why `user` may not draw a look-back sample (None: they may): the look_back move is the
    national administrator's (core.contract.cases.MOVES)."""
    home = min(user.scope.provinces) if user.scope.provinces else case_rules.NATIONAL_OFFICE
    return case_rules.refusal(user, home, case_rules.MOVES["look_back"].who)


def save_draw(con, user: User, *, year: int, seed: int, population: int, scope: Scope,
              items: pd.DataFrame) -> str:
    """Store a drawn sample (`items`: case_id, weight, draw_rank) and its audit entry in one
    transaction; only the national administrator draws (the look_back move is ADMIN). Returns the draw id."""
    why = refusal(user)
    if why is not None:
        raise case_rules.CaseError(why)
    if not user.scope.contains(scope):
        raise case_rules.CaseError("the look-back's scope is wider than yours")
    now = clock.now()
    did = draw_id()
    with transaction(con) as cur:
        cur.execute("INSERT INTO lookback_draws (draw_id, year, seed, size, population, drawn_at, drawn_by, scope) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [did, int(year), int(seed), len(items), int(population), now, user.name, scope.text])
        frame = pd.DataFrame({"draw_id": did, "case_id": items["case_id"].astype(str),
                              "weight": items["weight"].astype(float), "draw_rank": items["draw_rank"].astype(int)})
        insert_frame(cur, "lookback_items", frame)
        audit.record(cur, user, "look_back", did, scope=scope,
                     detail={"year": int(year), "seed": int(seed), "size": len(items), "population": int(population),
                             "cases": list(frame["case_id"])})
        return did


def _items(scope: Scope) -> tuple[str, list]:
    """CTEs `it` (the drawn cases inside `scope`, with the draw's time and the time the case was
    drawn again, if it was) and `oc` (each item's outcome: the case's first look_back in between)."""
    where, params = scope_where(scope, "c.province_code")
    return (f"""it AS (
            SELECT i.draw_id, i.case_id, i.weight, i.draw_rank, d.drawn_at,
                   lead(d.drawn_at) OVER (PARTITION BY i.case_id ORDER BY d.drawn_at, i.draw_id) AS next_drawn_at
            FROM lookback_items i JOIN lookback_draws d USING (draw_id) JOIN cases c USING (case_id)
            WHERE {where}),
        oc AS (
            SELECT it.draw_id, it.case_id,
                   arg_min(json_extract_string(e.fields, '$.outcome'), e.version) AS outcome,
                   min(e.changed_at) AS recorded_at, arg_min(e.user_name, e.version) AS recorded_by
            FROM it JOIN case_events e ON e.case_id = it.case_id AND e.action = 'look_back'
                 AND e.changed_at >= it.drawn_at AND (it.next_drawn_at IS NULL OR e.changed_at < it.next_drawn_at)
            GROUP BY ALL)""", params)


def draw_list(con, scope: Scope) -> pd.DataFrame:
    """The draws with a case inside `scope`, newest first: the draw, and over its cases in scope:
    drawn, recorded (with a look-back outcome since the draw), held, recurred."""
    cte, params = _items(scope)
    return fetch_df(con, f"""WITH {cte}
        SELECT d.draw_id, d.year, d.seed, d.size, d.population, d.drawn_at, d.drawn_by, d.scope,
               count(*) AS drawn, count(oc.outcome) AS recorded,
               count(*) FILTER (WHERE oc.outcome = 'held') AS held,
               count(*) FILTER (WHERE oc.outcome = 'recurred') AS recurred
        FROM it JOIN lookback_draws d USING (draw_id) LEFT JOIN oc USING (draw_id, case_id)
        GROUP BY ALL
        ORDER BY d.drawn_at DESC, d.draw_id""", params)


def drawn_cases(con, scope: Scope, draw_id: str) -> pd.DataFrame:
    """The cases of one draw inside `scope`, in the order drawn: rank, weight, the case as it is
    now (subject, province, state, version, decision, decided_at, risk score) and its look-back
    outcome since the draw (outcome, recorded_at, recorded_by; NULL while none is recorded)."""
    cte, params = _items(scope)
    return fetch_df(con, f"""WITH {cte}
        SELECT it.draw_rank, it.case_id, it.weight, c.subject_kind, c.subject_id, c.subject_name, c.province_code,
               c.state, c.version, c.decision, c.decided_at, c.risk_score, oc.outcome, oc.recorded_at, oc.recorded_by
        FROM it JOIN cases c USING (case_id) LEFT JOIN oc USING (draw_id, case_id)
        WHERE it.draw_id = ?
        ORDER BY it.draw_rank""", [*params, draw_id])


def version(con) -> str:
    """Changes with every draw (a live read); outcomes change the cases' version (core.store.cases.version)."""
    return version_key(con, "SELECT count(*), max(drawn_at) FROM lookback_draws")
