"""What-if scenarios (core.insight.scenarios): the recomputed emissions and penalties against figures worked
out by hand on the tiny database, validation and injection, saving and reopening, the review curve,
and on the assessed demo that distrusting one lab changes its clients only."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from conftest import TINY_MONTHLY, TINY_VERIFIED_2022, build_tiny_db
from core.store import db, risk_views, whatif
from core.contract import mrv
from core.insight import scenarios
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.insight.scenarios import CarbonDefault, ReviewBudget, Scenario, UnreliableIntermediaries

NATIONAL = Scope.national()
RUN = "tiny-run"
ALLOCATED_E1_2022 = 2_000_000.0  # below E1's verified 2,200,000 t: a shortfall of 200,000 t before
# Nov 2023 is the month before the deadline of 2022 emissions (31 Dec 2023): VWAP (1200 + 2700) / 400.
MARKET = [(dt.date(2023, 10, 16), 99.0, 100.0, 9_900.0),  # October: not the penalty month
          (dt.date(2023, 11, 10), 12.0, 100.0, 1_200.0), (dt.date(2023, 11, 20), 9.0, 300.0, 2_700.0)]
PRICE_2022 = 3_900.0 / 400.0


def month_t(unit: str, cc: float | None = None) -> float:
    """One month's emissions of a tiny unit by the contract formula, at its own or another carbon content."""
    _, fuel, ncv, own, ox = TINY_MONTHLY[unit]
    return fuel * ncv * (own if cc is None else cc) * (0.99 if ox is None else ox) * 44 / 12


@pytest.fixture
def tiny(tmp_path) -> Path:
    """The tiny database plus: a measured Dec 2021 month for U1 (the 2021 default applies), E1's 2022
    allocation, the CEA market around the 2022 penalty month, and rule hits of a stored run."""
    path = build_tiny_db(tmp_path / "tiny.duckdb")
    con = db.connect(path)
    try:
        con.execute("INSERT INTO monthly_reports (unit_id, period, fuel_type, fuel_consumed, ncv, carbon_content, "
                    "carbon_content_source, generation_mwh, supply_mwh, operating_hours, submitted_at) "
                    "VALUES ('U1', DATE '2021-12-01', 'coal', 100000, 20, 0.026, 'measured', 1000, 950, 500, "
                    "TIMESTAMP '2022-01-10 09:00:00')")
        con.execute("INSERT INTO allocations VALUES ('E1', 2022, ?)", [ALLOCATED_E1_2022])
        con.executemany("INSERT INTO market_daily (date, close, volume_t, amount_cny) VALUES (?, ?, ?, ?)", MARKET)
        con.executemany("INSERT INTO rule_hits VALUES (?, ?, ?, ?, ?, ?, '{}')", [
            (RUN, "R05", "high", "E1", "2022", None),        # a yearly hit on the plant: every unit that year
            (RUN, "R12", "medium", "E1", "2023-01", "U1"),   # a monthly hit on one unit
            (RUN, "R01", "critical", "E1", "2021", None),    # a rule nobody selects
            (RUN, "R05", "high", "E3", "2022", None),        # E3 only ever reports the default: nothing to replace
        ])
    finally:
        con.close()
    return path


@pytest.fixture
def con(tiny):
    c = db.connect(tiny)
    yield c
    c.close()


def by_enterprise(result: scenarios.Result) -> pd.DataFrame:
    return result.enterprises.set_index("enterprise_id")


# --- the recompute, by hand ------------------------------------------------------------------------

