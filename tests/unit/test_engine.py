"""The detection engine end to end on demo databases built by the product's own path
(demo files -> loader -> DuckDB): rules, risk, persisted runs and the evaluation."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.insight import agencies, evaluate, runs, trading
from core.store import db, loader
from core import demo
from core.engine import detectors, features, risk, rules
from core.contract.access import Scope
from core.contract.filters import Filters
from tests.unit.test_agencies import planted_agencies
from tests.unit.test_trading import PLANTED, assert_planted_in_top_ten
from core.words import i18n
from core.words import labels as label_words
from core.words import reasons as reason_words


def build(tmp, scale, seed):
    folder = tmp / "files"
    demo.write(folder, scale=scale, seed=seed)
    con = db.connect(tmp / "demo.duckdb")
    loader.load_folder(con, folder, source=f"test scale={scale}")
    return con


def _build_small(folder):
    """The scale-0.15 demo with the default run made and stored, as `core.cli demo` leaves it."""
    con = build(folder, 0.15, 3)
    try:
        assert not runs.run(con).from_store
    finally:
        con.close()


@pytest.fixture(scope="module")
def small(built_once, private_copy):
    """The scale-0.15 demo and its default run: built once per test run for all xdist workers (the
    run is the expensive part), this worker's own copy."""
    con = db.connect(private_copy(built_once("engine_small", _build_small) / "demo.duckdb", "small"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def small_run(small):
    """The default run, made when `small` was built and served from the store here."""
    return runs.run(small)


# The national demo (scale 1) takes about a minute to build and assess: its tests are slow (CI and
# `make test-all` run them) and share one worker, so that it is built once.
@pytest.fixture(scope="module")
def national(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("national"), 1.0, 2022)
    yield con
    con.close()


# ------------------------------------------------------------------ catalogue

def test_catalogue_is_complete_and_bilingual():
    assert len(rules.CATALOGUE) >= 12
    assert len(rules.RULES) == len(rules.CATALOGUE)  # unique ids
    for r in rules.CATALOGUE:
        assert r.severity in rules.SEVERITIES
        assert r.basis.startswith("domain.md")
        assert all(label_words.rule_title(r.id, lang) and i18n.t(f"rule.{r.id}.explain", lang) for lang in i18n.LANGS)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label_words.rule_title(r.id, "zh") + i18n.t(f"rule.{r.id}.explain", "zh"))
    # the words catalogues hold a title and an explanation for exactly the catalogue's rules
    assert {k.split(".")[1] for k in i18n.STRINGS if k.startswith("rule.")} == set(rules.RULES)


def test_every_detector_has_a_name_for_readers():
    assert {k.split(".")[1] for k in i18n.STRINGS if k.startswith("detector.")} == set(detectors.REGISTRY)
    assert label_words.detector_label("no_such_detector", "zh") == "no_such_detector"


def test_every_hit_explains_itself_in_both_languages(small, small_run):
    f = runs.get_features(small, Scope.national())
    hits = rules.evaluate(f)
    assert set(hits.columns) == set(rules.HIT_COLUMNS)
    fired = set(hits.rule_id)
    assert {"R01", "R04", "R05", "R06", "R07", "R08"} <= fired
    for rid in fired:
        row = hits[hits.rule_id == rid].iloc[0]
        for lang in ("en", "zh"):
            text = label_words.rule_explain(rid, row.evidence, lang)
            assert "{" not in text and len(text) > 20
        assert json.loads(row.evidence)  # evidence values travel with the hit


def test_every_confirmed_case_has_a_high_or_critical_rule(small):
    f = runs.get_features(small, Scope.national())
    hits = rules.evaluate(f)
    strong = set(hits[hits.severity.isin(["critical", "high"])].enterprise_id)
    cases = evaluate.labels(small).query("outcome == 'confirmed'")
    missed = cases[~cases.enterprise_id.isin(strong)]
    assert missed.empty, missed


def test_rules_fire_on_hand_built_rows():
    """Rules are pure functions of the features: a plant with one test date for five months
    and a copied report is caught, its clean neighbour is not."""
    periods = pd.date_range("2021-01-01", periods=6, freq="MS")
    pm = pd.DataFrame({
        "enterprise_id": ["A"] * 6 + ["B"] * 6, "province_code": "37", "period": list(periods) * 2,
        "year": 2021, "lab_id": "L1", "lab_report_no": [f"L1-2021-{i:05d}" for i in range(12)],
        "report_series": "L1-2021-", "report_seq": list(range(12)),
        "sample_date": list(periods) * 2,
        "test_date": [pd.Timestamp("2022-01-10")] * 5 + [pd.Timestamp("2021-07-09")]
        + list(periods + pd.Timedelta(days=40)),
        "report_date": list(periods + pd.Timedelta(days=45)) * 2,
        "ncv": [21.0, 21.0, 21.2, 21.1, 20.9, 21.3] * 2, "carbon_content": 0.0265,
        "carbon_ar_pct": 55.6, "total_moisture_pct": 12.0, "moisture_ad_pct": 3.0, "hydrogen_pct": 3.1,
        "sulfur_pct": 0.8, "ncv_dry": 24.2, "c_dry": 63.0,
    })
    pm.loc[6:, "ncv"] = [22.0, 22.1, 22.3, 22.2, 22.4, 22.5]  # B: honest, distinct results
    # A's months 1 and 2 carry an identical full report
    um = pd.DataFrame(columns=["enterprise_id", "unit_id", "period", "year", "late_days", "submitted_at",
                               "operating_hours", "coal_rate_own_dev", "intensity_peer_z", "coal_rate",
                               "coal_rate_own_median", "coal_rate_p5", "coal_rate_p50", "intensity"])
    pmf = features._plant_month_features(pm.assign(fuel_type="coal", carbon_content_source="measured",
                                                   unit_id=pm.enterprise_id + "-U1"))
    ey = pd.DataFrame(columns=["enterprise_id", "year", "verification_gap", "conclusion", "deposited_t",
                               "verified_t", "verifier_id", "reported_t"])
    f = features.Features(um, pmf, ey, pd.DataFrame(columns=["unit_id", "enterprise_id", "period"]),
                          pd.DataFrame(columns=["kind", "ts_1", "enterprise_id", "account_a", "account_b"]))
    hits = rules.evaluate(f, ["R01", "R04"])
    assert set(zip(hits.rule_id, hits.enterprise_id)) == {("R01", "A"), ("R04", "A")}
    ev = json.loads(hits[hits.rule_id == "R01"].evidence.iloc[0])
    assert ev["n_months"] == 5 and ev["test_date"] == "2022-01-10"


# ------------------------------------------------------------------ risk

def test_composite_is_the_documented_weighted_sum():
    comp = pd.DataFrame({"rules": [0.9, 0.0, 0.6], "model": [0.5, 1.0, 0.0], "motive": [0.0, 0.0, 1.0],
                         "context": [0.2, 0.0, 0.0]})
    out = risk.composite(comp)
    expected = 100 * (0.6 * comp.rules + 0.2 * comp.model + 0.1 * comp.motive + 0.1 * comp.context)
    assert np.allclose(out.risk_score, expected.round(2))
    assert list(out.band) == ["critical", "medium", "high"]
    heavier_model = risk.composite(comp, {"rules": 1, "model": 1, "motive": 0, "context": 0})
    assert heavier_model.risk_score[1] == 50.0
    with pytest.raises(ValueError):
        risk.composite(comp, {"rules": -1, "model": 1, "motive": 0, "context": 0})
    with pytest.raises(ValueError):
        risk.composite(comp, {"rules": 1})


def test_components_are_bounded_and_reasons_render(small, small_run):
    comp = runs.ranked(small, small_run.run_id)
    for c in risk.COMPONENTS:
        assert comp[c].between(0, 1).all(), c
    assert comp.risk_score.is_monotonic_decreasing
    top = comp.iloc[0]
    assert top.band == "critical"
    assert reason_words.describe_reasons(top.reasons, "zh") != reason_words.describe_reasons(top.reasons, "en")


# ------------------------------------------------------------------ runs

def test_run_is_persisted_and_served_again(small, small_run):
    again = runs.run(small)
    assert again.from_store and again.run_id == small_run.run_id
    n = small.execute("SELECT count(*) FROM model_scores WHERE run_id = ?", [small_run.run_id]).fetchone()[0]
    assert n == small.execute("SELECT count(*) FROM monthly_reports").fetchone()[0]
    bad = small.execute("SELECT count(*) FROM model_scores WHERE NOT isfinite(score) "
                        "OR list_filter(detector_scores, lambda x: NOT isfinite(x)) <> []").fetchone()[0]
    assert bad == 0
    explained = small.execute("SELECT explanation FROM model_scores WHERE run_id = ? AND explanation IS NOT NULL "
                              "ORDER BY score DESC LIMIT 1", [small_run.run_id]).fetchone()[0]
    assert {"feature", "value", "median", "z"} <= set(json.loads(explained)[0])


def test_other_inputs_make_another_run(small, small_run):
    other = runs.run(small, runs.RunConfig(detectors=("hbos", "pca"), level="enterprise_year"))
    assert other.run_id != small_run.run_id and not other.from_store
    assert other.n_rows == small.execute("SELECT count(DISTINCT (u.enterprise_id, year(m.period))) FROM "
                                         "monthly_reports m JOIN units u USING (unit_id)").fetchone()[0]
    scoped = runs.RunConfig(scope=Scope.of(["37"]))
    assert scoped.key("v") != runs.RunConfig().key("v") != runs.RunConfig().key("w")
    with pytest.raises(ValueError):
        runs.RunConfig(detectors=("nope",))


def test_neighbour_methods_run_on_enterprise_aggregates(small):
    r = runs.run(small, runs.RunConfig(detectors=("lof", "knn"), level="enterprise_year"))
    assert r.failed == {}


# ------------------------------------------------------------------ evaluation (issue 4, must show)

@pytest.mark.slow
@pytest.mark.xdist_group("national")
def test_national_ranking_meets_the_review_budget_targets(national):
    """At national scale a review of the top 5 % finds 95 % of all planted cases and 90 % of every
    pattern, late and missing deposits and marked closes included. The labelled share is 4.3 %, so a
    5 % budget leaves about 15 places for the unlabelled enterprises whose own rules fire: a single
    month deposited late is a medium lapse there, a year its deposits leave unsecured (R19) is high or
    critical, and a marked close on a thin day counts by how plain it is, not by its few tonnes."""
    run = runs.run(national)
    ev = evaluate.evaluate(national, run, budget=0.05)
    composite = ev.table.set_index("ranking").loc["risk composite"]
    assert composite["precision@50"] >= 0.8
    assert composite["recall@budget"] >= 0.95
    assert (ev.per_pattern.recall >= 0.9).all(), ev.per_pattern
    assert set(ev.per_pattern.pattern) == set(demo.PATTERNS)
    assert {"model ensemble", "rules only"} <= set(ev.table.ranking)
    assert any(r.startswith("detector ") for r in ev.table.ranking)


def test_evaluation_needs_labels(small, small_run, tmp_path):
    con = db.connect(tmp_path / "empty.duckdb")
    with pytest.raises(LookupError, match="case_labels"):
        evaluate.evaluate(con, small_run)


def test_rules_on_a_scope_where_nothing_matches(small):
    """A small province may have no hit for a rule: every rule still returns an empty frame."""
    one = small.execute("SELECT province_code FROM enterprises GROUP BY 1 ORDER BY count(*) LIMIT 1").fetchone()[0]
    f = runs.build_features(small, Scope.of([one]))
    hits = rules.evaluate(f)
    assert list(hits.columns) == rules.HIT_COLUMNS
    empty = f.plant_months.iloc[0:0]
    assert rules._per_year(empty, empty.period.notna(), {"lab_id": ("lab_id", "first")}).empty


@pytest.mark.slow
@pytest.mark.xdist_group("national")
def test_national_planted_trading_and_intermediaries_are_in_the_top_ten_of_their_views(national):
    """Issue 6 at national scale: every planted trading pattern is among the top 10 alerts of its
    kind (core.trading), and every planted intermediary among the top 10 of its kind (core.agencies)."""
    flt = Filters().with_run(runs.run(national).run_id)
    labels = national.execute("SELECT enterprise_id, period, pattern FROM case_labels WHERE outcome = 'confirmed' "
                              "AND list_contains(?::VARCHAR[], pattern)", [list(PLANTED)]).df()
    assert_planted_in_top_ten(labels, trading.scan(national, Scope.national(), flt))
    profile = agencies.profile(national, Scope.national(), flt)
    for kind, planted in planted_agencies(national).items():
        top = set(profile[profile.kind == kind].agency_id.head(10))
        assert planted <= top, (kind, planted, profile[profile.kind == kind].head(10))
