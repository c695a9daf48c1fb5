"""The ranking on data the demo did not write (issue 13.2): the independent fixture
(tests/fixtures/independent: 26 real plants from WRI, values and irregularities written by hand, see
its README) through the product's own path - loader -> default assessment -> evaluate.

The budget, stated honestly. `core.cli evaluate` counts its review budget in enterprises (each
enterprise ranked by its worst year): ceil(5 % x 26) = 2 enterprises, fewer than the fixture's six
confirmed cases, so recall within that budget is capped at 2/6 whatever the ranking. The test scales
the budget to the fixture instead: it reviews max(evaluate's budget_k, the confirmed cases) = 6
enterprises, i.e. every planted enterprise must rank above every other one. That is the ratio of the
national case (5 % of 2,200 = 110 reviews for 95 planted enterprises in the scale-1 demo): a budget at
least as large as the number of cases, never a larger share of the ranking than the cases need.
"""
from __future__ import annotations

import filecmp
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.engine import features, rules
from core.insight import evaluate, runs
from core.store import db, loader
from core.words import i18n
from core.words import labels as label_words
from core.words import reasons as reason_words
from tests.fixtures.independent import build as fixture

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "independent" / "files"
BUDGET = 0.05  # core.cli evaluate's default: a share of the enterprises
REPEATED = "CWF-32-1070762"  # Huai'an - Guoxin Coal: one lab report repeated for ten months of 2023
SHADED = {  # the clients of Testing Lab SD-B, carbon shaded by 3-5 % from (README, irregularity 2)
    "CWF-37-1070713": "2023-05", "CWF-37-1070310": "2023-05", "CWF-37-1070648": "2023-09", "CWF-37-1075675": "2024-01"}
LATE = "CWF-41-1070080"