def test_threshold_variant_replaces_exactly_the_measured_months_below_it(con):
    res = scenarios.recompute(con, CarbonDefault(rule_ids=(), below=0.027), NATIONAL, NO_FILTERS.with_run(RUN))
    e = by_enterprise(res)
    # U1 measured Dec 2021, the six odd months of 2022 and Jan 2023; U2 (gas) and U3 report the default
    assert e.loc["E1", "replaced_months"] == 8 and e.loc[["E2", "E3"], "replaced_months"].tolist() == [0, 0]
    expected = (month_t("U1", mrv.DEFAULT_CC_2021)                                     # Dec 2021: 0.03356
                + 6 * month_t("U1") + 6 * month_t("U1", mrv.DEFAULT_CC_2022)           # 2022
                + month_t("U1", mrv.DEFAULT_CC_2022))                                   # Jan 2023 (odd)
    assert e.loc["E1", "recomputed_t"] == pytest.approx(expected, rel=1e-12)
    assert e.loc["E1", "computed_t"] == pytest.approx(14 * month_t("U1"), rel=1e-12)
    for ent, unit in (("E2", "U2"), ("E3", "U3")):  # untouched: recomputed is the deposits, to the bit
        assert e.loc[ent, "recomputed_t"] == e.loc[ent, "computed_t"] == pytest.approx(13 * month_t(unit))
        assert e.loc[ent, "emissions_after_t"] == e.loc[ent, "emissions_before_t"]
    assert res.totals["enterprises_changed"] == 1
    # the obligation: verified 2022 plus the increase; the deposits by formula in years without verification
    increase_2022 = 6 * (month_t("U1", mrv.DEFAULT_CC_2022) - month_t("U1"))
    assert e.loc["E1", "emissions_before_t"] == pytest.approx(TINY_VERIFIED_2022["E1"] + 2 * month_t("U1"))
    assert e.loc["E1", "emissions_after_t"] - e.loc["E1", "emissions_before_t"] == pytest.approx(
        expected - 14 * month_t("U1"))
    assert e.loc["E1", "emissions_after_t"] == pytest.approx(
        TINY_VERIFIED_2022["E1"] + increase_2022 + month_t("U1", mrv.DEFAULT_CC_2021)
        + month_t("U1", mrv.DEFAULT_CC_2022))


def test_threshold_below_every_measurement_replaces_nothing(con):
    res = scenarios.recompute(con, CarbonDefault(rule_ids=(), below=0.02), NATIONAL, NO_FILTERS.with_run(RUN))
    assert res.totals["replaced_months"] == 0 and res.totals["enterprises_changed"] == 0
    assert (res.enterprises["emissions_after_t"] == res.enterprises["emissions_before_t"]).all()


def test_rule_variant_replaces_the_months_and_years_the_rules_flagged(con):
    flt = NO_FILTERS.with_run(RUN)
    yearly = by_enterprise(scenarios.recompute(con, CarbonDefault(rule_ids=("R05",)), NATIONAL, flt))
    # R05 flagged E1's 2022 (no unit: every unit): its six measured months; E3's hit has nothing measured
    assert yearly["replaced_months"].to_dict() == {"E1": 6, "E2": 0, "E3": 0}
    assert yearly.loc["E1", "recomputed_t"] == pytest.approx(
        8 * month_t("U1") + 6 * month_t("U1", mrv.DEFAULT_CC_2022), rel=1e-12)
    both = by_enterprise(scenarios.recompute(con, CarbonDefault(rule_ids=("R05", "R12")), NATIONAL, flt))
    assert both.loc["E1", "replaced_months"] == 7  # + Jan 2023 of U1 (R12, a monthly hit on that unit)
    assert both.loc["E1", "recomputed_t"] == pytest.approx(
        7 * month_t("U1") + 7 * month_t("U1", mrv.DEFAULT_CC_2022), rel=1e-12)
    # without a stored run there are no hits to follow
    none = scenarios.recompute(con, CarbonDefault(rule_ids=("R05", "R12")), NATIONAL, NO_FILTERS)
    assert none.totals["replaced_months"] == 0


def test_the_filters_and_the_scope_apply(con):
    flt = Filters(period_from=dt.date(2022, 1, 1), period_to=dt.date(2022, 12, 1)).with_run(RUN)
    e = by_enterprise(scenarios.recompute(con, CarbonDefault(rule_ids=(), below=0.027), NATIONAL, flt))
    assert e.loc["E1", "replaced_months"] == 6 and e.loc["E1", "years"] == 1
    jiangsu = scenarios.recompute(con, CarbonDefault(rule_ids=(), below=0.027), Scope.of(["32"]), flt)
    assert list(jiangsu.enterprises["enterprise_id"]) == ["E3"] and list(jiangsu.provinces["province_code"]) == ["32"]


