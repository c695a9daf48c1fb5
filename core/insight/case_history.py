"""The demo's case history: a few hundred decided cases of past years and the current year's open
ones, so that the Cases page, the accountability picture and the evaluation against decided cases
are not empty on a fresh demo. Synthetic like the rest of the demo, and drawn from it: the cases
are the top of each year's risk ranking of the stored assessment, and an inspection finds what the
demo planted (case_labels) most of the time, as real inspections would not always.

Every event follows core.contract.cases.MOVES, by the role that may make it (the province's officer
decides, the national administrator marks rectified, looks back and closes), at times in the past
(Beijing time, never after now); fines follow the rule of their year (domain.md §6.4: the 2021
Interim Measures' 10–30 thousand CNY, Decree 775's 500 thousand–2 million CNY from 1 May 2024);
allowance adjustments cut 0.5–4 % of the year's verified tonnes.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from core.contract import cases as rules
from core.contract import clock
from core.contract.access import Scope
from core.engine import risk
from core.contract.roles import User
from core.store import campaigns as campaign_store
from core.store import cases as store
from core.store import runs as run_store

PER_YEAR = 0.032      # share of the enterprises given a case per past flagged year (70 of 2,200 at scale 1)
CURRENT = 0.02        # share given a case for the latest full year (45 at scale 1)
FOUND = 0.9           # an inspection of a planted enterprise confirms it
OTHER = 0.06          # an inspection of an unplanted one finds something else
RECURRED = 0.12       # a look-back finds the problem again
NOT_TAKEN = 0.3       # of the current year's cases, not yet taken under review
AGENCY_CLIENTS = 2    # confirmed client cases that put a lab under investigation
ADMIN = ("national.admin", "national_admin")
DECREE_775 = dt.datetime(2024, 5, 1)
CORRECTIONS = {  # what an order asks for, by the pattern confirmed
    "batch_testing": ["retest", "re_report", "allowance_recalculation"],
    "carbon_shading": ["retest", "re_report", "allowance_recalculation"],
    "copied_values": ["retest", "re_report", "allowance_recalculation"],
    "invented_moisture": ["retest", "re_report", "allowance_recalculation"],
    "coal_understated": ["re_report", "reverify", "allowance_recalculation"],
    "verifier_gap": ["reverify", "allowance_recalculation"],
    "intermediary_ring": ["lab_suspension", "retest", "re_report"],
    "late_deposit": ["re_report", "training"],
    "missing_deposit": ["re_report", "training"],
}
FINDING = "Demo history: the on-site inspection confirmed the flag (演示历史：现场核查确认)"
DISMISSED = "Demo history: the inspection found the data explained (演示历史：核查后数据可以解释)"
RECTIFIED = "Demo history: corrected reports and new test certificates received (演示历史：已收到更正报告和新检测报告)"
RECURRED_TEXT = "Demo history: the look-back found the problem again (演示历史：回头看发现问题复发)"


def officer(province_code: str) -> tuple[str, str]:
    return f"officer.{province_code}", "provincial_analyst"


def build(con, run_id: str, seed: int, now: dt.datetime | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, events) of the history, in core.store.cases' CASE_COLUMNS and EVENT_COLUMNS."""
    now = now or clock.now()
    rng = np.random.default_rng([seed, 16])
    comp = store.history_inputs(con, run_id)
    if comp.empty:
        return pd.DataFrame(columns=store.CASE_COLUMNS), pd.DataFrame(columns=store.EVENT_COLUMNS)
    scored = risk.composite(comp)
    labels = run_store.case_labels(con, Scope.national())
    planted = labels[labels.outcome == "confirmed"].assign(year=lambda d: d.period.str[:4].astype(int))
    planted = planted.drop_duplicates(["enterprise_id", "year"]).set_index(["enterprise_id", "year"])["pattern"]
    full_years = sorted(y for y, n in scored.groupby("year").size().items() if n >= 0.5 * scored.enterprise_id.nunique())
    if not full_years:
        return pd.DataFrame(columns=store.CASE_COLUMNS), pd.DataFrame(columns=store.EVENT_COLUMNS)
    current = full_years[-1]
    past = [y for y in full_years[:-1] if dt.datetime(y + 1, 1, 15) < now - dt.timedelta(days=120)][-4:]
    # per province, how fast its office decides: a factor on the days to a decision
    speed = {p: float(rng.lognormal(0.0, 0.45)) for p in sorted(scored.province_code.unique())}
    cases, events = [], []
    for year in [*past, current]:
        top = scored[scored.year == year].sort_values(["risk_score", "enterprise_id"], ascending=[False, True])
        n = scored.enterprise_id.nunique()
        top = top.head(max(1, round((CURRENT if year == current else PER_YEAR) * n)))
        for row in top.itertuples(index=False):
            pattern = planted.get((row.enterprise_id, year))
            case, evs = _one(row, year, pattern, year == current, speed[row.province_code], rng, now, run_id)
            if case is not None:
                cases.append(case)
                events.extend(evs)
    cases, events = _agency_cases(cases, events, scored, now, rng, run_id)
    return pd.DataFrame(cases, columns=store.CASE_COLUMNS), pd.DataFrame(events, columns=store.EVENT_COLUMNS)