def _build(folder):
    con = db.connect(folder / "independent.duckdb")
    try:
        report = loader.load_folder(con, FILES, source="independent fixture")
        assert not report.warnings, report.warnings
        runs.run(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def con(built_once, private_copy):
    """The fixture loaded and assessed once per test run (all xdist workers), this worker's own copy."""
    c = db.connect(private_copy(built_once("independent", _build) / "independent.duckdb", "independent"))
    yield c
    c.close()


@pytest.fixture(scope="module")
def run(con):
    return runs.run(con)  # the stored default assessment


@pytest.fixture(scope="module")
def ev(con, run):
    return evaluate.evaluate(con, run, budget=BUDGET)


def test_the_committed_files_are_what_the_builder_writes(tmp_path):
    written = fixture.write(tmp_path)
    assert {p.name for p in written} == {p.name for p in FILES.glob("*.csv")}
    assert all(filecmp.cmp(p, FILES / p.name, shallow=False) for p in written)


def test_it_loads_in_full_and_has_the_untidiness_it_claims(con):
    n = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert n("SELECT count(*) FROM enterprises") == 26
    assert n("SELECT count(DISTINCT period) FROM monthly_reports") == 36
    # December 2024 was not yet due at the export date (20 January 2025): most plants do not have it
    assert 0 < n("SELECT count(DISTINCT unit_id) FROM monthly_reports WHERE period = DATE '2024-12-01'") < \
        n("SELECT count(*) FROM units")
    # an enterprise without an account or a trade, one that enters in 2023, a lab without a client
    assert n("SELECT count(*) FROM enterprises e WHERE NOT EXISTS "
             "(SELECT 1 FROM accounts a WHERE a.enterprise_id = e.enterprise_id)") == 1
    assert n("SELECT min(period) FROM monthly_reports JOIN units USING (unit_id) "
             "WHERE enterprise_id = 'CWF-15-1070426'").isoformat() == "2023-01-01"
    assert n("SELECT count(*) FROM agencies a WHERE kind = 'lab' AND NOT EXISTS "
             "(SELECT 1 FROM monthly_reports m WHERE m.lab_id = a.agency_id)") == 1
    # empty optional columns: hydrogen, sulphur and sample dates left out by some plants
    assert n("SELECT count(*) FROM monthly_reports WHERE carbon_content_source = 'measured' "
             "AND hydrogen_pct IS NULL") > 0


def test_repeated_values_and_the_shaded_lab_cluster_are_found_at_the_review_budget(ev):
    """Budget in enterprises, as `core.cli evaluate` counts it (module docstring)."""
    assert ev.n_enterprises == 26 and ev.budget_k == math.ceil(BUDGET * 26) == 2
    confirmed = set(ev.ranking.enterprise_id[ev.ranking.confirmed])
    assert confirmed == {REPEATED, *SHADED, LATE}
    k = max(ev.budget_k, len(confirmed))
    top = list(ev.ranking.enterprise_id[:k])
    assert REPEATED in top
    assert set(SHADED) <= set(top), f"shaded-lab clients outside the top {k}: {set(SHADED) - set(top)}"
    assert set(top) == confirmed  # nothing honest ranks above a planted enterprise
    composite = ev.table.set_index("ranking").loc["risk composite"]
    assert composite.roc_auc == 1.0
    # within evaluate's own 2-enterprise budget: two planted enterprises, i.e. precision 1
    assert set(ev.ranking.enterprise_id[:ev.budget_k]) <= confirmed


def test_every_flagged_enterprise_names_the_rules_or_model_that_fired(con, run, ev):
    hits = pd.DataFrame(con.execute("SELECT rule_id, severity, enterprise_id, period FROM rule_hits WHERE run_id = ?",
                                    [run.run_id]).fetchdf())
    hits["year"] = hits.period.str[:4].astype(int)
    flagged = ev.ranking[ev.ranking.band.isin(["critical", "high"])]
    assert len(flagged) >= len(SHADED) + 2
    for row in flagged.itertuples():
        r = json.loads(row.reasons)
        fired = hits[(hits.enterprise_id == row.enterprise_id) & (hits.year == row.year)]
        serious = set(fired[fired.severity.isin(["critical", "high"])].rule_id)
        assert serious and serious <= set(r["rules"]), (row.enterprise_id, serious, r["rules"])
        assert set(r["rules"]) <= set(fired.rule_id)
        words = reason_words.describe_reasons(row.reasons, i18n.DEFAULT_LANG)
        assert label_words.rule_title(r["rules"][0], i18n.DEFAULT_LANG) in words
        if row.model > 0:
            assert r["model_unit"] and r["model_unit"].startswith(row.enterprise_id)
        assert "None" not in words
    worst = ev.ranking.set_index("enterprise_id")
    assert "R04" in json.loads(worst.loc[REPEATED, "reasons"])["rules"]
    assert all("R20" in json.loads(worst.loc[e, "reasons"])["rules"] for e in SHADED)


# --- the engine fix this fixture led to: R20, a step down in carbon content that stays down ---------

def test_r20_dates_the_shading_where_it_began_and_spares_honest_plants(con, run):
    hits = pd.DataFrame(con.execute("SELECT enterprise_id, period, evidence FROM rule_hits "
                                    "WHERE run_id = ? AND rule_id = 'R20'", [run.run_id]).fetchdf())
    assert set(hits.enterprise_id) == set(SHADED)
    for e, start in SHADED.items():
        ev_ = [json.loads(x) for x in hits[hits.enterprise_id == e].evidence]
        assert {x["shift_from"] for x in ev_} == {start}
        assert all(-0.05 <= x["drop"] <= -0.03 and abs(x["ncv_change"]) < 0.02 for x in ev_)
        assert all(x["lab_after"] == "LAB-SD-B" for x in ev_)
        for lang in i18n.LANGS:
            assert all("None" not in label_words.rule_explain("R20", x, lang) for x in ev_)


def _plant(cc, ncv=None, lab="L1", start="2022-01"):
    n = len(cc)
    return pd.DataFrame({"enterprise_id": "E", "period": pd.date_range(start, periods=n, freq="MS"),
                         "carbon_content": cc, "ncv": ncv if ncv is not None else np.full(n, 21.0),
                         "lab_id": lab})


def test_level_shift_on_synthetic_series():
    rng = np.random.default_rng(0)
    noise = 0.0265 * (1 + rng.normal(0, 0.006, 36))
    step = noise * np.where(np.arange(36) >= 14, 0.96, 1.0)  # shaded from month 15, most of the series
    s = features.carbon_level_shifts(_plant(step)).iloc[0]
    assert s.shift_from == pd.Timestamp("2023-03-01") and s.cc_shift == pytest.approx(-0.04, abs=0.006)
    assert s.shift_z <= rules.SHIFT_Z
    honest = features.carbon_level_shifts(_plant(noise)).iloc[0]
    assert honest.cc_shift > -rules.CC_DROP
    # the same step with the coal's NCV up 15 %: a change of coal, not of the carbon result
    ncv = np.where(np.arange(36) >= 14, 24.2, 21.0)
    assert abs(features.carbon_level_shifts(_plant(step, ncv)).iloc[0].ncv_shift) >= rules.NCV_SAME
    # the same value every month (copied results) has no step, and no infinite z either
    flat = features.carbon_level_shifts(_plant(np.full(36, 0.0265))).iloc[0]
    assert flat.cc_shift == 0 and np.isfinite(flat.shift_z)
    # too few months on either side: no split at all
    assert features.carbon_level_shifts(_plant(step[:2 * features.SHIFT_MIN_MONTHS - 1])).empty
