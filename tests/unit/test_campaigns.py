"""Self-examination campaigns (core.contract.campaigns, core.store.campaigns): who an intermediary
served, who may start a campaign over which provinces, version-checked responses, the audit."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from core.contract import campaigns as rules
from core.contract import clock
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.contract.roles import User
from core.store import audit, campaigns, db

ADMIN = User("li.admin", "national_admin", None, "local")
ANALYST = User("zhao.analyst", "national_analyst", None, "local")
SHANDONG = User("sd.zhang", "provincial_analyst", frozenset({"37"}), "local")
JIANGSU = User("js.wu", "provincial_analyst", frozenset({"32"}), "local")
VIEWER = User("reader", "viewer", None, "local")
NATIONAL = Scope.national()
DUE = clock.now().date() + dt.timedelta(days=30)

# Four plants in Shandong (37) and Jiangsu (32). Lab L1 tested E1's and E3's coal in 2023 and E4's
# in 2022; lab L2 tested E2's in 2023; consultant C1 advises E1 and E3; verifier V1 verified E2 and
# E4 for 2023.
ENTERPRISES = [("E1", "Alpha Power", "37", "C1"), ("E2", "Beta Power", "37", None),
               ("E3", "Gamma Power", "32", "C1"), ("E4", "Delta Power", "32", None)]
AGENCIES = [("L1", "Lab One", "lab"), ("L2", "Lab Two", "lab"), ("C1", "Consult One", "consultant"),
            ("V1", "Verifier One", "verifier")]
REPORTS = [("U1", "2023-01", "L1"), ("U1", "2023-02", "L1"), ("U3", "2023-02", "L1"), ("U2", "2023-01", "L2"),
           ("U4", "2022-05", "L1"), ("U4", "2023-03", None)]


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "x.duckdb")
    c.executemany("INSERT INTO agencies (agency_id, name, kind) VALUES (?, ?, ?)", AGENCIES)
    c.executemany("INSERT INTO enterprises (enterprise_id, name, province_code, sector, consultant_id) "
                  "VALUES (?, ?, ?, 'power', ?)", ENTERPRISES)
    c.executemany("INSERT INTO units (unit_id, enterprise_id, unit_class, capacity_mw) VALUES (?, ?, 'coal_300mw_below', 300)",
                  [(f"U{e[0][1]}", e[0]) for e in ENTERPRISES])
    rows = []
    for unit, period, lab in REPORTS:
        p = dt.date.fromisoformat(period + "-01")
        rows.append((unit, p, 100_000.0, 21.0, 0.026, "measured" if lab else "default", lab,
                     None if lab is None else f"R-{unit}-{period}", dt.datetime.combine(p, dt.time(9)) + dt.timedelta(days=35)))
    c.executemany("INSERT INTO monthly_reports (unit_id, period, fuel_type, fuel_consumed, ncv, carbon_content, "
                  "carbon_content_source, lab_id, lab_report_no, generation_mwh, supply_mwh, operating_hours, submitted_at) "
                  "VALUES (?, ?, 'coal', ?, ?, ?, ?, ?, ?, 1000, 950, 500, ?)", rows)
    c.executemany("INSERT INTO verifications (enterprise_id, year, reported_t, verified_t, verifier_id, conclusion) "
                  "VALUES (?, 2023, 1000, 1000, 'V1', 'pass')", [("E2",), ("E4",)])
    yield c
    c.close()


def _start(con, user=ADMIN, agency="L1", year=2023, scope=NATIONAL, enterprises=None, due=DUE):
    clients = campaigns.clients_of(con, scope, agency, year) if enterprises is None else enterprises
    return campaigns.start_campaign(con, user, title=f"Self-examination of {agency}'s clients", agency_id=agency,
                                    year=year, due_date=due, enterprises=clients)


def _tasks(con, scope, cid):
    return campaigns.campaign_tasks(con, scope, NO_FILTERS, cid, at=campaigns.version(con))


@pytest.mark.parametrize("agency, year, clients", [
    ("L1", 2023, ["E1", "E3"]),  # not E4: L1 tested its coal in 2022
    ("L1", 2022, ["E4"]),
    ("L2", 2023, ["E2"]),
    ("C1", 2023, ["E1", "E3"]),  # its clients deposited reports in 2023
    ("C1", 2022, []),
    ("V1", 2023, ["E2", "E4"]),
])
def test_the_clients_of_an_intermediary_in_a_year(con, agency, year, clients):
    assert sorted(campaigns.clients_of(con, NATIONAL, agency, year)["enterprise_id"]) == clients


def test_a_campaign_for_a_lab_s_clients_asks_exactly_those_clients(con):
    cid = _start(con)
    tasks = _tasks(con, NATIONAL, cid)
    assert list(tasks["enterprise_id"]) == ["E3", "E1"]  # by province code: 32 before 37
    assert set(tasks["status"]) == {"pending"} and set(tasks["version"]) == {1}
    assert dict(zip(tasks["enterprise_id"], tasks["province_code"])) == {"E1": "37", "E3": "32"}
    row = campaigns.campaign_list(con, NATIONAL, at=campaigns.version(con)).iloc[0]
    assert (row["campaign_id"], row["basis"], row["agency_id"], row["agency_name"], row["year"]) == \
        (cid, "lab", "L1", "Lab One", 2023)
    assert (row["tasks"], row["pending"], row["responded"], row["overdue"], row["response_share"]) == (2, 2, 0, 0, 0.0)
    assert str(row["due_date"])[:10] == DUE.isoformat() and row["created_by"] == "li.admin"


def test_a_provincial_analyst_starts_campaigns_only_inside_their_provinces(con):
    both = campaigns.clients_of(con, NATIONAL, "L1", 2023)
    with pytest.raises(rules.CampaignError, match="outside your scope"):
        _start(con, SHANDONG, enterprises=both)
    with pytest.raises(rules.CampaignError, match="does not work on cases"):
        _start(con, VIEWER)
    assert campaigns.campaign_list(con, NATIONAL).empty and audit.entries(con, action="campaign").empty
    # their own view of the lab's clients is their own province's, and that they may ask
    mine = campaigns.clients_of(con, SHANDONG.scope, "L1", 2023)
    assert list(mine["enterprise_id"]) == ["E1"]
    cid = _start(con, SHANDONG, scope=SHANDONG.scope)
    assert list(_tasks(con, NATIONAL, cid)["enterprise_id"]) == ["E1"]


def test_a_provincial_analyst_sees_and_answers_only_their_province_s_tasks(con):
    cid = _start(con)  # national: E1 (37) and E3 (32)
    sd = _tasks(con, SHANDONG.scope, cid)
    assert list(sd["enterprise_id"]) == ["E1"]
    row = campaigns.campaign_list(con, SHANDONG.scope).iloc[0]
    assert (row["tasks"], row["provinces"]) == (1, 1)  # the counts are those of the tasks in scope
    with pytest.raises(rules.CampaignError, match="no task"):  # another province's task looks unknown
        campaigns.respond(con, SHANDONG, cid, "E3", 1, "no_issue")
    assert campaigns.respond(con, SHANDONG, cid, "E1", 1, "no_issue") == 2
    assert campaigns.respond(con, JIANGSU, cid, "E3", 1, "self_corrected", "re-tested the coal") == 2
    with pytest.raises(rules.CampaignError, match="does not work on cases"):
        campaigns.respond(con, VIEWER, cid, "E1", 2, "refused", "x")
    assert campaigns.campaign_list(con, Scope.of(["44"])).empty and _tasks(con, Scope.of(["44"]), cid).empty


def test_a_stale_response_is_refused_with_the_newer_state(con):
    cid = _start(con)
    assert campaigns.respond(con, ANALYST, cid, "E1", 1, "self_corrected", "corrected March") == 2
    with pytest.raises(campaigns.StaleTask) as e:
        campaigns.respond(con, SHANDONG, cid, "E1", 1, "no_issue")
    assert e.value.current["status"] == "self_corrected" and e.value.current["version"] == 2
    assert e.value.current["by"] == "zhao.analyst" and "reload" in str(e.value)
    assert "self_corrected" in str(e.value) and "version 2" in str(e.value)
    task = _tasks(con, NATIONAL, cid).set_index("enterprise_id").loc["E1"]
    assert (task["status"], task["version"], task["note"]) == ("self_corrected", 2, "corrected March")
    # made on the newer version, a correction of the response is accepted
    assert campaigns.respond(con, SHANDONG, cid, "E1", 2, "no_issue") == 3


@pytest.mark.parametrize("status, note, says", [
    ("self_corrected", None, "note is required"),
    ("refused", "  ", "note is required"),
    ("pending", None, "a response is one of"),
    ("closed", "x", "a response is one of"),
    ("no_issue", "bad \u202e text", "control or direction"),
])
def test_a_response_that_does_not_fit_is_refused_and_nothing_changes(con, status, note, says):
    cid = _start(con)
    before = campaigns.version(con)
    with pytest.raises(rules.CampaignError, match=says):
        campaigns.respond(con, ADMIN, cid, "E1", 1, status, note)
    assert campaigns.version(con) == before and len(audit.entries(con, action="campaign")) == 1


def test_a_campaign_that_cannot_be_started_is_refused(con):
    with pytest.raises(rules.CampaignError, match="at least one enterprise"):
        _start(con, enterprises=pd.DataFrame({"enterprise_id": []}))
    with pytest.raises(rules.CampaignError, match="in the past"):
        _start(con, due=clock.now().date() - dt.timedelta(days=1))
    with pytest.raises(rules.CampaignError, match="unknown"):
        _start(con, enterprises=pd.DataFrame({"enterprise_id": ["E1", "E9"]}))
    with pytest.raises(rules.CampaignError, match="no intermediary"):
        _start(con, agency="X9", enterprises=pd.DataFrame({"enterprise_id": ["E1"]}))
    assert campaigns.campaign_list(con, NATIONAL).empty and audit.entries(con, action="campaign").empty


def test_every_accepted_change_is_audited_and_no_refused_one(con):
    cid = _start(con)
    campaigns.respond(con, ADMIN, cid, "E1", 1, "refused", "the plant declined to re-test")
    with pytest.raises(campaigns.StaleTask):
        campaigns.respond(con, ADMIN, cid, "E1", 1, "no_issue")
    campaigns.respond(con, JIANGSU, cid, "E3", 1, "no_issue")
    log = audit.entries(con, action="campaign").sort_values("seq")
    details = [json.loads(d) for d in log["detail"]]
    assert [d["move"] for d in details] == ["start", "respond", "respond"]
    assert list(log["target"]) == [cid] * 3 and list(log["user_name"]) == ["li.admin", "li.admin", "js.wu"]
    assert details[0]["tasks"] == 2 and details[0]["agency"] == "L1" and log["scope"].iloc[0] == "32,37"
    assert [(d["enterprise"], d["status"]) for d in details[1:]] == [("E1", "refused"), ("E3", "no_issue")]
    assert [json.loads(b)["version"] for b in log["before"].iloc[1:]] == [1, 1]
    assert list(log["scope"].iloc[1:]) == ["37", "32"]


def test_the_list_counts_responses_and_overdue_tasks(con, monkeypatch):
    cid = _start(con, agency="V1")  # E2 (37), E4 (32)
    campaigns.respond(con, ADMIN, cid, "E2", 1, "self_corrected", "re-reported the January data")
    later = dt.datetime.combine(DUE + dt.timedelta(days=1), dt.time(10))
    monkeypatch.setattr(clock, "now", lambda: later)
    row = campaigns.campaign_list(con, NATIONAL, at=campaigns.version(con)).iloc[0]
    assert (row["tasks"], row["pending"], row["responded"], row["self_corrected"], row["overdue"]) == (2, 1, 1, 1, 1)
    assert row["response_share"] == pytest.approx(0.5)
    tasks = _tasks(con, NATIONAL, cid)
    assert list(tasks["enterprise_id"]) == ["E4", "E2"] and list(tasks["overdue"]) == [True, False]
    # a filter on the province keeps the campaign with that province's tasks only
    only = campaigns.campaign_list(con, NATIONAL, Filters(provinces=("37",))).iloc[0]
    assert (only["tasks"], only["overdue"]) == (1, 0)


def test_the_version_changes_with_every_write(con):
    seen = {campaigns.version(con)}
    cid = _start(con)
    seen.add(campaigns.version(con))
    campaigns.respond(con, ADMIN, cid, "E1", 1, "no_issue")
    seen.add(campaigns.version(con))
    campaigns.respond(con, ADMIN, cid, "E1", 2, "refused", "withdrew the answer")
    seen.add(campaigns.version(con))
    assert len(seen) == 4


def test_the_intermediaries_offered_are_those_with_clients_in_scope(con):
    national = campaigns.client_years(con, NATIONAL)
    assert set(zip(national["agency_id"], national["year"], national["clients"])) == {
        ("L1", 2023, 2), ("L1", 2022, 1), ("L2", 2023, 1), ("C1", 2023, 2), ("V1", 2023, 2)}
    jiangsu = campaigns.client_years(con, JIANGSU.scope)
    assert set(jiangsu["agency_id"]) == {"L1", "C1", "V1"}  # L2's only client is in Shandong