def _agency_cases(cases: list, events: list, scored: pd.DataFrame, now: dt.datetime, rng, run_id: str):
    """The labs behind AGENCY_CLIENTS or more confirmed client cases get a case of their own, under
    review, opened after the last of them, and the client cases are linked to it (parent_case)."""
    frame = pd.DataFrame(cases, columns=store.CASE_COLUMNS)
    confirmed = frame[frame["decision"] == "confirmed"][["case_id", "subject_id", "flag_year"]]
    labs = scored[["enterprise_id", "year", "lab_id", "lab_name", "lab_province"]].dropna(subset=["lab_id"])
    linked = confirmed.merge(labs, left_on=["subject_id", "flag_year"], right_on=["enterprise_id", "year"])
    parents = {}
    for lab_id, group in sorted(linked.groupby("lab_id"), key=lambda g: g[0]):
        if len(group) < AGENCY_CLIENTS:
            continue
        opened = now - dt.timedelta(days=int(rng.integers(5, 60)), hours=int(rng.integers(0, 8)))
        cid = store.case_id("agency", lab_id, opened.isoformat())
        first = group.iloc[0]
        province = first.lab_province if isinstance(first.lab_province, str) else rules.NATIONAL_OFFICE
        who = officer(province) if province != rules.NATIONAL_OFFICE else ADMIN
        snapshot = {"run_id": run_id, "source": "agency", "flag_year": int(group.flag_year.max()),
                    "agency": {"agency_id": lab_id, "name": first.lab_name, "kind": "lab",
                               "confirmed_clients": int(len(group))},
                    "clients": [{"case_id": r.case_id, "enterprise_id": r.subject_id, "year": int(r.flag_year)}
                                for r in group.itertuples()]}
        taken = opened + dt.timedelta(days=2)
        cases.append((cid, "agency", lab_id, first.lab_name, province, "under_review" if taken < now else "new",
                      who[0], (opened + dt.timedelta(days=rules.DUE_DAYS)).date(), opened, "national.admin",
                      taken if taken < now else opened, 2 if taken < now else 1, "agency",
                      json.dumps(snapshot, ensure_ascii=False), "{}", None, int(group.flag_year.max()), None,
                      None, None, None, None))
        events.append((cid, 1, opened, "national.admin", "national_admin", "open", None, "new",
                       json.dumps({"source": "agency", "owner": who[0]})))
        if taken < now:
            events.append((cid, 2, taken, who[0], who[1], "take", "new", "under_review", "{}"))
        parents.update({c: cid for c in group.case_id})
    if parents:
        i = store.CASE_COLUMNS.index("parent_case")
        cases = [c[:i] + (parents.get(c[0]),) + c[i + 1:] if c[0] in parents else c for c in cases]
    return cases, events