def test_penalty_is_the_shortfall_increase_times_the_month_before_deadline_price(con):
    res = scenarios.recompute(con, CarbonDefault(rule_ids=(), below=0.027), NATIONAL, NO_FILTERS.with_run(RUN))
    e = by_enterprise(res)
    increase_2022 = 6 * (month_t("U1", mrv.DEFAULT_CC_2022) - month_t("U1"))
    # E1 was already short in 2022 (verified 2.2 Mt against 2.0 Mt allocated): the whole increase is shortfall
    assert e.loc["E1", "shortfall_before_t"] == pytest.approx(TINY_VERIFIED_2022["E1"] - ALLOCATED_E1_2022)
    assert e.loc["E1", "shortfall_after_t"] - e.loc["E1", "shortfall_before_t"] == pytest.approx(increase_2022)
    assert e.loc["E1", "penalty_low_cny"] == pytest.approx(increase_2022 * PRICE_2022 * 5)
    assert e.loc["E1", "penalty_high_cny"] == pytest.approx(increase_2022 * PRICE_2022 * 10)
    # falsified-data fine: 5-10x the gains when they reach 500k (2022; Dec 2021, whose deadline is also
    # 31 Dec 2023), 500k-2M when under (Jan 2023, priced at the latest published month: Nov 2023)
    gains = {2021: (month_t("U1", mrv.DEFAULT_CC_2021) - month_t("U1")) * PRICE_2022,
             2022: increase_2022 * PRICE_2022,
             2023: (month_t("U1", mrv.DEFAULT_CC_2022) - month_t("U1")) * PRICE_2022}
    assert gains[2021] >= 500_000 and gains[2022] >= 500_000 > gains[2023]
    assert e.loc["E1", "fine_low_cny"] == pytest.approx(5 * (gains[2021] + gains[2022]) + 500_000)
    assert e.loc["E1", "fine_high_cny"] == pytest.approx(10 * (gains[2021] + gains[2022]) + 2_000_000)
    assert e.loc["E1", "priced"] and res.totals["priced"] is True
    assert res.totals["penalty_low_cny"] == pytest.approx(e.loc["E1", "penalty_low_cny"])
    prices = res.prices.set_index("year")
    assert prices.loc[2022, "price"] == pytest.approx(PRICE_2022)
    assert prices.loc[2022, "price_month"] == pd.Timestamp("2023-11-01")
    assert prices.loc[2023, "priced_month"] == pd.Timestamp("2023-11-01")  # Nov 2024 is not yet published
    assert pd.isna(prices.loc[2020, "price"])


def test_unreliable_verifier_falls_back_to_the_formula_at_the_default(con):
    res = scenarios.recompute(con, UnreliableIntermediaries(verifiers=("V1",)), NATIONAL, NO_FILTERS)
    e = by_enterprise(res)
    # V1 verified 2022 for all three: 2022 is the formula sum at the default; other years unchanged
    assert e.loc["E1", "emissions_after_t"] == pytest.approx(
        6 * month_t("U1") + 6 * month_t("U1", mrv.DEFAULT_CC_2022) + 2 * month_t("U1"))
    assert e.loc["E3", "emissions_after_t"] == pytest.approx(13 * month_t("U3"))
    assert e["fallback_years"].to_dict() == {"E1": 1, "E2": 1, "E3": 1}


# --- validation and injection ----------------------------------------------------------------------

