"""Cases in the database: `cases` (one row per case, its current state and a version) and
`case_events` (every change, append-only: the case's timeline); tables in core.store.ddl.

Every change is one version-checked transaction: it names the version it was made on, the row is
updated only if that is still the version, the event and the audit entry are written with it, and
all three commit together. A change made on an older version is refused (StaleCase) with the
newer state, never merged silently; DuckDB's own write conflict between two transactions is the
same refusal.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import duckdb
import pandas as pd

from core.contract import cases as rules
from core.contract import clock
from core.contract.access import Scope
from core.contract.roles import User
from core.store import audit
from core.store.db import fetch_df
from core.store.sql import scope_where

class StaleCase(rules.CaseError):
    """The case changed since it was read: `current` holds its state, version, owner and who changed it last."""

    def __init__(self, case_id: str, current: dict, at_once: bool = False):
        if at_once:  # the other change had not committed when this one collided with it
            text = (f"case {case_id} is being changed by someone else at this moment (last committed: "
                    f"{current.get('state')}, version {current.get('version')}); reload it and try again")
        else:
            text = (f"case {case_id} was changed by {current.get('by')} at {current.get('at')} "
                    f"(now {current.get('state')}, version {current.get('version')}); reload it and try again")
        super().__init__(text)
        self.current, self.at_once = current, at_once


@dataclass(frozen=True)
class Opened:
    case_id: str
    version: int


def _json(v) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def case_id(subject_kind: str, subject_id: str, opened_at) -> str:
    """A short, stable id: CW- and 10 hex digits of the subject and the opening time."""
    return "CW-" + hashlib.sha1(f"{subject_kind}|{subject_id}|{opened_at}".encode()).hexdigest()[:10].upper()


def _check_actor(user: User, province: str, who: str) -> None:
    """Refuse a user who may not make a move of `who` (core.contract.cases) on a case of `province`."""
    if not user.can("cases"):
        raise rules.CaseError(f"the role {user.role} does not work on cases")
    if not user.scope.allows(province):
        raise rules.CaseError("this case belongs to a province outside your scope")
    if who == rules.ADMIN and user.role != "national_admin":
        raise rules.CaseError("only the national administrator makes this move")
    if who == rules.NATIONAL and not user.can("all_provinces"):
        raise rules.CaseError("only a national role makes this move")


def open_case(con, user: User, *, subject_kind: str, subject_id: str, subject_name: str, province_code: str,
              source: str, snapshot: dict, owner: str | None = None, due_date=None,
              parent_case: str | None = None) -> Opened:
    """Open a case on a flag (source: 'top_risk', 'rule_hit', 'model_score', 'market_alert',
    'agency', 'campaign', …) with the frozen evidence `snapshot`. One open case per subject:
    opening again returns the open one."""
    if subject_kind not in rules.SUBJECT_KINDS:
        raise rules.CaseError(f"a case is about one of {', '.join(rules.SUBJECT_KINDS)}")
    _check_actor(user, province_code, rules.OFFICE)
    now = clock.now()
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        row = cur.execute(f"SELECT case_id, version FROM cases WHERE subject_kind = ? AND subject_id = ? "
                          f"AND state IN (SELECT unnest(?::VARCHAR[]))",
                          [subject_kind, subject_id, sorted(rules.OPEN_STATES)]).fetchone()
        if row:
            cur.execute("ROLLBACK")
            return Opened(row[0], int(row[1]))
        cid = case_id(subject_kind, subject_id, now.isoformat())
        cur.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, 1, ?, ?, '{}', ?)",
                    [cid, subject_kind, subject_id, subject_name, province_code, owner, due_date, now, user.name, now,
                     source, _json(snapshot), parent_case])
        cur.execute("INSERT INTO case_events VALUES (?, 1, ?, ?, ?, 'open', NULL, 'new', ?)",
                    [cid, now, user.name, user.role, _json({"source": source, "owner": owner})])
        audit.record(cur, user, "case_change", cid, scope=Scope.of([province_code]),
                     detail={"move": "open", "subject": f"{subject_kind}:{subject_id}", "source": source},
                     after={"state": "new", "version": 1})
        cur.execute("COMMIT")
        return Opened(cid, 1)
    except Exception:
        _rollback(cur)
        raise
    finally:
        cur.close()


def _rollback(cur) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _current(con, cid: str) -> dict | None:
    row = con.execute("SELECT c.state, c.version, c.owner, c.province_code, e.user_name, e.changed_at FROM cases c "
                      "LEFT JOIN case_events e ON e.case_id = c.case_id AND e.version = c.version "
                      "WHERE c.case_id = ?", [cid]).fetchone()
    return None if row is None else {"state": row[0], "version": int(row[1]), "owner": row[2], "province": row[3],
                                     "by": row[4], "at": row[5]}


def change(con, user: User, cid: str, version: int, action: str, fields: dict | None = None) -> int:
    """Make `action` (a move of core.contract.cases.MOVES, or an edit: assign, note, due,
    measures) on case `cid` as it was at `version`; returns the new version. Refused with
    CaseError when the move is not allowed from the state or for the user, StaleCase when the case
    changed since `version` (or another transaction changes it at the same moment)."""
    fields = dict(fields or {})
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        now = _current(cur, cid)
        if now is None or not user.scope.allows(now["province"]):
            raise rules.CaseError(f"no case {cid}")  # another province's case looks unknown
        if now["version"] != version:
            raise StaleCase(cid, now)
        if action in rules.EDITS:
            _check_actor(user, now["province"], rules.OFFICE)
            target, clean = now["state"], _edit_fields(action, fields)
        else:
            move = rules.MOVES.get(action)
            if move is None:
                raise rules.CaseError(f"unknown move {action!r}")
            if now["state"] not in move.source:
                raise rules.CaseError(f"a case that is {now['state']} cannot be {action}: allowed now: "
                                      f"{', '.join(rules.allowed(now['state']) + list(rules.EDITS)) or 'none'}")
            _check_actor(user, now["province"], move.who)
            target, clean = move.target, rules.check_fields(action, fields)
        at = clock.now()
        sets, params = ["state = ?", "version = version + 1", "updated_at = ?"], [target, at]
        if action == "assign":
            sets.append("owner = ?")
            params.append(clean["owner"])
        if action == "due":
            sets.append("due_date = ?")
            params.append(clean["due_date"])
        if action == "measures":
            sets.append("measures = ?")
            params.append(_json(clean))
        updated = cur.execute(f"UPDATE cases SET {', '.join(sets)} WHERE case_id = ? AND version = ? RETURNING version",
                              [*params, cid, version]).fetchall()
        if not updated:
            raise StaleCase(cid, _current(cur, cid) or {})
        new = int(updated[0][0])
        cur.execute("INSERT INTO case_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [cid, new, at, user.name, user.role, action, now["state"], target, _json(clean)])
        audit.record(cur, user, "case_change", cid, scope=Scope.of([now["province"]]),
                     detail={"move": action, "fields": clean},
                     before={"state": now["state"], "version": version}, after={"state": target, "version": new})
        cur.execute("COMMIT")
        return new
    except duckdb.TransactionException as e:  # another writer changed this row in the same moment
        _rollback(cur)
        raise StaleCase(cid, _current(con.cursor(), cid) or {}, at_once=True) from e
    except Exception:
        _rollback(cur)
        raise
    finally:
        cur.close()


def _edit_fields(action: str, fields: dict) -> dict:
    if action == "assign":
        return {"owner": rules.text(fields.get("owner"), "owner")[:64]}
    if action == "note":
        return {"note": rules.text(fields.get("note"), "note")}
    if action == "due":
        v = fields.get("due_date")
        return {"due_date": (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))).isoformat()}
    unknown = sorted(set(fields) - set(rules.MEASURES))
    if unknown:
        raise rules.CaseError(f"unknown measures {unknown}: one of {', '.join(rules.MEASURES)}")
    out = {}
    for k, v in fields.items():
        if k in ("fine_cny", "allowance_adjustment_t"):
            x = float(v)
            if not (x == x and abs(x) < 1e12):
                raise rules.CaseError(f"{k} must be a finite number")
            out[k] = x
        else:
            out[k] = rules.text(v, k)
    return out


def case_rows(con, scope: Scope) -> pd.DataFrame:
    """Every case inside `scope`, newest change first."""
    where, params = scope_where(scope, "province_code")
    return fetch_df(con, f"SELECT * FROM cases WHERE {where} ORDER BY updated_at DESC, case_id", params)


def timeline(con, scope: Scope, cid: str) -> pd.DataFrame:
    """The case's events in order (empty for a case outside `scope`)."""
    where, params = scope_where(scope, "c.province_code")
    return fetch_df(con, f"SELECT e.* FROM case_events e JOIN cases c USING (case_id) WHERE c.case_id = ? AND {where} "
                         f"ORDER BY e.version", [cid, *params])