def _one(row, year: int, pattern, current: bool, speed: float, rng, now: dt.datetime, run_id: str):
    start = dt.datetime(year + 1, 1, 15) + dt.timedelta(days=int(rng.integers(0, 200)), hours=int(rng.integers(9, 17)),
                                                        minutes=int(rng.integers(0, 60)))
    if current:  # this year's flags: opened in the last months, at every stage
        start = now - dt.timedelta(days=int(rng.integers(3, 150)), hours=int(rng.integers(0, 8)))
    if start >= now:
        return None, []
    who = officer(row.province_code)
    cid = store.case_id("enterprise", row.enterprise_id, start.isoformat())
    reasons = json.loads(row.reasons) if isinstance(row.reasons, str) else None
    snapshot = {"run_id": run_id, "flag_year": year, "source": "history",
                "risk": {"year": year, "risk_score": round(float(row.risk_score), 2), "band": row.band,
                         "rules": round(float(row.rules), 4), "model": round(float(row.model), 4),
                         "motive": round(float(row.motive), 4), "context": round(float(row.context), 4),
                         "n_rules": int(row.n_rules), "reasons": reasons}}
    state = {"state": "new", "version": 1, "owner": who[0], "decision": None, "decided_at": None, "pattern": None,
             "deadline": None, "measures": {}, "updated_at": start}
    evs = [(cid, 1, start, "national.admin", "national_admin", "open", None, "new",
            json.dumps({"source": "history", "owner": who[0]}))]

    def step(at: dt.datetime, user, action: str, fields: dict | None = None) -> bool:
        at = max(at, state["updated_at"] + dt.timedelta(hours=1))  # in order: each after the one before
        if at >= now:
            return False
        move = rules.MOVES.get(action)
        target = move.target if move else state["state"]
        state["version"] += 1
        evs.append((cid, state["version"], at, user[0], user[1], action, state["state"], target,
                    json.dumps(fields or {}, ensure_ascii=False, sort_keys=True)))
        state["state"], state["updated_at"] = target, at
        return True

    t = start + dt.timedelta(days=int(rng.integers(0, 3)), hours=2)
    step(t, ADMIN, "assign", {"owner": who[0]})
    t += dt.timedelta(days=int(rng.integers(1, 6)))
    if (current and rng.random() < NOT_TAKEN) or not step(t, who, "take"):
        return _row(cid, row, year, start, snapshot, state), evs
    t = start + dt.timedelta(days=max(3, int(rng.gamma(2.0, 14.0) * speed)))
    confirmed = rng.random() < (FOUND if pattern else OTHER)
    found = pattern if pattern in rules.PATTERNS else "other"
    if confirmed:
        if not step(t, who, "confirm", {"finding": FINDING, "pattern": found}):
            return _row(cid, row, year, start, snapshot, state), evs
        t = state["updated_at"]
        state.update(decision="confirmed", decided_at=t, pattern=found)
        fine = (rng.integers(50, 201) * 10_000) if t >= DECREE_775 else (rng.integers(1, 4) * 10_000)
        measures = {"fine_cny": float(fine), "credit_record": "Recorded in the credit system (已记入信用记录)"}
        if row.verified_t == row.verified_t and row.verified_t:  # not NaN
            measures["allowance_adjustment_t"] = -round(float(row.verified_t) * float(rng.uniform(0.005, 0.04)))
        t += dt.timedelta(days=1)
        if step(t, who, "measures", measures):
            state["measures"] = measures
        t += dt.timedelta(days=int(rng.integers(2, 8)))
        deadline = (t + dt.timedelta(days=int(rng.choice([60, 90])))).date()
        if not step(t, who, "order", {"deadline": deadline.isoformat(),
                                      "corrections": CORRECTIONS.get(found, ["re_report"])}):
            return _row(cid, row, year, start, snapshot, state), evs
        state["deadline"] = deadline
        t = dt.datetime.combine(deadline, dt.time(10)) + dt.timedelta(days=int(rng.integers(-30, 21)))
        if not step(t, ADMIN, "rectified", {"evidence": RECTIFIED}):
            return _row(cid, row, year, start, snapshot, state), evs
    else:
        if not step(t, who, "dismiss", {"reason": DISMISSED}):
            return _row(cid, row, year, start, snapshot, state), evs
        t = state["updated_at"]
        state.update(decision="dismissed", decided_at=t)
    if confirmed and year < max(2023, now.year - 3):  # the older years have had their look-back
        t += dt.timedelta(days=int(rng.integers(120, 300)))
        recurred = rng.random() < RECURRED
        if step(t, ADMIN, "look_back", {"outcome": "recurred" if recurred else "held"}):
            t += dt.timedelta(days=int(rng.integers(1, 10)))
            if recurred and step(t, ADMIN, "reopen", {"reason": RECURRED_TEXT}):
                state["due"] = (t + dt.timedelta(days=rules.DUE_DAYS)).date()
            else:
                step(t, ADMIN, "close")
    return _row(cid, row, year, start, snapshot, state), evs


