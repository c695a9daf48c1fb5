"""Self-examination campaigns in the database: `campaigns` (one row each) and `campaign_tasks` (one
per enterprise asked, its response and a version); tables in core.store.ddl, the rules in
core.contract.campaigns.

Starting a campaign is one transaction (the campaign, its pending tasks, the audit entry); each
response is one version-checked transaction like a case change (core.store.cases.change): made on
the version the user saw, refused with the newer state when the task changed since (StaleTask),
audited with it. A task belongs to the province of its enterprise: a user sees and answers the
tasks of the provinces in their scope, and a campaign only through those tasks.
"""
from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from core.contract import campaigns as rules
from core.contract import clock
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.contract.roles import User
from core.store import audit
from core.store.db import fetch_df, insert_frame, transaction, version_key
from core.store.sql import enterprise_where, page_query, scope_where, year_where


class StaleTask(rules.CampaignError):
    """The task changed since it was read: `current` holds its status, version and who answered it last."""

    def __init__(self, campaign_id: str, enterprise_id: str, current: dict, at_once: bool = False):
        where = f"the task of {enterprise_id} in campaign {campaign_id}"
        if at_once:
            text = (f"{where} is being answered by someone else at this moment (last committed: "
                    f"{current.get('status')}, version {current.get('version')}); reload it and try again")
        else:
            text = (f"{where} was answered by {current.get('by')} at {current.get('at')} "
                    f"(now {current.get('status')}, version {current.get('version')}); reload it and try again")
        super().__init__(text)
        self.current, self.at_once = current, at_once


def campaign_id(title: str, agency_id: str | None, year: int, enterprises: list[str], at) -> str:
    """A short, stable id: SC- and 10 hex digits of what the campaign asks and when."""
    text = f"{title}|{agency_id}|{year}|{','.join(enterprises)}|{at}"
    return "SC-" + hashlib.sha1(text.encode()).hexdigest()[:10].upper()


# --- who was served by an intermediary ---------------------------------------------------------------

def _served(agency_id: str | None = None, year: int | None = None) -> tuple[str, list]:
    """enterprise_id, agency_id, year: a lab's clients (the months it tested, through the units), a
    consultant's (the years its client deposited reports), a verifier's (the years it verified);
    of one agency and one year when they are given."""
    def only(agency: str, period_year: str) -> str:
        return (f"(?::VARCHAR IS NULL OR {agency} = ?::VARCHAR) "
                f"AND (?::INTEGER IS NULL OR {period_year} = ?::INTEGER)")
    one = [agency_id, agency_id, year, year]
    return (f"""
        SELECT DISTINCT u.enterprise_id, m.lab_id AS agency_id, year(m.period) AS year
        FROM monthly_reports m JOIN units u USING (unit_id)
        WHERE m.lab_id IS NOT NULL AND {only('m.lab_id', 'year(m.period)')}
        UNION
        SELECT DISTINCT e.enterprise_id, e.consultant_id, year(m.period)
        FROM monthly_reports m JOIN units u USING (unit_id) JOIN enterprises e ON e.enterprise_id = u.enterprise_id
        WHERE e.consultant_id IS NOT NULL AND {only('e.consultant_id', 'year(m.period)')}
        UNION
        SELECT v.enterprise_id, v.verifier_id, v.year FROM verifications v
        WHERE v.verifier_id IS NOT NULL AND {only('v.verifier_id', 'v.year')}""", one * 3)


def clients_of(con, scope: Scope, agency_id: str, year: int) -> pd.DataFrame:
    """The enterprises inside `scope` that the consultant, lab or verifier `agency_id` served in
    `year` (a lab: reports of that year tested by it; a consultant: reports deposited that year by
    its client; a verifier: that year's verification): enterprise_id, enterprise_name,
    province_code, province_zh, province_en, kind (the agency's), agency_name."""
    served, sparams = _served(str(agency_id), int(year))
    where, params = scope_where(scope, "e.province_code")
    return fetch_df(con, f"""WITH served AS ({served})
        SELECT e.enterprise_id, e.name AS enterprise_name, e.province_code, p.name_zh AS province_zh,
               p.name_en AS province_en, a.kind, a.name AS agency_name
        FROM (SELECT DISTINCT enterprise_id FROM served) s
        JOIN enterprises e USING (enterprise_id)
        JOIN agencies a ON a.agency_id = ?
        LEFT JOIN provinces p ON p.code = e.province_code
        WHERE {where}
        ORDER BY e.province_code, e.enterprise_id""", [*sparams, str(agency_id), *params])


@page_query("unfiltered")
def client_years(con, scope: Scope) -> pd.DataFrame:
    """Per consultant, lab and verifier and year: its clients inside `scope` (kind, agency_id, name,
    year, clients); the choices of a campaign's basis, by kind, agency and latest year first."""
    served, sparams = _served()
    where, params = scope_where(scope, "e.province_code")
    return fetch_df(con, f"""WITH served AS ({served})
        SELECT a.kind, s.agency_id, a.name, s.year, count(DISTINCT s.enterprise_id) AS clients
        FROM served s JOIN enterprises e USING (enterprise_id) JOIN agencies a USING (agency_id)
        WHERE {where}
        GROUP BY ALL
        ORDER BY a.kind, s.agency_id, s.year DESC""", [*sparams, *params])