@pytest.mark.parametrize("make, field", [
    (lambda: CarbonDefault(rule_ids=("R99",)), "rule_ids"),
    (lambda: CarbonDefault(rule_ids="R01"), "rule_ids"),
    (lambda: CarbonDefault(below=0.5), "below"),
    (lambda: CarbonDefault(below=float("nan")), "below"),
    (lambda: CarbonDefault(below=True), "below"),
    (lambda: ReviewBudget(budget=-1), "budget"),
    (lambda: ReviewBudget(budget=2.5), "budget"),
    (lambda: ReviewBudget(threshold=101), "threshold"),
    (lambda: ReviewBudget(weights=(0, 0, 0, 0)), "weights"),
    (lambda: ReviewBudget(weights=(1, 1, 1)), "weights"),
    (lambda: ReviewBudget(z_floor=5, z_full=4), "z_full"),
    (lambda: ReviewBudget(contamination=0), "contamination"),
    (lambda: ReviewBudget(severities={"R01": "catastrophic"}), "severities"),
    (lambda: ReviewBudget(review_by="everyone"), "review_by"),
    (lambda: UnreliableIntermediaries(labs=("L1\n",)), "labs"),
    (lambda: UnreliableIntermediaries(verifiers=tuple(f"V{i}" for i in range(300))), "verifiers"),
    (lambda: Scenario.from_json('{"kind": "carbon_default", "params": {"below": 0.02, "sql": "x"}}'), "params"),
    (lambda: Scenario.from_json('{"kind": "drop_tables", "params": {}}'), "kind"),
    (lambda: Scenario.from_json("not json"), "params"),
    (lambda: scenarios.validate_name(""), "name"),
    (lambda: scenarios.validate_name("a" * 81), "name"),
    (lambda: scenarios.validate_name("line\nbreak"), "name"),
])
def test_bad_parameters_raise_naming_the_field(make, field):
    with pytest.raises(ValueError, match=rf"^{field}\b"):
        make()


def test_json_round_trip_and_canonical_form():
    for s in (CarbonDefault(rule_ids=("R05", "R01"), below=0.0255),
              ReviewBudget(severities={"R16": "high", "R11": "off", "R01": "critical"}, budget=40),
              UnreliableIntermediaries(labs=("L2", "L1"), verifiers=("V1",), review_by="threshold", threshold=36)):
        assert Scenario.from_json(s.to_json()) == s
    # order and no-op overrides do not make another scenario (nor another saved id)
    assert CarbonDefault(rule_ids=("R05", "R01")) == CarbonDefault(rule_ids=("R01", "R05"))
    assert ReviewBudget(severities={"R01": "critical"}) == ReviewBudget()


INJECTIONS = ["R01'; DROP TABLE monthly_reports; --", "x' OR '1'='1", "'); DELETE FROM enterprises; --",
              "L1\" OR 1=1 --", "V1' UNION SELECT * FROM scenarios --"]


def _counts(con) -> dict:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("enterprises", "units", "monthly_reports", "verifications", "rule_hits", "scenarios")}


def test_injection_through_rule_ids_is_rejected_and_at_the_query_changes_nothing(con):
    before = _counts(con)
    for bad in INJECTIONS:
        with pytest.raises(ValueError, match="^rule_ids"):
            CarbonDefault(rule_ids=(bad,))
        with pytest.raises(ValueError, match="^severities"):
            ReviewBudget(severities={bad: "high"})
    # below core.insight.scenarios the values are bound: a crafted rule id matches no hit
    flt = NO_FILTERS.with_run(RUN)
    empty = whatif.scenario_carbon_default(con, NATIONAL, flt, rule_ids=())
    assert_frame_equal(whatif.scenario_carbon_default(con, NATIONAL, flt, rule_ids=tuple(INJECTIONS)), empty)
    assert _counts(con) == before


def test_injection_through_agency_ids_changes_nothing(con):
    before = _counts(con)
    empty = scenarios.recompute(con, UnreliableIntermediaries(), NATIONAL, NO_FILTERS.with_run(RUN))
    crafted = UnreliableIntermediaries(labs=tuple(INJECTIONS), consultants=tuple(INJECTIONS),
                                       verifiers=tuple(INJECTIONS))
    res = scenarios.recompute(con, crafted, NATIONAL, NO_FILTERS.with_run(RUN))
    assert_frame_equal(res.enterprises, empty.enterprises)
    assert_frame_equal(res.provinces, empty.provinces)
    assert res.totals == empty.totals
    assert _counts(con) == before


def test_injection_through_a_name_is_stored_as_text(con):
    before = _counts(con)
    name = "x'); DROP TABLE scenarios; --"
    sid = scenarios.save(con, name, CarbonDefault(), NO_FILTERS, NATIONAL)
    assert scenarios.load(con, sid).name == name
    assert _counts(con) == {**before, "scenarios": before["scenarios"] + 1}
    for bad_id in ("x' OR 1=1 --", "ABCDEF012345", "0" * 13):
        with pytest.raises(ValueError, match="^scenario_id"):
            scenarios.load(con, bad_id)


