"""The evaluation against decided cases (core.insight.evaluate, labels="decided"): positives are the
enterprises with a confirmed decision, decided@k and precision_decided@k say how much of the top k
was inspected at all, a changed decision moves the figures, and `core.cli evaluate --labels decided`
prints them. The planted labels' output keeps its shape."""
from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.contract import clock
from core.contract.roles import User
from core.insight import evaluate, runs
from core.store import cases as store
from core.store import db

ROOT = Path(__file__).resolve().parents[2]
ADMIN = User("li.admin", "national_admin", None, "local")
KS = (10,)
BUDGET = 0.05


@pytest.fixture
def db_path(assessed_demo_db, private_copy) -> Path:
    """This test's own copy of the assessed demo (the tests write cases into it)."""
    return private_copy(assessed_demo_db, "decided")


@pytest.fixture
def con(db_path):
    c = db.connect(db_path)
    c.execute("DELETE FROM case_events")  # whatever history the demo wrote: these tests decide their own cases
    c.execute("DELETE FROM cases")
    yield c
    c.close()


def _open(con, enterprise_id: str) -> store.Opened:
    province = con.execute("SELECT province_code FROM enterprises WHERE enterprise_id = ?",
                           [enterprise_id]).fetchone()[0]
    return store.open_case(con, ADMIN, subject_kind="enterprise", subject_id=enterprise_id, subject_name="Plant",
                           province_code=province, source="top_risk", snapshot={"risk_score": 1.0})


def confirm(con, enterprise_id: str, pattern: str) -> tuple[str, int]:
    o = _open(con, enterprise_id)
    v = store.change(con, ADMIN, o.case_id, o.version, "take")
    return o.case_id, store.change(con, ADMIN, o.case_id, v, "confirm", {"finding": "found", "pattern": pattern})


def dismiss(con, enterprise_id: str) -> tuple[str, int]:
    o = _open(con, enterprise_id)
    v = store.change(con, ADMIN, o.case_id, o.version, "take")
    return o.case_id, store.change(con, ADMIN, o.case_id, v, "dismiss", {"reason": "nothing there"})


def composite(ev: evaluate.Evaluation):
    return ev.table.set_index("ranking").loc["risk composite"]


def test_decided_labels_follow_every_decision(con):
    run = runs.latest_assessment(con)
    rank = runs.ranked(con, run.run_id)
    ids = list(rank.enterprise_id)
    n = len(ids)
    budget_k = max(1, math.ceil(BUDGET * n))
    assert n > 20 and budget_k < KS[0]
    top, second, bottom = ids[0], ids[1], ids[-1]

    # no decision at all, then a dismissal only: nothing to measure against
    with pytest.raises(LookupError, match="no confirmed decision"):
        evaluate.evaluate(con, run, labels="decided", ks=KS)
    dismissed_case, dismissed_version = dismiss(con, bottom)
    with pytest.raises(LookupError, match="no confirmed decision"):
        evaluate.evaluate(con, run, labels="decided", ks=KS)

    # the top enterprise confirmed, the bottom one dismissed
    confirm(con, top, "batch_testing")
    ev = evaluate.evaluate(con, run, labels="decided", ks=KS, budget=BUDGET)
    assert (ev.labels, ev.n_labels, ev.n_decided, ev.n_positive, ev.n_enterprises) == ("decided", 2, 2, 1, n)
    c = composite(ev)
    assert c["precision@10"] == pytest.approx(1 / 10)  # one confirmed among the top 10
    assert c["decided@10"] == 1  # the bottom enterprise is decided, but not in the top 10
    assert c["precision_decided@10"] == pytest.approx(1.0)
    assert c["recall@budget"] == pytest.approx(1.0)
    assert c["roc_auc"] == pytest.approx(1.0)  # the one positive ranks first
    assert list(ev.table.columns) == ["ranking", "roc_auc", "avg_precision", "precision@10", "decided@10",
                                      "precision_decided@10", "recall@budget"]
    assert ev.per_pattern.to_dict("records") == [{"pattern": "batch_testing", "cases": 1, "found": 1, "recall": 1.0}]
    flags = ev.ranking.set_index("enterprise_id")
    assert flags.loc[top, "confirmed"] and flags.loc[bottom, "decided"] and not flags.loc[bottom, "confirmed"]
    assert not flags.loc[second, "decided"]

    # a look-back reopens the dismissed case and confirms it: the bottom enterprise becomes positive
    v = store.change(con, ADMIN, dismissed_case, dismissed_version, "reopen", {"reason": "the look-back found it"})
    store.change(con, ADMIN, dismissed_case, v, "confirm", {"finding": "coal understated", "pattern": "coal_understated"})
    ev = evaluate.evaluate(con, run, labels="decided", ks=KS, budget=BUDGET)
    assert (ev.n_labels, ev.n_decided, ev.n_positive) == (2, 2, 2)
    c = composite(ev)
    assert c["precision@10"] == pytest.approx(1 / 10) and c["decided@10"] == 1
    assert c["recall@budget"] == pytest.approx(1 / 2)  # one of the two confirmed is within the budget
    assert c["roc_auc"] == pytest.approx(((n - 2) + 0) / (2 * (n - 2)))  # first beats all, last beats none
    per = ev.per_pattern.set_index("pattern")
    assert per.loc["batch_testing", "found"] == 1 and per.loc["coal_understated", "found"] == 0
    assert per.loc["coal_understated", "recall"] == 0.0

    # the second enterprise inspected and dismissed: more of the top 10 decided, fewer of them confirmed
    dismiss(con, second)
    c = composite(evaluate.evaluate(con, run, labels="decided", ks=KS, budget=BUDGET))
    assert c["decided@10"] == 2 and c["precision_decided@10"] == pytest.approx(1 / 2)
    assert c["precision@10"] == pytest.approx(1 / 10)


