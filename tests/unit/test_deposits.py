"""Late and missing monthly deposits weigh as they do for a regulator (issue 13.3; domain.md §2.3: each
month due 40 days after month end, the annual report by 31 March; §6.1: 以日保月、以月保年): the rules
R09, R10, R16 and R19 and the risk score on hand-built deposit records, and R18 reading an alert's
clarity rather than its size-weighted score."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.contract import mrv
from core.contract.scoring import FLAGGED_BANDS
from core.engine import features, risk, rules
from core.insight import trading

YEAR = 2023
DEPOSIT_RULES = ["R09", "R10", "R16", "R19"]


def deposits(late: dict[str, dict[int, int]], missing: dict[str, list[int]] | None = None,
             surveillance: pd.DataFrame | None = None) -> features.Features:
    """One unit per enterprise depositing every month of YEAR 5 days before its deadline, except the
    months in `late` (enterprise -> month -> days after the deadline) and in `missing` (never deposited)."""
    missing = missing or {}
    rows, gone = [], []
    for e in sorted(set(late) | set(missing)):
        for month in range(1, 13):
            period = pd.Timestamp(YEAR, month, 1)
            if month in missing.get(e, []):
                gone.append((f"{e}-U1", e, period))
                continue
            days = late.get(e, {}).get(month, -5)
            deadline = pd.Timestamp(mrv.deposit_deadline(period.date()))
            rows.append({"enterprise_id": e, "unit_id": f"{e}-U1", "period": period, "year": YEAR, "late_days": days,
                         "submitted_at": deadline + pd.Timedelta(days=days, hours=10)})
    um = pd.DataFrame(rows)
    ey = pd.DataFrame({"enterprise_id": sorted(set(um.enterprise_id)), "year": YEAR, "deficit_share": 0.0,
                       "lab_id": None, "consultant_id": None, "verifier_id": None})
    return features.Features(um, None, ey, pd.DataFrame(gone, columns=["unit_id", "enterprise_id", "period"]), None,
                             surveillance)


def ranked(f: features.Features) -> pd.DataFrame:
    hits = rules.evaluate(f, DEPOSIT_RULES)
    comp = risk.components(f, hits, np.zeros(len(f.unit_months)))
    return risk.by_enterprise(comp).set_index("enterprise_id")


def fired(f: features.Features) -> dict[str, dict[str, str]]:
    """enterprise -> rule -> severity of its hits."""
    hits = rules.evaluate(f, DEPOSIT_RULES)
    return {e: dict(zip(g.rule_id, g.severity)) for e, g in hits.groupby("enterprise_id")}


def test_a_month_weighs_its_days_late_against_the_time_left_before_the_annual_report():
    f = deposits({"DEC40": {12: 40}, "MAY40": {5: 40}, "NOV40": {11: 40}, "MAY2": {5: 2}, "AFTER": {3: 400}},
                 {"GAP": [6]})
    d = features.deposit_months(f.unit_months, f.missing).set_index("enterprise_id")
    # December falls due on 9 February 2024, 51 days before the report of 31 March; May has the full 90
    assert d.loc["DEC40", "unsecured"] == pytest.approx(40 / 51)
    assert d.loc["NOV40", "unsecured"] == pytest.approx(40 / 82)
    assert d.loc["MAY40", "unsecured"] == pytest.approx(40 / 90)
    assert d.loc["MAY2", "unsecured"] == pytest.approx(2 / 90)
    assert d.loc["DEC40", "unsecured"] > d.loc["NOV40", "unsecured"] > d.loc["MAY40", "unsecured"]
    # deposited after the annual report fell due, or never: the month is taken on trust in full
    assert d.loc["AFTER", "unsecured"] == 1.0 and d.loc["AFTER", "outstanding"]
    assert d.loc["GAP", "unsecured"] == 1.0 and d.loc["GAP", "missing"] and d.loc["GAP", "outstanding"]
    assert str(d.loc["GAP", "report_due"].date()) == "2024-03-31"
    # on time is nothing, and the annual regime (before 2022) is not weighed month by month
    assert set(d.index) == {"DEC40", "MAY40", "NOV40", "MAY2", "AFTER", "GAP"}


def test_a_deposit_40_days_late_before_the_annual_report_outranks_one_2_days_late():
    f = deposits({"DEC40": {12: 40}, "MAY2": {5: 2}, "ONTIME": {}})
    r = ranked(f)
    assert r.loc["DEC40", "risk_score"] > r.loc["MAY2", "risk_score"] > r.loc["ONTIME", "risk_score"] == 0
    assert fired(f) == {"DEC40": {"R09": "medium"}, "MAY2": {"R16": "info"}}


def test_repeated_and_long_lateness_escalates_the_year():
    f = deposits({"SIX100": dict.fromkeys(range(3, 9), 100), "TWO60": {4: 60, 8: 60}, "ONE45": {5: 45},
                  "ONE150": {5: 150}, "SLIGHT": dict.fromkeys(range(1, 13), 10)})
    r, hits = ranked(f), fired(f)
    # one month 45 days late is a lapse a reminder settles: not flagged; a year's pattern is
    assert hits["ONE45"] == {"R09": "medium"} and r.loc["ONE45", "band"] not in FLAGGED_BANDS
    assert hits["TWO60"]["R19"] == "high" and hits["ONE150"]["R19"] == "high"
    assert hits["SIX100"]["R19"] == "critical" and r.loc["SIX100", "band"] == "critical"
    # twelve months each 10 days late add up to 1.33 months of deposits taken on trust
    assert hits["SLIGHT"] == {"R16": "info", "R19": "high"}
    order = list(r.index)
    assert order.index("SIX100") < order.index("TWO60") < order.index("ONE45")
    assert r.loc["ONE150", "risk_score"] > r.loc["ONE45", "risk_score"]
    # the hit says on what values it fired, in both languages
    ev = json.loads(rules.evaluate(f, ["R19"]).set_index("enterprise_id").loc["SIX100", "evidence"])
    assert ev == {"unsecured": 6.0, "months": "03, 04, 05, 06, 07, 08", "late_months": 6, "max_late_days": 100,
                  "missing_months": 0, "outstanding": 0, "report_due": "2024-03-31"}


def test_a_missing_month_between_deposits_is_flagged_and_a_missing_quarter_is_critical():
    f = deposits({"ONTIME": {}}, {"GAP": [6], "QUARTER": [4, 5, 6]})
    r, hits = ranked(f), fired(f)
    assert hits["GAP"] == {"R10": "medium", "R19": "high"} and r.loc["GAP", "band"] in FLAGGED_BANDS
    assert hits["QUARTER"] == {"R10": "medium", "R19": "critical"} and r.loc["QUARTER", "band"] == "critical"
    assert "ONTIME" not in hits
    ev = json.loads(rules.evaluate(f, ["R19"]).set_index("enterprise_id").loc["QUARTER", "evidence"])
    assert ev["missing_months"] == 3 and ev["outstanding"] == 3 and ev["late_months"] == 0


def test_graded_hits_keep_one_severity_per_rule_and_year():
    """The what-if recomputes the rules component from each hit's severity (core.store.whatif): a graded
    rule gives one hit per enterprise-year, so its weight is counted once."""
    f = deposits({"SIX100": dict.fromkeys(range(3, 9), 100), "TWO60": {4: 60, 8: 60}})
    hits = rules.evaluate(f, ["R19"])
    assert not hits.duplicated(["enterprise_id", "period", "rule_id"]).any()
    assert rules.RULES["R19"].severity == "critical"  # the catalogue names its highest grade


def _alert(kind: str, score: float, clarity: float, enterprise: str) -> dict:
    return {"alert_id": f"{kind}:{enterprise}", "kind": kind, "score": score, "clarity": clarity,
            "first_ts": pd.Timestamp(YEAR, 7, 24, 14, 57), "enterprises": [enterprise], "trade_ids": ["T1", "T2"],
            "volume_t": 15_428.0}


def test_surveillance_rule_reads_how_plain_the_pattern_is_not_how_many_tonnes_it_moved():
    """A marked close on a thin day moves few tonnes by nature: its size factor must not keep it out of R18."""
    alerts = pd.DataFrame([_alert("marking_close", 48.6, 76.0, "MARK"),
                           _alert("deadline_concentration", 55.0, 55.0, "RUSH"),
                           _alert("cycle", 45.0, 72.0, "CYCLE")])
    f = deposits({"MARK": {}, "RUSH": {}, "CYCLE": {}}, surveillance=alerts)
    hits = rules.evaluate(f, ["R18"])
    assert set(hits.enterprise_id) == {"MARK", "CYCLE"}
    # the clarity is the score before the size factor: equal from 1 Mt, above it below
    rows = pd.DataFrame({"move": [0.032197, 0.032197], "volume_t": [15_428.0, 2_000_000.0]})
    clarity, score = trading.clarity("marking_close", rows), trading.score("marking_close", rows)
    assert clarity.tolist() == [76.3, 76.3] and score[0] < 50 <= clarity[0] and score[1] == clarity[1]