def _row(cid, row, year, start, snapshot, s) -> tuple:
    due = s.get("due") or (start + dt.timedelta(days=rules.DUE_DAYS)).date()
    return (cid, "enterprise", row.enterprise_id, row.name, row.province_code, s["state"], s["owner"], due, start,
            "national.admin", s["updated_at"], s["version"], "history", json.dumps(snapshot, ensure_ascii=False),
            json.dumps(s["measures"], ensure_ascii=False, sort_keys=True), None, year, round(float(row.risk_score), 2),
            s["decision"], s["decided_at"], s["pattern"], s["deadline"])


def seed(con, user, run_id: str, seed_value: int) -> int:
    """Build the history and write it (core.store.cases.import_history), then start one
    self-examination campaign for the clients of the lab with the most confirmed client cases, with
    some of its answers; returns the cases written."""
    cases, events = build(con, run_id, seed_value)
    if cases.empty:
        return 0
    n = store.import_history(con, user, cases, events, source="demo history")
    agencies = cases[cases["subject_kind"] == "agency"]
    if len(agencies):
        linked = cases["parent_case"].value_counts()
        top = agencies.assign(n=agencies["case_id"].map(linked).fillna(0)).sort_values(["n", "case_id"],
                                                                                        ascending=[False, True]).iloc[0]
        _campaign(con, top, int(cases["flag_year"].max()), np.random.default_rng([seed_value, 17]))
    return n


def _campaign(con, lab, year: int, rng) -> None:
    """Every client of `lab` (an agency case's row) in `year` asked to self-check, and about half answered."""
    clients = campaign_store.clients_of(con, Scope.national(), lab["subject_id"], year)
    if clients.empty:
        return
    admin = User(ADMIN[0], ADMIN[1])
    cid = campaign_store.start_campaign(
        con, admin, title=f"Self-examination of the clients of {lab['subject_name']}, {year} (自查自纠)",
        agency_id=lab["subject_id"], year=year, due_date=(clock.now() + dt.timedelta(days=30)).date(),
        enterprises=clients, note="Demo history (演示历史)")
    for row in clients.itertuples(index=False):
        if rng.random() < 0.5:
            continue
        status = str(rng.choice(["self_corrected", "no_issue", "refused"], p=[0.4, 0.5, 0.1]))
        note = {"self_corrected": "Re-tested samples and corrected the monthly data (已重新检测并更正月度数据)",
                "refused": "The enterprise disputes the request (企业对要求有异议)"}.get(status)
        officer_user = User(*officer(row.province_code), frozenset({row.province_code}))
        campaign_store.respond(con, officer_user, cid, row.enterprise_id, 1, status, note)