# --- writes ----------------------------------------------------------------------------------------

def start_campaign(con, user: User, *, title: str, agency_id: str | None, year: int, due_date,
                   enterprises: pd.DataFrame, note: str | None = None) -> str:
    """Start a campaign asking `enterprises` (a frame with enterprise_id, e.g. clients_of's) to
    examine and correct their data of `year` by `due_date`; its basis is the kind of `agency_id`
    (None: a list chosen by hand). One transaction: the campaign, one pending task per enterprise
    (name and province as the database has them) and one audit entry. Refused (CampaignError) for a
    user without the cases right or whose scope does not cover every enterprise's province, an
    unknown enterprise or agency, no enterprise, a past due date. Returns the campaign id."""
    title, year, due = rules.check_start(title, year, due_date, clock.now().date())
    note = rules.text(note, "note") if note is not None and str(note).strip() else None
    ids = sorted({str(e) for e in (enterprises["enterprise_id"] if "enterprise_id" in enterprises else [])})
    if not ids:
        raise rules.CampaignError("a campaign needs at least one enterprise")
    now = clock.now()
    with transaction(con) as cur:
        basis = "list"
        if agency_id is not None:
            row = cur.execute("SELECT kind FROM agencies WHERE agency_id = ?", [agency_id]).fetchone()
            if row is None:
                raise rules.CampaignError(f"no intermediary {agency_id}")
            basis = row[0]
        found = cur.execute("SELECT enterprise_id, name, province_code FROM enterprises "
                            "WHERE list_contains(?::VARCHAR[], enterprise_id) ORDER BY enterprise_id", [ids]).fetchall()
        unknown = sorted(set(ids) - {r[0] for r in found})
        if unknown:
            raise rules.CampaignError(f"{len(unknown)} enterprises are unknown (first {unknown[0]})")
        provinces = sorted({r[2] for r in found})
        why = rules.start_refusal(user, provinces)
        if why is not None:
            raise rules.CampaignError(why)
        cid = campaign_id(title, agency_id, year, ids, now.isoformat())
        if cur.execute("SELECT 1 FROM campaigns WHERE campaign_id = ?", [cid]).fetchone():
            raise rules.CampaignError("the same campaign was started a moment ago")
        cur.execute("INSERT INTO campaigns (campaign_id, title, basis, agency_id, year, created_at, created_by, "
                    "due_date, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [cid, title, basis, agency_id, year, now, user.name, due, note])
        insert_frame(cur, "campaign_tasks", pd.DataFrame({
            "campaign_id": cid, "enterprise_id": [r[0] for r in found],
            "enterprise_name": [str(r[1])[:200] for r in found], "province_code": [r[2] for r in found],
            "status": "pending", "version": 1}))
        audit.record(cur, user, "campaign", cid, scope=Scope.of(provinces),
                     detail={"move": "start", "title": title, "basis": basis, "agency": agency_id, "year": year,
                             "due_date": due.isoformat(), "tasks": len(found)},
                     after={"tasks": len(found), "status": "pending"})
        return cid


def _task(con, cid: str, eid: str) -> dict | None:
    row = con.execute("SELECT status, version, province_code, responded_by, responded_at FROM campaign_tasks "
                      "WHERE campaign_id = ? AND enterprise_id = ?", [cid, eid]).fetchone()
    return None if row is None else {"status": row[0], "version": int(row[1]), "province": row[2], "by": row[3],
                                     "at": row[4]}


def respond(con, user: User, campaign_id: str, enterprise_id: str, version: int, status: str,
            note: str | None = None) -> int:
    """Record the enterprise's response to the campaign (a status of core.contract.campaigns.RESPONSES,
    with the note it requires) on the task as it was at `version`; returns the new version. Refused
    with CampaignError when the user may not answer it or the response does not fit (a task outside
    the user's scope looks unknown), StaleTask when it changed since `version`. Audited with it."""
    try:
        with transaction(con) as cur:
            now = _task(cur, campaign_id, enterprise_id)
            if now is None or not user.scope.allows(now["province"]):
                raise rules.CampaignError(f"no task of {enterprise_id} in campaign {campaign_id}")
            why = rules.respond_refusal(user, now["province"])
            if why is not None:
                raise rules.CampaignError(why)
            if now["version"] != version:
                raise StaleTask(campaign_id, enterprise_id, now)
            clean = rules.check_response(now["status"], status, note)
            at = clock.now()
            updated = cur.execute("UPDATE campaign_tasks SET status = ?, note = ?, responded_at = ?, responded_by = ?, "
                                  "version = version + 1 WHERE campaign_id = ? AND enterprise_id = ? AND version = ? "
                                  "RETURNING version", [status, clean, at, user.name, campaign_id, enterprise_id,
                                                        version]).fetchall()
            if not updated:
                raise StaleTask(campaign_id, enterprise_id, _task(cur, campaign_id, enterprise_id) or {})
            new = int(updated[0][0])
            audit.record(cur, user, "campaign", campaign_id, scope=Scope.of([now["province"]]),
                         detail={"move": "respond", "enterprise": enterprise_id, "status": status, "note": clean},
                         before={"status": now["status"], "version": version}, after={"status": status, "version": new})
            return new
    except duckdb.TransactionException as e:  # another writer changed this row in the same moment
        raise StaleTask(campaign_id, enterprise_id, _task(con.cursor(), campaign_id, enterprise_id) or {},
                        at_once=True) from e


def version(con) -> str:
    """Changes with every campaign started and every response (a live read): the campaign queries' cache key."""
    return version_key(con, "SELECT (SELECT count(*) FROM campaigns), count(*), sum(version), max(responded_at) "
                            "FROM campaign_tasks")


# --- the page queries ------------------------------------------------------------------------------

def _filtered(scope: Scope, flt: Filters) -> tuple[str, list]:
    """CTE `ft`: the tasks inside `scope` that the filters keep: the province filter by the task's
    province, the period by the campaign's year, the enterprise filters by its enterprise."""
    where, params = scope_where(scope, "t.province_code")
    conds, cparams = [where], list(params)
    if flt.provinces:
        conds.append("list_contains(?::VARCHAR[], t.province_code)")
        cparams.append(list(flt.provinces))
    if flt.period_from is not None or flt.period_to is not None:
        ysql, yp = year_where(flt, "c.year")
        conds.append(ysql)
        cparams += yp
    if [f for f in flt.active() if f not in ("period_from", "period_to", "provinces")]:
        ewhere, ep = enterprise_where(flt, "e")
        conds.append(f"EXISTS (SELECT 1 FROM enterprises e WHERE e.enterprise_id = t.enterprise_id AND {ewhere})")
        cparams += ep
    return (f"ft AS (SELECT t.*, c.due_date FROM campaign_tasks t JOIN campaigns c USING (campaign_id) "
            f"WHERE {' AND '.join(conds)})", cparams)


@page_query("scoped")
def campaign_list(con, scope: Scope, flt: Filters = NO_FILTERS, at: str = "") -> pd.DataFrame:
    """The campaigns with a task in the view (`at`: version(), the cache key), newest first: the
    campaign, its intermediary's name, and over the tasks the view keeps: tasks, provinces, pending,
    responded, self_corrected, no_issue, refused, overdue (pending past the due date) and
    response_share (responded / tasks)."""
    cte, params = _filtered(scope, flt)
    return fetch_df(con, f"""WITH {cte}
        SELECT c.campaign_id, c.title, c.basis, c.agency_id, a.name AS agency_name, c.year, c.created_at,
               c.created_by, c.due_date, c.note,
               count(*) AS tasks, count(DISTINCT t.province_code) AS provinces,
               count(*) FILTER (WHERE t.status = 'pending') AS pending,
               count(*) FILTER (WHERE t.status <> 'pending') AS responded,
               count(*) FILTER (WHERE t.status = 'self_corrected') AS self_corrected,
               count(*) FILTER (WHERE t.status = 'no_issue') AS no_issue,
               count(*) FILTER (WHERE t.status = 'refused') AS refused,
               count(*) FILTER (WHERE t.status = 'pending' AND c.due_date < ?::DATE) AS overdue,
               count(*) FILTER (WHERE t.status <> 'pending') / count(*) AS response_share
        FROM ft t JOIN campaigns c USING (campaign_id) LEFT JOIN agencies a ON a.agency_id = c.agency_id
        GROUP BY ALL
        ORDER BY c.created_at DESC, c.campaign_id""", [*params, clock.now().date()])


@page_query("scoped")
def campaign_tasks(con, scope: Scope, flt: Filters = NO_FILTERS, campaign_id: str = "", at: str = "") -> pd.DataFrame:
    """The tasks of one campaign in the view (`at`: version()): the enterprise, its province, the
    status, when and by whom it was answered, the note, the version a response is made on, and
    overdue (pending past the due date); overdue first, then pending, by province and enterprise."""
    cte, params = _filtered(scope, flt)
    return fetch_df(con, f"""WITH {cte}
        SELECT t.campaign_id, t.enterprise_id, t.enterprise_name, t.province_code, p.name_zh AS province_zh,
               p.name_en AS province_en, t.status, t.responded_at, t.responded_by, t.note, t.version, t.due_date,
               (t.status = 'pending' AND t.due_date < ?::DATE) AS overdue
        FROM ft t LEFT JOIN provinces p ON p.code = t.province_code
        WHERE t.campaign_id = ?
        ORDER BY overdue DESC, t.status = 'pending' DESC, t.province_code, t.enterprise_id""",
                    [*params, clock.now().date(), campaign_id])