def close(con, cid: str, version: int) -> None:
    """A confirmed case through rectification and its look-back to closed."""
    v = store.change(con, ADMIN, cid, version, "order", {"deadline": "2027-03-31", "corrections": ["retest"]})
    v = store.change(con, ADMIN, cid, v, "rectified", {"evidence": "new report"})
    v = store.change(con, ADMIN, cid, v, "look_back", {"outcome": "held"})
    store.change(con, ADMIN, cid, v, "close")


def test_two_confirmed_cases_of_one_enterprise_count_once_as_positive_and_twice_per_pattern(con, monkeypatch):
    ticks = itertools.count()
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(seconds=next(ticks)))  # a case id names its second
    run = runs.latest_assessment(con)
    top = runs.ranked(con, run.run_id).enterprise_id.iloc[0]
    close(con, *confirm(con, top, "batch_testing"))  # closed: the next flag opens a new case
    confirm(con, top, "batch_testing")
    ev = evaluate.evaluate(con, run, labels="decided", ks=KS, budget=BUDGET)
    assert (ev.n_labels, ev.n_decided, ev.n_positive) == (2, 1, 1)
    assert ev.per_pattern.to_dict("records") == [{"pattern": "batch_testing", "cases": 2, "found": 2, "recall": 1.0}]


def test_the_planted_labels_keep_their_output(con):
    run = runs.latest_assessment(con)
    confirm(con, runs.ranked(con, run.run_id).enterprise_id.iloc[-1], "other")  # decisions do not touch it
    ev = evaluate.evaluate(con, run)
    assert ev.labels == "planted" and ev.n_labels == len(evaluate.labels(con))
    assert list(ev.table.columns) == ["ranking", "roc_auc", "avg_precision", "precision@50", "precision@100",
                                      "recall@budget"]
    assert list(ev.per_pattern.columns) == ["pattern", "cases", "found", "recall"]
    assert "decided" not in ev.ranking.columns
    assert ev.n_positive == evaluate.labels(con).query("outcome == 'confirmed'").enterprise_id.nunique()
    with pytest.raises(ValueError, match="unknown label source"):
        evaluate.evaluate(con, run, labels="guessed")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ}, timeout=300)


def test_the_command_line_evaluates_against_decided_cases(con, db_path):
    run = runs.latest_assessment(con)
    confirm(con, runs.ranked(con, run.run_id).enterprise_id.iloc[0], "carbon_shading")
    con.close()  # the command opens the database for writing
    r = cli("evaluate", "--db", str(db_path), "--labels", "decided")
    assert r.returncode == 0, r.stderr
    assert "1 decided cases on 1 enterprises, 1 with a confirmed decision" in r.stdout
    assert "decided@50" in r.stdout and "precision_decided@50" in r.stdout and "carbon_shading" in r.stdout
    planted = cli("evaluate", "--db", str(db_path))
    assert planted.returncode == 0, planted.stderr
    assert "decided@50" not in planted.stdout and "confirmed cases" in planted.stdout
    c = db.connect(db_path)
    try:
        c.execute("DELETE FROM case_events")
        c.execute("DELETE FROM cases")
    finally:
        c.close()
    r = cli("evaluate", "--db", str(db_path), "--labels", "decided")
    assert r.returncode == 1 and "no confirmed decision" in r.stderr