# --- saving and reopening --------------------------------------------------------------------------

def test_a_saved_scenario_reopens_with_identical_results(con):
    flt = Filters(provinces=("37",), period_from=dt.date(2022, 1, 1)).with_run(RUN)
    scenario = CarbonDefault(rule_ids=("R05", "R12"), below=0.027)
    first = scenarios.recompute(con, scenario, NATIONAL, flt)
    sid = scenarios.save(con, "Shandong, R05 and low carbon", scenario, flt, NATIONAL)
    assert scenarios.ID_PATTERN.fullmatch(sid)
    saved = scenarios.load(con, sid)
    assert saved.name == "Shandong, R05 and low carbon" and saved.scenario == scenario
    assert saved.filters == flt.with_run(None) and saved.scope == "national"
    again = scenarios.recompute(con, saved.scenario, NATIONAL, saved.filters.with_run(RUN))
    assert_frame_equal(again.enterprises, first.enterprises)
    assert_frame_equal(again.provinces, first.provinces)
    assert_frame_equal(again.prices, first.prices)
    assert again.totals == first.totals
    # saving the same what-if again keeps one row (and renames it); other filters are another scenario
    assert scenarios.save(con, "renamed", scenario, flt, NATIONAL) == sid
    assert scenarios.load(con, sid).name == "renamed"
    assert scenarios.save(con, "other", scenario, NO_FILTERS, NATIONAL) != sid
    assert scenarios.load(con, "0123456789ab") is None


def test_saved_scenarios_are_listed_inside_their_scope(con):
    national = scenarios.save(con, "national view", CarbonDefault(), NO_FILTERS, NATIONAL)
    shandong = scenarios.save(con, "Shandong office", CarbonDefault(), NO_FILTERS, Scope.of(["37"]))
    assert national != shandong
    assert {s.scenario_id for s in scenarios.list_saved(con, NATIONAL)} == {national, shandong}
    assert [s.scenario_id for s in scenarios.list_saved(con, Scope.of(["37"]))] == [shandong]
    assert scenarios.list_saved(con, Scope.of(["32"])) == []


def test_excel_export_has_a_parameters_sheet_and_one_sheet_per_comparison(con):
    from openpyxl import load_workbook

    from core.export import xlsx
    import io

    res = scenarios.recompute(con, CarbonDefault(below=0.027), NATIONAL, NO_FILTERS.with_run(RUN))
    about = [("情景", "以缺省值替代含碳量"), ("筛选条件", "无")]
    data = xlsx.workbook(xlsx.About("参数", "情景分析", about, first_row=2),
                         [xlsx.Sheet(name, xlsx.frame_columns(df))
                          for name, df in (("分省", res.provinces), ("分企业", res.enterprises), ("罚款计价", res.prices))])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["参数", "分省", "分企业", "罚款计价"]
    assert wb["参数"]["A1"].value == "情景分析" and wb["参数"]["B2"].value == "以缺省值替代含碳量"
    assert wb["分企业"].max_row == len(res.enterprises) + 1


# --- on the assessed demo ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(assessed_demo_db):
    c = db.connect(assessed_demo_db)  # as the app opens it: one configuration per file and process
    yield c
    c.close()


@pytest.fixture(scope="module")
def demo_flt(demo):
    from core.insight import runs

    return NO_FILTERS.with_run(runs.latest_assessment(demo).run_id)


