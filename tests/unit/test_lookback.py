"""The look-back (core.insight.lookback, core.store.lookback): the population of a year's handled
cases, the seeded risk-weighted draw, the outcomes as the cases' own moves, and the report."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from core.contract import cases as rules
from core.contract.access import Scope
from core.contract.roles import User
from core.insight import lookback
from core.store import audit, db
from core.store import cases as case_store
from core.store import lookback as store

ADMIN = User("li.admin", "national_admin", None, "local")
ANALYST = User("zhao.analyst", "national_analyst", None, "local")
SHANDONG = User("sd.zhang", "provincial_analyst", frozenset({"37"}), "local")
NATIONAL = Scope.national()


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "x.duckdb")
    yield c
    c.close()


def _cases(con, rows) -> None:
    """Write decided cases of the past through the product's history import: rows of (case_id,
    province, state, decided_at or None, risk_score or None)."""
    opened = dt.datetime(2022, 2, 1, 9)
    cases, events = [], []
    for cid, province, state, decided, score in rows:
        decision = None if decided is None else ("dismissed" if state == "dismissed" else "confirmed")
        cases.append((cid, "enterprise", f"E-{cid}", f"Plant {cid}", province, state, None, None, opened, "li.admin",
                      decided or opened, 1, "history", "{}", "{}", None, 2022, score, decision,
                      None if decided is None else dt.datetime.fromisoformat(decided), None, None))
        events.append((cid, 1, opened, "li.admin", "national_admin", "open", None, state, "{}"))
    case_store.import_history(con, ADMIN, pd.DataFrame(cases, columns=case_store.CASE_COLUMNS),
                              pd.DataFrame(events, columns=case_store.EVENT_COLUMNS), source="test")


def _handled(con, n=40, year=2023, province="37"):
    """`n` handled cases of `year`, scores 5, 10, ..."""
    states = ("rectified", "closed", "dismissed")
    _cases(con, [(f"C{province}-{i:03d}", province, states[i % 3], f"{year}-0{1 + i % 9}-15 10:00:00", 5.0 * (i + 1))
                 for i in range(n)])


def test_the_population_is_the_year_s_handled_cases_by_their_decision(con):
    _cases(con, [
        ("A", "37", "rectified", "2023-03-01 10:00:00", 80.0),
        ("B", "37", "closed", "2023-12-31 23:00:00", 60.0),
        ("C", "37", "dismissed", "2023-06-01 10:00:00", None),
        ("D", "37", "confirmed", "2023-05-01 10:00:00", 90.0),      # decided, not yet rectified
        ("E", "37", "under_review", None, 70.0),                     # not decided
        ("F", "37", "rectified", "2022-11-01 10:00:00", 85.0),      # handled the year before
        ("G", "37", "closed", "2024-01-02 10:00:00", 75.0),         # flagged in 2022, decided in 2024
        ("H", "32", "dismissed", "2023-02-01 10:00:00", 20.0),
        ("I", "37", "rectification_ordered", "2023-04-01 10:00:00", 95.0),
    ])
    assert list(store.population(con, NATIONAL, 2023)["case_id"]) == ["A", "B", "C", "H"]
    assert list(store.population(con, SHANDONG.scope, 2023)["case_id"]) == ["A", "B", "C"]
    assert list(store.population(con, NATIONAL, 2024)["case_id"]) == ["G"]
    years = store.handled_years(con, NATIONAL)
    assert dict(zip(years["year"], years["cases"])) == {2024: 1, 2023: 4, 2022: 1}
    # a missing score weighs the population's median (60 of 80, 60, 20), every weight at least the floor
    w = lookback.weights(store.population(con, NATIONAL, 2023)["risk_score"])
    assert list(w) == [80.0, 60.0, 60.0, 20.0]
    assert list(lookback.weights([0.0, None, -3.0])) == [lookback.WEIGHT_FLOOR] * 3


def test_the_same_seed_draws_the_same_cases_in_the_same_order(con):
    _handled(con)
    first = lookback.draw(con, ADMIN, 2023, 10, seed=20240611)
    again = lookback.draw(con, ADMIN, 2023, 10, seed=20240611)
    other = lookback.draw(con, ADMIN, 2023, 10, seed=7)
    a, b, c = (list(lookback.drawn_cases(con, NATIONAL, d)["case_id"]) for d in (first, again, other))
    assert len(a) == 10 and len(set(a)) == 10 and a == b
    assert c != a  # another seed: another sample (C(40, 10) of them)
    assert len({first, again, other}) == 3
    drawn = lookback.drawn_cases(con, NATIONAL, first)
    assert list(drawn["draw_rank"]) == list(range(1, 11))
    pop = store.population(con, NATIONAL, 2023).set_index("case_id")
    assert list(drawn["weight"]) == list(pop.loc[a, "risk_score"])
    # a size beyond the population draws all of it
    everything = lookback.draw(con, ADMIN, 2023, 500, seed=1)
    assert sorted(lookback.drawn_cases(con, NATIONAL, everything)["case_id"]) == sorted(pop.index)
    assert lookback.report(con, NATIONAL, everything)["population"] == 40


def test_the_first_case_drawn_is_drawn_in_proportion_to_its_weight():
    """Efraimidis–Spirakis: the first key is the largest with probability w_i / sum(w). Over 6000
    seeds the first picks of four cases scored 10, 20, 30, 40 fit 10/20/30/40 % (chi-square, 3 degrees
    of freedom, below the 0.1 % critical value 16.27); deterministic, as the seeds are."""
    pop = pd.DataFrame({"case_id": ["a", "b", "c", "d"], "risk_score": [10.0, 20.0, 30.0, 40.0]})
    n = 6000
    w = lookback.weights(pop["risk_score"])
    assert list(lookback.draw_from(pop, 1, 3)["case_id"]) == [pop["case_id"][lookback.sample(w, 1, 3)[0]]]
    observed = np.bincount([lookback.sample(w, 1, seed)[0] for seed in range(n)], minlength=4)
    expected = n * pop["risk_score"].to_numpy() / pop["risk_score"].sum()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < 16.27, (observed, expected)


def test_over_many_seeds_high_risk_cases_are_drawn_more_often_than_low_ones():
    """20 cases, 10 scored 90 and 10 scored 10, 5 drawn per seed over 3000 seeds: a high-risk case
    is in the sample far more often than a low-risk one, a low-risk one still sometimes."""
    pop = pd.DataFrame({"case_id": [f"c{i:02d}" for i in range(20)], "risk_score": [90.0] * 10 + [10.0] * 10})
    n = 3000
    w = lookback.weights(pop["risk_score"])
    counts = np.bincount(np.concatenate([lookback.sample(w, 5, seed) for seed in range(n)]), minlength=20)
    high, low = counts[:10] / n, counts[10:] / n
    assert high.sum() + low.sum() == pytest.approx(5.0)
    # each high-risk case's inclusion rate, against every low-risk one's, by a margin far beyond chance
    # (the standard error of a rate over 3000 draws is below 0.01)
    assert high.min() > 0.40 and low.max() < 0.12 and low.min() > 0.02
    # the same holds for the mean rates in a two-proportion z-test
    p1, p2 = high.mean(), low.mean()
    pooled = (p1 + p2) / 2
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * 2 / (10 * n))
    assert z > 10


def test_a_look_back_is_drawn_by_the_national_administrator_only(con):
    _handled(con)
    for user, says in ((ANALYST, "national administrator"), (SHANDONG, "national administrator")):
        with pytest.raises(rules.CaseError, match=says):
            lookback.draw(con, user, 2023, 5, seed=1)
    assert lookback.draws(con, NATIONAL).empty and audit.entries(con, action="look_back").empty
    with pytest.raises(rules.CaseError, match="no case"):
        lookback.draw(con, ADMIN, 2019, 5, seed=1)
    with pytest.raises(rules.CaseError, match="between 1 and"):
        lookback.draw(con, ADMIN, 2023, 0, seed=1)
    did = lookback.draw(con, ADMIN, 2023, 5, seed=11)
    log = audit.entries(con, action="look_back")
    assert list(log["target"]) == [did] and list(log["user_name"]) == ["li.admin"]
    detail = json.loads(log["detail"].iloc[0])
    assert (detail["year"], detail["seed"], detail["size"], detail["population"]) == (2023, 11, 5, 40)
    assert detail["cases"] == list(lookback.drawn_cases(con, NATIONAL, did)["case_id"])


def test_outcomes_close_or_reopen_the_cases_and_the_report_counts_them(con):
    _handled(con, n=12)
    _handled(con, n=6, province="32")
    did = lookback.draw(con, ADMIN, 2023, 8, seed=5)
    drawn = lookback.drawn_cases(con, NATIONAL, did)
    assert lookback.report(con, NATIONAL, did) | {"drawn_at": None} == {
        "draw_id": did, "year": 2023, "seed": 5, "size": 8, "population": 18, "drawn_at": None, "drawn_by": "li.admin",
        "scope": "national", "drawn": 8, "recorded": 0, "held": 0, "recurred": 0, "pending": 8, "reopened_share": None}
    held, recurred = drawn.iloc[[0, 1, 2]], drawn.iloc[[3, 4]]
    for row in held.itertuples():
        lookback.record_outcome(con, ADMIN, row.case_id, row.version, "held")
    for row in recurred.itertuples():
        lookback.record_outcome(con, ADMIN, row.case_id, row.version, "recurred", reason="the lab back-dated again")
    now = lookback.drawn_cases(con, NATIONAL, did).set_index("case_id")
    assert set(now.loc[held["case_id"], "state"]) == {"closed"}
    assert set(now.loc[recurred["case_id"], "state"]) == {"under_review"}
    assert list(now.loc[held["case_id"], "outcome"]) == ["held"] * 3
    assert list(now.loc[recurred["case_id"], "outcome"]) == ["recurred"] * 2
    for cid in recurred["case_id"]:
        assert list(case_store.timeline(con, NATIONAL, cid)["action"])[-2:] == ["look_back", "reopen"]
    rep = lookback.report(con, NATIONAL, did)
    assert (rep["drawn"], rep["recorded"], rep["held"], rep["recurred"], rep["pending"]) == (8, 5, 3, 2, 3)
    assert rep["reopened_share"] == pytest.approx(rep["recurred"] / rep["recorded"]) == pytest.approx(0.4)
    listed = lookback.draws(con, NATIONAL).iloc[0]
    assert listed["draw_id"] == did and listed["reopened_share"] == pytest.approx(0.4)
    # a province sees the draw over its own cases only
    sd = lookback.report(con, SHANDONG.scope, did)
    assert sd["drawn"] == int((drawn["province_code"] == "37").sum())
    assert lookback.report(con, Scope.of(["44"]), did) is None


def test_an_outcome_that_cannot_be_recorded_changes_nothing(con):
    _handled(con, n=6)
    did = lookback.draw(con, ADMIN, 2023, 3, seed=2)
    row = lookback.drawn_cases(con, NATIONAL, did).iloc[0]
    with pytest.raises(rules.CaseError, match="reason is required"):
        lookback.record_outcome(con, ADMIN, row["case_id"], int(row["version"]), "recurred")
    with pytest.raises(rules.CaseError, match="outcome is one of"):
        lookback.record_outcome(con, ADMIN, row["case_id"], int(row["version"]), "maybe")
    with pytest.raises(rules.CaseError, match="national administrator"):
        lookback.record_outcome(con, ANALYST, row["case_id"], int(row["version"]), "held")
    with pytest.raises(case_store.StaleCase):
        lookback.record_outcome(con, ADMIN, row["case_id"], int(row["version"]) - 1, "held")
    after = lookback.drawn_cases(con, NATIONAL, did).iloc[0]
    assert (after["state"], after["version"]) == (row["state"], row["version"]) and pd.isna(after["outcome"])
