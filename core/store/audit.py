"""The audit log: who did what, when, in which scope, with what outcome. Append-only.

`record` is the one writer (an INSERT); `entries` the one reader. There is no UPDATE or DELETE of
audit_log anywhere in the product (tests/unit/test_audit.py searches the code for one), so an entry
once written stays as it was. Times are Beijing wall-clock time (core.contract.clock).

Actions: sign_in, sign_in_failed, sign_out, load, load_rejected, model_run, scenario_save, export,
user_add, user_change, case_change (core.store.cases: every move and edit of a case), campaign
(core.store.campaigns: a self-examination campaign started, a task answered), look_back
(core.store.lookback: a look-back sample drawn); `target` names the thing (a file set, a run id, a scenario id, an export's
file name, a user), `detail` is JSON (row counts, the export's kind and row level), `before` and
`after` JSON where a thing changed.
"""
from __future__ import annotations

import json

import pandas as pd

from core.contract import clock
from core.contract.access import Scope
from core.contract import roles
from core.contract.roles import User
from core.store.db import fetch_df

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "load", "load_rejected", "model_run", "scenario_save", "export",
           "user_add", "user_change", "case_change", "campaign", "look_back")
OUTCOMES = ("ok", "refused", "failed")
SYSTEM = roles.SYSTEM  # the command line without a named user


def _json(v) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def record(con, user: User | None, action: str, target: str, *, scope: Scope | None = None, outcome: str = "ok",
           detail: dict | None = None, before=None, after=None, unknown: str | None = None) -> int:
    """Append one entry on `con` itself (inside the caller's transaction when it has one: a load and
    its entry commit together) and return its sequence number. `user` None: the system (a CLI run
    without a named user). A page passes a cursor of its own (core.ui.auth), never the shared
    connection."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    who = user or SYSTEM
    name, role, source, where = who.name, who.role, who.source, (scope or who.scope).text
    if user is None and unknown is not None:  # nobody signed in: a refused sign-in under the name tried
        name, role, source, where = unknown[:64] or "?", "none", "local", "none"
    return con.execute(
        "INSERT INTO audit_log (logged_at, user_name, role, source, action, target, scope, outcome, detail, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        [clock.now(), name, role, source, action, str(target)[:500], where, outcome, _json(detail or {}),
         _json(before), _json(after)]).fetchone()[0]


def record_apart(con, *args, **kwargs) -> int:
    """`record` on a cursor of its own: for a write that is not part of a transaction, from a page
    whose connection is shared by every session (DuckDB refuses two calls on one at once)."""
    cur = con.cursor()
    try:
        return record(cur, *args, **kwargs)
    finally:
        cur.close()


def entries(con, *, user: str | None = None, action: str | None = None, since=None, until=None,
            limit: int = 5000) -> pd.DataFrame:
    """The newest entries first, optionally of one user, one action, from/until a time."""
    where, params = ["true"], []
    for col, v in (("user_name", user), ("action", action)):
        if v:
            where.append(f"{col} = ?")
            params.append(v)
    if since is not None:
        where.append("logged_at >= ?")
        params.append(since)
    if until is not None:
        where.append("logged_at < ?")
        params.append(until)
    sql = (f"SELECT seq, logged_at, user_name, role, source, action, target, scope, outcome, detail, before, after "
           f"FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?")
    return fetch_df(con, sql, [*params, int(limit)])