def test_review_curve_is_monotone_and_reaches_every_labelled_case(demo, demo_flt):
    labelled = set(demo.execute("SELECT DISTINCT enterprise_id FROM case_labels WHERE outcome = 'confirmed'")
                   .fetchnumpy()["enterprise_id"])
    for s in (ReviewBudget(), ReviewBudget(severities={"R16": "high", "R05": "off"}, weights=(1, 1, 0, 0), budget=5,
                                           z_floor=2, z_full=6, contamination=0.05)):
        res = scenarios.recompute(demo, s, NATIONAL, demo_flt)
        c = res.curve
        assert c["k"].tolist() == list(range(len(res.enterprises) + 1))
        for side in ("before", "after"):
            assert c[f"caught_{side}"].iloc[0] == 0 and c[f"caught_{side}"].is_monotonic_increasing
            assert c[f"caught_{side}"].iloc[-1] == len(labelled) == res.totals["known_cases"]
        k = min(s.budget, len(res.enterprises))  # a budget above the enterprises reviews them all
        top = res.enterprises.nsmallest(k, "rank_after")
        assert res.totals["caught_after"] == c.loc[k, "caught_after"] == top["confirmed"].sum()
        assert res.provinces["reviewed_after"].sum() == k


def test_review_budget_without_changes_reorders_nobody(demo, demo_flt):
    res = scenarios.recompute(demo, ReviewBudget(), NATIONAL, demo_flt)
    assert res.totals["rank_changed"] == 0
    assert (res.enterprises["score_after"] == res.enterprises["score_before"]).all()
    # the stored default composite, as the pages show it
    stored = risk_views.enterprise_risk(demo, NATIONAL, demo_flt).dropna(subset=["risk_score"]).set_index("enterprise_id")
    mine = res.enterprises.set_index("enterprise_id")
    assert (mine["score_before"] - stored.loc[mine.index, "risk_score"]).abs().max() < 1e-6


def test_severity_override_recomputes_the_rules_component(demo, demo_flt):
    rule = demo.execute("SELECT rule_id FROM rule_hits WHERE run_id = ? GROUP BY ALL ORDER BY count(*) DESC LIMIT 1",
                        [demo_flt.run_id]).fetchone()[0]
    res = scenarios.recompute(demo, ReviewBudget(severities={rule: "off"}), NATIONAL, demo_flt)
    hit = set(demo.execute("SELECT DISTINCT enterprise_id FROM rule_hits WHERE run_id = ? AND rule_id = ?",
                           [demo_flt.run_id, rule]).fetchnumpy()["enterprise_id"])
    e = res.enterprises.set_index("enterprise_id")
    moved = set(e.index[e["score_after"] != e["score_before"]])
    assert moved and moved <= hit
    assert (e.loc[list(moved), "score_after"] < e.loc[list(moved), "score_before"]).all()


def test_unreliable_lab_with_most_clients_changes_only_its_clients(demo, demo_flt):
    lab, = demo.execute("SELECT lab_id FROM monthly_reports WHERE lab_id IS NOT NULL GROUP BY lab_id "
                        "ORDER BY count(DISTINCT unit_id) DESC, lab_id LIMIT 1").fetchone()
    clients = set(demo.execute("SELECT DISTINCT u.enterprise_id FROM monthly_reports m JOIN units u USING (unit_id) "
                               "WHERE m.lab_id = ?", [lab]).fetchnumpy()["enterprise_id"])
    res = scenarios.recompute(demo, UnreliableIntermediaries(labs=(lab,)), NATIONAL, demo_flt)
    e = res.enterprises.set_index("enterprise_id")
    others = e.index.difference(list(clients))
    assert len(clients) >= 2 and len(others) > 0
    changed = set(e.index[(e["emissions_after_t"] != e["emissions_before_t"]) | (e["replaced_months"] > 0)])
    assert changed and changed <= clients
    for col in ("emissions", "shortfall", "gap"):
        assert (e.loc[others, f"{col}_after_t"].fillna(0) == e.loc[others, f"{col}_before_t"].fillna(0)).all(), col
    assert (e.loc[others, ["penalty_low_cny", "penalty_high_cny", "fine_low_cny"]] == 0).all().all()
    # risk: the clients' context component is set to 1; nobody else's score moves
    assert (e.loc[others, "score_after"] == e.loc[others, "score_before"]).all()
    assert e.loc[list(clients), "client"].all() and not e.loc[others, "client"].any()
    assert (e.loc[list(clients), "score_after"] >= e.loc[list(clients), "score_before"]).all()
    assert (e.loc[list(clients), "score_after"] > e.loc[list(clients), "score_before"]).any()
    assert res.totals["enterprises_changed"] == len(changed)
