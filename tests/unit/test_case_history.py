"""The demo's case history (core.insight.case_history), as the assessed demo fixture holds it: every
event a move the case contract allows from the state before it, by a role that may make it, in
order and in the past; the case rows agree with their events; planted enterprises are found most of
the time; one campaign with answers."""
from __future__ import annotations

import json

import pandas as pd

from core.contract import cases as rules
from core.contract import clock
from core.insight import case_history
from core.store import db

ROLE_OF = {rules.OFFICE: {"provincial_analyst", "national_analyst", "national_admin"},
           rules.NATIONAL: {"national_analyst", "national_admin"}, rules.ADMIN: {"national_admin"}}


def test_every_event_of_the_history_is_an_allowed_move_in_order_and_in_the_past(assessed_con):
    cases = db.fetch_df(assessed_con, "SELECT * FROM cases WHERE opened_by = 'national.admin'")
    events = db.fetch_df(assessed_con, "SELECT * FROM case_events ORDER BY case_id, version")
    assert len(cases) >= 5 and set(events["case_id"]) >= set(cases["case_id"])
    now = pd.Timestamp(clock.now())
    for cid, ev in events[events["case_id"].isin(cases["case_id"])].groupby("case_id"):
        assert list(ev["version"]) == list(range(1, len(ev) + 1)), cid
        assert ev["changed_at"].is_monotonic_increasing and (ev["changed_at"] < now).all(), cid
        assert ev["action"].iloc[0] == "open"
        for r in ev.iloc[1:].itertuples():
            move = rules.MOVES.get(r.action)
            if move is None:  # an edit keeps the state
                assert r.action in rules.EDITS and r.from_state == r.to_state, (cid, r.action)
                continue
            assert r.from_state in move.source and r.to_state == move.target, (cid, r.action, r.from_state)
            assert r.role in ROLE_OF[move.who], (cid, r.action, r.role)
        row = cases.set_index("case_id").loc[cid]
        assert row["state"] == ev["to_state"].iloc[-1] and row["version"] == len(ev), cid
        decided = ev[ev["action"].isin(["confirm", "dismiss"])]
        if len(decided):
            last = decided.iloc[-1]
            assert row["decision"] == ("confirmed" if last.action == "confirm" else "dismissed")
            assert pd.Timestamp(row["decided_at"]) == pd.Timestamp(last.changed_at)
            if last.action == "confirm":
                assert row["pattern"] == json.loads(last.fields)["pattern"] in rules.PATTERNS
        else:
            assert pd.isna(row["decision"])


def test_planted_enterprises_are_mostly_confirmed_and_unplanted_mostly_dismissed(assessed_con):
    decided = db.fetch_df(assessed_con, """SELECT c.subject_id, c.flag_year, c.decision,
            EXISTS (SELECT 1 FROM case_labels l WHERE l.enterprise_id = c.subject_id AND l.outcome = 'confirmed'
                    AND left(l.period, 4) = CAST(c.flag_year AS VARCHAR)) AS planted
        FROM cases c WHERE c.subject_kind = 'enterprise' AND c.decision IS NOT NULL""")
    unplanted = decided[~decided["planted"]]
    assert len(unplanted) and (unplanted["decision"] == "dismissed").mean() >= 0.8
    planted = decided[decided["planted"]]
    if len(planted):  # the small demo may have few in its top of each year
        assert (planted["decision"] == "confirmed").mean() >= 0.5


def test_the_history_has_a_campaign_or_no_lab_under_investigation(assessed_con):
    labs = assessed_con.execute("SELECT count(*) FROM cases WHERE subject_kind = 'agency'").fetchone()[0]
    campaigns = assessed_con.execute("SELECT count(*) FROM campaigns").fetchone()[0]
    assert campaigns == (1 if labs else 0)
    if labs:  # the lab's client cases point at its case
        linked = assessed_con.execute("SELECT count(*) FROM cases c JOIN cases p ON p.case_id = c.parent_case "
                                      "WHERE p.subject_kind = 'agency'").fetchone()[0]
        assert linked >= case_history.AGENCY_CLIENTS
