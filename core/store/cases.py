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
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df, transaction, version_key
from core.store.sql import enterprise_where, page_query, scope_where, year_where

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
    new: bool = True  # False: the subject already had an open case, which is returned


CASE_COLUMNS = ("case_id", "subject_kind", "subject_id", "subject_name", "province_code", "state", "owner",
                "due_date", "opened_at", "opened_by", "updated_at", "version", "source", "snapshot", "measures",
                "parent_case", "flag_year", "risk_score", "decision", "decided_at", "pattern", "deadline")
EVENT_COLUMNS = ("case_id", "version", "changed_at", "user_name", "role", "action", "from_state", "to_state", "fields")


def _json(v) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def case_id(subject_kind: str, subject_id: str, opened_at) -> str:
    """A short, stable id: CW- and 10 hex digits of the subject and the opening time."""
    return "CW-" + hashlib.sha1(f"{subject_kind}|{subject_id}|{opened_at}".encode()).hexdigest()[:10].upper()


def _check_actor(user: User, province: str, who: str) -> None:
    """Refuse a user who may not make a move of `who` (core.contract.cases) on a case of `province`."""
    why = rules.refusal(user, province, who)
    if why is not None:
        raise rules.CaseError(why)


def open_case(con, user: User, *, subject_kind: str, subject_id: str, subject_name: str, province_code: str,
              source: str, snapshot: dict, owner: str | None = None, due_date=None,
              parent_case: str | None = None, flag_year: int | None = None,
              risk_score: float | None = None) -> Opened:
    """Open a case on a flag (source: one of core.contract.cases.SOURCES) with the frozen evidence
    `snapshot`, the flagged year and the risk score at opening. One open case per subject: opening
    again returns the open one (Opened.new False)."""
    if subject_kind not in rules.SUBJECT_KINDS:
        raise rules.CaseError(f"a case is about one of {', '.join(rules.SUBJECT_KINDS)}")
    _check_actor(user, province_code, rules.OFFICE)
    now = clock.now()
    with transaction(con) as cur:
        row = cur.execute(f"SELECT case_id, version FROM cases WHERE subject_kind = ? AND subject_id = ? "
                          f"AND state IN (SELECT unnest(?::VARCHAR[]))",
                          [subject_kind, subject_id, sorted(rules.OPEN_STATES)]).fetchone()
        if row:
            return Opened(row[0], int(row[1]), new=False)
        cid = case_id(subject_kind, subject_id, now.isoformat())
        cur.execute(f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})",
                    [cid, subject_kind, subject_id, rules.text(subject_name, "subject name")[:200], province_code, "new",
                     owner, due_date, now, user.name, now, 1, source, _json(snapshot), "{}", parent_case, flag_year,
                     risk_score, None, None, None, None])
        cur.execute("INSERT INTO case_events VALUES (?, 1, ?, ?, ?, 'open', NULL, 'new', ?)",
                    [cid, now, user.name, user.role, _json({"source": source, "owner": owner})])
        audit.record(cur, user, "case_change", cid, scope=Scope.of([province_code]),
                     detail={"move": "open", "subject": f"{subject_kind}:{subject_id}", "source": source},
                     after={"state": "new", "version": 1})
        return Opened(cid, 1)


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
    try:
        with transaction(con) as cur:
            now = _current(cur, cid)
            if now is None or not user.scope.allows(now["province"]):
                raise rules.CaseError(f"no case {cid}")  # another province's case looks unknown
            if now["version"] != version:
                raise StaleCase(cid, now)
            target, clean = _validated(user, now, action, fields)
            at = clock.now()
            sets, params = _assignments(action, target, clean, at)
            updated = cur.execute(f"UPDATE cases SET {', '.join(sets)} WHERE case_id = ? AND version = ? "
                                  "RETURNING version", [*params, cid, version]).fetchall()
            if not updated:
                raise StaleCase(cid, _current(cur, cid) or {})
            new = int(updated[0][0])
            cur.execute("INSERT INTO case_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [cid, new, at, user.name, user.role, action, now["state"], target, _json(clean)])
            audit.record(cur, user, "case_change", cid, scope=Scope.of([now["province"]]),
                         detail={"move": action, "fields": clean},
                         before={"state": now["state"], "version": version}, after={"state": target, "version": new})
            return new
    except duckdb.TransactionException as e:  # another writer changed this row in the same moment
        raise StaleCase(cid, _current(con.cursor(), cid) or {}, at_once=True) from e


def _validated(user: User, now: dict, action: str, fields: dict) -> tuple[str, dict]:
    """The state `action` leads to from the case as it is (`now`) and its fields, checked; CaseError
    when the move does not fit the state or the user."""
    if action in rules.EDITS:
        _check_actor(user, now["province"], rules.OFFICE)
        return now["state"], _edit_fields(action, fields)
    move = rules.MOVES.get(action)
    if move is None:
        raise rules.CaseError(f"unknown move {action!r}")
    if now["state"] not in move.source:
        raise rules.CaseError(f"a case that is {now['state']} cannot be {action}: allowed now: "
                              f"{', '.join(rules.allowed(now['state']) + list(rules.EDITS)) or 'none'}")
    _check_actor(user, now["province"], move.who)
    return move.target, rules.check_fields(action, fields)


def _assignments(action: str, target: str, clean: dict, at) -> tuple[list[str], list]:
    """The SET clauses of a change and their values: the state and version always, and the columns
    the store keeps from the events (owner, due date, measures, decision, deadline)."""
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
    if action in ("confirm", "dismiss"):  # the decision, kept on the row for the statistics
        sets += ["decision = ?", "decided_at = ?", "pattern = ?"]
        params += ["confirmed" if action == "confirm" else "dismissed", at, clean.get("pattern")]
    if action == "order":
        sets.append("deadline = ?")
        params.append(clean["deadline"])
    if action == "reopen":  # a re-opened case gets a new decision due date
        sets.append("due_date = ?")
        params.append((at + dt.timedelta(days=rules.DUE_DAYS)).date())
    return sets, params


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


def version(con) -> str:
    """Changes with every case change (a live read, ~1 ms): the case queries' cache key, since a
    case changes far more often than the data (db.data_version)."""
    return version_key(con, "SELECT count(*), sum(version), max(updated_at) FROM cases")


# Agency filters name the intermediaries whose own cases a view keeps (enterprise cases follow the
# enterprise filters); the other enterprise filters say nothing of an agency or a non-entity account.
_AGENCY_FILTERS = ("consultants", "labs", "verifiers")


def _filtered(scope: Scope, flt: Filters) -> tuple[str, list]:
    """CTE `fc`: the cases inside `scope` that the filters keep: the province filter by the case's
    province, the period by its flagged year, the enterprise filters (group, intermediary, unit class,
    capacity, band, rule) by its enterprise (an account's enterprise), the intermediary filters by
    an agency case's subject."""
    where, params = scope_where(scope, "c.province_code")
    conds, cparams = [where], list(params)
    if flt.provinces:
        conds.append("list_contains(?::VARCHAR[], c.province_code)")
        cparams.append(list(flt.provinces))
    if flt.period_from is not None or flt.period_to is not None:
        ysql, yp = year_where(flt, "c.flag_year")
        conds.append(f"(c.flag_year IS NULL OR {ysql})")
        cparams += yp
    enterprise_filters = [f for f in flt.active() if f not in ("period_from", "period_to", "provinces")]
    if enterprise_filters:
        ewhere, ep = enterprise_where(flt, "e")
        agencies = [a for f in _AGENCY_FILTERS for a in getattr(flt, f)]
        agency_ok = "list_contains(?::VARCHAR[], c.subject_id)" if agencies else "FALSE"
        conds.append(
            "((c.subject_kind = 'enterprise' AND EXISTS (SELECT 1 FROM enterprises e WHERE e.enterprise_id = "
            f"c.subject_id AND {ewhere})) OR (c.subject_kind = 'account' AND EXISTS (SELECT 1 FROM accounts a "
            f"JOIN enterprises e USING (enterprise_id) WHERE a.account_id = c.subject_id AND {ewhere})) "
            f"OR (c.subject_kind = 'agency' AND {agency_ok}))")
        cparams += [*ep, *ep] + ([agencies] if agencies else [])
    return f"fc AS (SELECT c.* FROM cases c WHERE {' AND '.join(conds)})", cparams


def _overdue_sql(today: str = "current_date") -> str:
    """An open case past its decision's due date, or an ordered rectification past its deadline."""
    return (f"((c.state IN ('new', 'under_review') AND c.due_date < {today}) OR "
            f"(c.state = 'rectification_ordered' AND c.deadline < {today}))")


@page_query("scoped")
def case_list(con, scope: Scope, flt: Filters = NO_FILTERS, at: str = "") -> pd.DataFrame:
    """The cases of the view (`at`: version(), the cache key), most urgent first: overdue, then by
    due date, then newest change; with `overdue`, the decision and the measures' fine and tonnes."""
    cte, params = _filtered(scope, flt)
    today = clock.now().date()
    return fetch_df(con, f"""WITH {cte}
        SELECT c.case_id, c.subject_kind, c.subject_id, c.subject_name, c.province_code, c.state, c.owner,
               c.due_date, c.deadline, c.opened_at, c.opened_by, c.updated_at, c.version, c.source, c.flag_year,
               c.risk_score, c.decision, c.decided_at, c.pattern, c.parent_case,
               {_overdue_sql('?::DATE')} AS overdue,
               TRY_CAST(json_extract(c.measures, '$.fine_cny') AS DOUBLE) AS fine_cny,
               TRY_CAST(json_extract(c.measures, '$.allowance_adjustment_t') AS DOUBLE) AS allowance_adjustment_t
        FROM fc c
        ORDER BY overdue DESC, coalesce(CASE WHEN c.state = 'rectification_ordered' THEN c.deadline END, c.due_date)
                 NULLS LAST, c.updated_at DESC, c.case_id""", [*params, today, today])


# Days from a case's opening to its decision: calendar days (date boundaries crossed, Beijing wall clock).
_DAYS_TO_DECISION = "date_diff('day', c.opened_at, c.decided_at)"


@page_query("scoped")
def accountability(con, scope: Scope, flt: Filters = NO_FILTERS, at: str = "") -> pd.DataFrame:
    """Per province of the view: cases open and overdue, decided (confirmed, dismissed), the median
    days from opening to decision, rectifications ordered and completed (rectified or beyond), fines
    (CNY) and allowance adjustments (t) of confirmed cases, intermediaries under investigation (open
    agency cases), and the province's rank by median days to decision (1 = fastest)."""
    cte, params = _filtered(scope, flt)
    today = clock.now().date()
    return fetch_df(con, f"""WITH {cte},
        per AS (
            SELECT c.province_code,
                   count(*) AS cases,
                   count(*) FILTER (WHERE c.state NOT IN ('dismissed', 'closed')) AS open,
                   count(*) FILTER (WHERE {_overdue_sql('?::DATE')}) AS overdue,
                   count(*) FILTER (WHERE c.decision = 'confirmed') AS confirmed,
                   count(*) FILTER (WHERE c.decision = 'dismissed') AS dismissed,
                   median({_DAYS_TO_DECISION}) FILTER (WHERE c.decided_at IS NOT NULL) AS median_days_to_decision,
                   count(*) FILTER (WHERE c.deadline IS NOT NULL) AS rectifications_ordered,
                   count(*) FILTER (WHERE c.deadline IS NOT NULL AND c.state IN ('rectified', 'look_back_done', 'closed'))
                       AS rectifications_done,
                   coalesce(sum(TRY_CAST(json_extract(c.measures, '$.fine_cny') AS DOUBLE))
                       FILTER (WHERE c.decision = 'confirmed'), 0) AS fines_cny,
                   coalesce(sum(TRY_CAST(json_extract(c.measures, '$.allowance_adjustment_t') AS DOUBLE))
                       FILTER (WHERE c.decision = 'confirmed'), 0) AS allowance_adjustment_t,
                   count(DISTINCT c.subject_id) FILTER (WHERE c.subject_kind = 'agency'
                       AND c.state NOT IN ('dismissed', 'closed')) AS agencies_open
            FROM fc c GROUP BY c.province_code)
        SELECT per.*, p.name_en, p.name_zh,
               CASE WHEN rectifications_ordered > 0 THEN rectifications_done / rectifications_ordered END
                   AS rectification_share,
               CASE WHEN median_days_to_decision IS NOT NULL
                    THEN rank() OVER (ORDER BY median_days_to_decision NULLS LAST) END AS speed_rank
        FROM per LEFT JOIN provinces p ON p.code = per.province_code
        ORDER BY open DESC, cases DESC, province_code""", [*params, today, today])


@page_query("scoped")
def decision_days(con, scope: Scope, flt: Filters = NO_FILTERS, at: str = "") -> pd.DataFrame:
    """The decided cases of the view (`at`: version(), the cache key), one row each: case_id,
    province_code and days from opening to the decision, counted as accountability counts them,
    so that a median over all cases of a view can be taken (not a median of provincial medians)."""
    cte, params = _filtered(scope, flt)
    return fetch_df(con, f"""WITH {cte}
        SELECT c.case_id, c.province_code, {_DAYS_TO_DECISION} AS days
        FROM fc c WHERE c.decided_at IS NOT NULL
        ORDER BY c.province_code, c.case_id""", params)


@page_query("unfiltered")
def decided_labels(con, scope: Scope, at: str = "") -> pd.DataFrame:
    """The decided enterprise cases as evaluation labels, in case_labels' shape: enterprise_id,
    period (the flagged year), pattern (the confirmed one; 'dismissed' cases carry none) and
    outcome (the last decision). An enterprise decided in several cases keeps each decision."""
    where, params = scope_where(scope, "c.province_code")
    return fetch_df(con, f"""SELECT c.subject_id AS enterprise_id, CAST(c.flag_year AS VARCHAR) AS period,
               coalesce(c.pattern, 'other') AS pattern, c.decision AS outcome, c.case_id
        FROM cases c JOIN enterprises e ON e.enterprise_id = c.subject_id
        WHERE c.subject_kind = 'enterprise' AND c.decision IS NOT NULL AND {where}
        ORDER BY c.subject_id, c.case_id""", params)


def case_rows(con, scope: Scope) -> pd.DataFrame:
    """Every case inside `scope`, newest change first."""
    where, params = scope_where(scope, "province_code")
    return fetch_df(con, f"SELECT * FROM cases WHERE {where} ORDER BY updated_at DESC, case_id", params)


def timeline(con, scope: Scope, cid: str) -> pd.DataFrame:
    """The case's events in order (empty for a case outside `scope`)."""
    where, params = scope_where(scope, "c.province_code")
    return fetch_df(con, f"SELECT e.* FROM case_events e JOIN cases c USING (case_id) WHERE c.case_id = ? AND {where} "
                         f"ORDER BY e.version", [cid, *params])


def case_row(con, scope: Scope, cid: str) -> dict | None:
    """One case as it is now (a live read: the case page acts on this version), with its snapshot
    and measures parsed and whether it is overdue; None for an unknown case or one outside `scope`
    (they look alike)."""
    where, params = scope_where(scope, "c.province_code")
    today = clock.now().date()
    df = fetch_df(con, f"SELECT c.*, {_overdue_sql('?::DATE')} AS overdue FROM cases c WHERE c.case_id = ? AND {where}",
                  [today, today, cid, *params])
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["snapshot"], row["measures"] = json.loads(row["snapshot"]), json.loads(row["measures"] or "{}")
    return row


def children(con, scope: Scope, cid: str) -> pd.DataFrame:
    """The cases opened under `cid` (an intermediary's case links to its clients' cases)."""
    where, params = scope_where(scope, "province_code")
    return fetch_df(con, f"SELECT case_id, subject_kind, subject_id, subject_name, province_code, state, decision "
                         f"FROM cases WHERE parent_case = ? AND {where} ORDER BY case_id", [cid, *params])


def open_for_subjects(con, user: User, subjects: list[dict], *, source: str, parent_case: str | None = None,
                      owner: str | None = None) -> list[Opened]:
    """Open a case for each of `subjects` (dicts of open_case's subject keywords and snapshot), each
    in its own transaction: a bulk opening (the top N of a ranking, an intermediary's clients).
    Subjects outside the user's scope are refused before anything is written."""
    outside = [x["subject_id"] for x in subjects if not user.scope.allows(x["province_code"])]
    if outside:
        raise rules.CaseError(f"{len(outside)} of the subjects are outside your scope")
    due = (clock.now() + dt.timedelta(days=rules.DUE_DAYS)).date()
    return [open_case(con, user, source=source, parent_case=parent_case, owner=owner,
                      due_date=x.get("due_date", due), **{k: v for k, v in x.items() if k != "due_date"})
            for x in subjects]


def assign_many(con, user: User, versions: dict[str, int], owner: str) -> tuple[list[str], list[rules.CaseError]]:
    """Assign each case of `versions` (case id -> the version the user saw) to `owner`; each is its
    own version-checked change. Returns the assigned ids and the refusals (stale or not allowed)."""
    done, refused = [], []
    for cid, v in versions.items():
        try:
            change(con, user, cid, v, "assign", {"owner": owner})
            done.append(cid)
        except rules.CaseError as e:
            refused.append(e)
    return done, refused


def import_history(con, user: User, cases: pd.DataFrame, events: pd.DataFrame, *, source: str) -> int:
    """Write decided cases of the past (the demo's history) with their events as they happened, in one
    transaction with one audit entry naming how many; cases with an id already present are left out.
    `cases` has CASE_COLUMNS, `events` EVENT_COLUMNS."""
    with transaction(con) as cur:
        cur.register("new_cases", cases[list(CASE_COLUMNS)])
        cur.register("new_events", events[list(EVENT_COLUMNS)])
        try:
            n = cur.execute(f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) SELECT * FROM new_cases "
                            "WHERE case_id NOT IN (SELECT case_id FROM cases) RETURNING case_id").fetchall()
            ids = [r[0] for r in n]
            cur.execute("INSERT INTO case_events SELECT * FROM new_events WHERE list_contains(?::VARCHAR[], case_id)",
                        [ids])
        finally:
            cur.unregister("new_cases")
            cur.unregister("new_events")
        audit.record(cur, user, "case_change", f"{len(ids)} cases", detail={"move": "import", "source": source,
                                                                         "cases": len(ids)})
        return len(ids)


def history_inputs(con, run_id: str) -> pd.DataFrame:
    """What a case history is drawn from (core.insight.case_history): every enterprise-year of a run's
    risk components with the enterprise's name and province, the year's verified tonnes and the lab
    that tested most of its months that year (id, name, province)."""
    return fetch_df(con, """WITH labs AS (
            SELECT u.enterprise_id, year(m.period) AS year, mode(m.lab_id) AS lab_id
            FROM monthly_reports m JOIN units u USING (unit_id) WHERE m.lab_id IS NOT NULL GROUP BY ALL)
        SELECT c.* EXCLUDE (run_id), e.name, e.province_code, v.verified_t, l.lab_id, a.name AS lab_name,
               a.province_code AS lab_province
        FROM risk_components c JOIN enterprises e USING (enterprise_id)
        LEFT JOIN verifications v ON v.enterprise_id = c.enterprise_id AND v.year = c.year
        LEFT JOIN labs l ON l.enterprise_id = c.enterprise_id AND l.year = c.year
        LEFT JOIN agencies a ON a.agency_id = l.lab_id
        WHERE c.run_id = ? ORDER BY c.enterprise_id, c.year""", [run_id])
