"""Cases (core.contract.cases, core.store.cases): the moves and who may make them, version-checked
changes, and 20 writers on 10 cases without a lost update."""
from __future__ import annotations

import json
import threading
import time

import pytest

from core.contract import cases as rules
from core.contract.roles import User
from core.store import audit, db
from core.store import cases as store

ADMIN = User("li.admin", "national_admin", None, "local")
ANALYST = User("zhao.analyst", "national_analyst", None, "local")
SHANDONG = User("sd.zhang", "provincial_analyst", frozenset({"37"}), "local")
JIANGSU = User("js.wu", "provincial_analyst", frozenset({"32"}), "local")
VIEWER = User("reader", "viewer", None, "local")


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "cases.duckdb")
    yield c
    c.close()


def _open(con, user=SHANDONG, subject="E37-1", province="37"):
    return store.open_case(con, user, subject_kind="enterprise", subject_id=subject, subject_name="Plant",
                           province_code=province, source="top_risk", snapshot={"risk_score": 81.2, "rules": ["R04"]})


def test_a_case_goes_from_a_flag_to_closed_with_every_step_in_the_timeline_and_the_audit(con):
    o = _open(con)
    v = store.change(con, SHANDONG, o.case_id, o.version, "assign", {"owner": "sd.zhang"})
    v = store.change(con, SHANDONG, o.case_id, v, "take")
    v = store.change(con, SHANDONG, o.case_id, v, "confirm", {"finding": "lab report back-dated",
                                                          "pattern": "batch_testing"})
    v = store.change(con, SHANDONG, o.case_id, v, "measures", {"fine_cny": 50000, "responsible_units": "Lab X"})
    v = store.change(con, SHANDONG, o.case_id, v, "order", {"deadline": "2027-03-31", "corrections": ["retest"]})
    with pytest.raises(rules.CaseError, match="national administrator"):
        store.change(con, SHANDONG, o.case_id, v, "rectified", {"evidence": "new report"})
    v = store.change(con, ADMIN, o.case_id, v, "rectified", {"evidence": "new report"})
    v = store.change(con, ADMIN, o.case_id, v, "look_back", {"outcome": "held"})
    v = store.change(con, ADMIN, o.case_id, v, "close")
    events = store.timeline(con, ADMIN.scope, o.case_id)
    assert list(events["action"]) == ["open", "assign", "take", "confirm", "measures", "order", "rectified",
                                      "look_back", "close"]
    assert list(events["user_name"]) == ["sd.zhang"] * 6 + ["li.admin"] * 3
    assert list(events["version"]) == list(range(1, 10)) and v == 9
    log = audit.entries(con, action="case_change").sort_values("seq")
    assert [json.loads(d)["move"] for d in log["detail"]] == list(events["action"])
    row = store.case_rows(con, ADMIN.scope).iloc[0]
    assert row["state"] == "closed" and json.loads(row["measures"])["fine_cny"] == 50000


@pytest.mark.parametrize("action, fields, says", [
    ("confirm", {"finding": "x"}, "cannot be confirm"),         # from new: take first
    ("dismiss", {}, "needs reason"),
    ("order", {"deadline": "2027-01-01", "corrections": ["retest"]}, "cannot be order"),
    ("fly", {}, "unknown move"),
    ("note", {"note": "bad \u202e text"}, "control or direction"),
])
def test_a_move_that_does_not_fit_is_refused_and_nothing_changes(con, action, fields, says):
    o = _open(con)
    with pytest.raises(rules.CaseError, match=says):
        store.change(con, SHANDONG, o.case_id, o.version, action, fields)
    assert list(store.timeline(con, ADMIN.scope, o.case_id)["action"]) == ["open"]


def test_a_stale_edit_is_refused_with_the_newer_state(con):
    o = _open(con)
    store.change(con, SHANDONG, o.case_id, o.version, "take")
    with pytest.raises(store.StaleCase) as e:
        store.change(con, ANALYST, o.case_id, o.version, "dismiss", {"reason": "nothing there"})
    assert e.value.current["state"] == "under_review" and e.value.current["version"] == 2
    assert e.value.current["by"] == "sd.zhang" and "reload" in str(e.value)


def test_another_province_s_case_cannot_be_seen_opened_or_changed(con):
    o = _open(con)
    assert store.case_rows(con, JIANGSU.scope).empty and store.timeline(con, JIANGSU.scope, o.case_id).empty
    with pytest.raises(rules.CaseError, match="no case"):
        store.change(con, JIANGSU, o.case_id, o.version, "take")
    with pytest.raises(rules.CaseError, match="outside your scope"):
        _open(con, JIANGSU, subject="E37-2", province="37")
    with pytest.raises(rules.CaseError, match="does not work on cases"):
        _open(con, VIEWER, subject="E37-3")


def test_opening_a_subject_s_case_again_returns_the_open_one(con):
    first, again = _open(con), _open(con)
    assert (first.case_id, first.version, first.new) == (again.case_id, again.version, not again.new)
    assert len(store.case_rows(con, ADMIN.scope)) == 1


def test_twenty_writers_on_ten_cases_lose_no_update(con):
    ids = [_open(con, ADMIN, subject=f"E37-{i}").case_id for i in range(10)]
    accepted, refused, errors = [], [], []
    stop = time.monotonic() + 3.0

    def writer(n: int) -> None:
        i = 0
        while time.monotonic() < stop:
            cid = ids[(n + i) % len(ids)]
            i += 1
            cur = con.cursor()
            try:
                version = cur.execute("SELECT version FROM cases WHERE case_id = ?", [cid]).fetchone()[0]
            finally:
                cur.close()
            note = f"writer {n} change {i}"
            try:
                new = store.change(con, ADMIN, cid, version, "note", {"note": note})
                accepted.append((cid, new, note))
            except store.StaleCase as e:
                refused.append((cid, version, e.current.get("version"), e.at_once))
            except Exception as e:  # anything else is a failure of the test
                errors.append(repr(e))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    print(f"accepted {len(accepted)}, refused {len(refused)} ({sum(r[3] for r in refused)} at the same moment)")
    assert errors == [] and accepted and refused  # both happened under contention
    rows = store.case_rows(con, ADMIN.scope).set_index("case_id")
    for cid in ids:
        mine = [a for a in accepted if a[0] == cid]
        events = store.timeline(con, ADMIN.scope, cid)
        assert int(rows.loc[cid, "version"]) == 1 + len(mine) == len(events)  # no lost update
        assert sorted(json.loads(f)["note"] for f in events["fields"].iloc[1:]) == sorted(a[2] for a in mine)
        assert sorted(events["version"].iloc[1:]) == sorted(a[1] for a in mine)  # each accepted once, in order
    log = audit.entries(con, action="case_change", limit=100_000)
    notes = [json.loads(d) for d in log["detail"] if json.loads(d)["move"] == "note"]
    assert len(notes) == len(accepted)  # every accepted change is in the audit, no refused one
    # each refusal names a newer version, or says that the other change was being made at that moment
    assert all(r[2] > r[1] or (r[3] and r[2] >= r[1]) for r in refused)
