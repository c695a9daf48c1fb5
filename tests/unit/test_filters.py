"""The global filters: URL round trip, validation, and that every filter narrows the page queries
the way it says, with values bound as parameters (core.contract.filters, core.store risk views)."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from core.store import db, intermediaries, overview, risk_views, surveillance
from core.engine import risk
from core.insight import runs
from core.contract.access import Scope
from core.contract.filters import MAX_ITEMS, Filters
from core.engine.rules import RULES
from core.store import sql
from core.words import i18n
from core.words.filters import describe, problem

NATIONAL = Scope.national()


@pytest.fixture(scope="module")
def con(assessed_con):
    return assessed_con


@pytest.fixture(scope="module")
def run_id(assessed_filters):
    return assessed_filters.run_id


def risk_of(con, run_id, flt=Filters()):
    return risk_views.enterprise_risk(con, NATIONAL, flt.with_run(run_id))


# --- URL ---------------------------------------------------------------------------------------

def test_url_round_trip():
    f = Filters(period_from=dt.date(2022, 3, 1), period_to=dt.date(2023, 12, 1), provinces=("32", "37"),
                unit_classes=("gas",), capacity_min=300.0, capacity_max=1000.0, groups=("华能集团",),
                consultants=("C1",), labs=("L1", "L2"), verifiers=("V1",), bands=("critical", "high"),
                rules=("R01", "R11"))
    parsed, problems = Filters.parse(f.to_query())
    assert problems == []
    assert parsed == f
    assert Filters().to_query() == {}


@pytest.mark.parametrize("query, param", [
    ({"from": "2023-13"}, "from"), ({"from": "23-01"}, "from"), ({"prov": "99"}, "prov"),
    ({"prov": "Shandong"}, "prov"), ({"cls": "nuclear"}, "cls"), ({"capmin": "lots"}, "capmin"),
    ({"capmax": "-5"}, "capmax"), ({"band": "severe"}, "band"), ({"rule": "R99"}, "rule"),
    ({"lab": "L1\x00"}, "lab"),
])
def test_invalid_values_are_dropped_with_a_reason(query, param):
    f, problems = Filters.parse(query, known_rules=set(RULES))
    assert f == Filters()
    assert [p.param for p in problems] == [param]
    assert problems[0].reason


def test_valid_values_survive_next_to_invalid_ones():
    f, problems = Filters.parse({"prov": "37,99,32", "band": "high,severe"})
    assert f.provinces == ("32", "37") and f.bands == ("high",)
    assert {p.value for p in problems} == {"99", "severe"}


def test_reversed_ranges_are_swapped_and_said():
    f, problems = Filters.parse({"from": "2024-05", "to": "2023-01", "capmin": "900", "capmax": "300"})
    assert (f.period_from, f.period_to) == (dt.date(2023, 1, 1), dt.date(2024, 5, 1))
    assert (f.capacity_min, f.capacity_max) == (300.0, 900.0)
    assert {p.param for p in problems} == {"from", "capmin"}


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("query", [
    {"from": "2023-13"}, {"prov": "99"}, {"cls": "nuclear"}, {"capmin": "lots"}, {"capmax": "20000"},
    {"band": "severe"}, {"rule": "R99"}, {"lab": "L1\x00"}, {"grp": "a\x01"},
    {"prov": ",".join(str(i) for i in range(MAX_ITEMS + 1))},
])
def test_an_ignored_filter_reads_once_in_the_readers_language(query, lang):
    """One sentence: "Ignored filter `cls=nuclear`: not a known unit class", the reason in the
    reader's language and without a second "ignored"."""
    _, problems = Filters.parse(query, known_rules=set(RULES))
    (p,) = problems
    text = problem(p, lang)
    assert not p.swapped and text.startswith(i18n.t("filters.ignored", lang, param="", value="", reason="").split("`")[0])
    ignored = "忽略" if lang == "zh" else "gnored"
    assert text.count(ignored) == 1, text
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"`[^`]*`", "", text)), text  # no English reason


def test_a_reversed_range_is_a_note_that_it_was_swapped():
    """Used, not ignored: the note says the two ends were swapped, in each language."""
    _, problems = Filters.parse({"from": "2024-05", "to": "2023-01", "capmin": "900", "capmax": "300"})
    assert all(p.swapped for p in problems) and len(problems) == 2
    for lang in i18n.LANGS:
        for p in problems:
            text = problem(p, lang)
            assert "gnored" not in text and "忽略" not in text
            assert f"`{p.param}={p.value}`" in text and ("对调" in text if lang == "zh" else "swapped" in text)


def test_the_capacity_message_names_the_bound_a_link_may_give_and_the_sliders():
    _, (p,) = Filters.parse({"capmax": "20000"})
    en = problem(p, "en", slider_mw=1000.0)
    assert "10,000 MW" in en and "1,000 MW" in en and "10000" not in en
    assert "1,000 MW" not in problem(p, "en")  # no slider named when the page gives none
    assert "10,000 MW" in problem(p, "zh", slider_mw=1000.0) and "1,000 MW" in problem(p, "zh", slider_mw=1000.0)


def test_describe_names_every_filter_in_both_languages():
    f, _ = Filters.parse({"from": "2023-01", "to": "2023-12", "prov": "37", "band": "critical"})
    en = describe(f, "en", {"37": "Shandong"})
    zh = describe(f, "zh", {"37": "山东省"})
    assert "Shandong" in en and "Critical" in en and "2023" in en
    assert "山东省" in zh and "严重" in zh
    assert describe(Filters(), "en") == "Filters: none"


# --- SQL semantics -----------------------------------------------------------------------------

def test_score_sql_is_the_composite_formula(con, run_id):
    comp = db.fetch_df(con, f"SELECT *, {sql.score_sql('c')} AS s, {sql.band_sql(sql.score_sql('c'))} AS b "
                            "FROM risk_components c WHERE run_id = ?", [run_id])
    expected = risk.composite(comp)
    assert np.allclose(comp["s"], expected["risk_score"], atol=0.01)
    assert (comp["b"] == expected["band"]).all()


def test_enterprise_risk_is_each_enterprise_worst_year(con, run_id):
    table = risk_of(con, run_id).set_index("enterprise_id")
    worst = runs.ranked(con, run_id).set_index("enterprise_id")
    common = worst.index.intersection(table.index)
    assert len(common) == len(worst)
    assert np.allclose(table.loc[common, "risk_score"], worst.loc[common, "risk_score"], atol=0.01)
    assert (table.loc[common, "band"] == worst.loc[common, "band"]).all()


def test_province_filter_equals_the_narrower_scope(con, run_id):
    code = risk_of(con, run_id)["province_code"].value_counts().index[0]
    by_filter = risk_of(con, run_id, Filters(provinces=(code,)))
    by_scope = risk_views.enterprise_risk(con, Scope.of([code]), Filters().with_run(run_id))
    assert set(by_filter["enterprise_id"]) == set(by_scope["enterprise_id"]) != set()


def test_unit_class_and_capacity_select_enterprises_and_units(con, run_id):
    units = db.fetch_df(con, "SELECT enterprise_id, unit_class, capacity_mw FROM units")
    f = Filters(unit_classes=("coal_above_300mw",), capacity_min=600.0)
    kept = set(risk_of(con, run_id, f)["enterprise_id"])
    match = units[(units.unit_class == "coal_above_300mw") & (units.capacity_mw >= 600)]
    assert kept == set(match["enterprise_id"])
    head = overview.national_headline(con, NATIONAL, f).iloc[0]
    assert head["units"] == len(match)


def test_period_filter_limits_reports_and_risk_years(con, run_id):
    f = Filters(period_from=dt.date(2022, 1, 1), period_to=dt.date(2022, 12, 1))
    years = overview.emissions_by_year(con, NATIONAL, f)
    assert years["year"].tolist() == [2022]
    full = overview.emissions_by_year(con, NATIONAL).set_index("year")
    assert years["computed_t"].iloc[0] == pytest.approx(full.loc[2022, "computed_t"])
    table = risk_of(con, run_id, f)
    assert set(table["risk_year"].dropna().astype(int)) <= {2022}
    market = surveillance.market_by_month(con, f)
    assert market["month"].dt.year.unique().tolist() == [2022]


def test_band_and_rule_filters_use_the_assessment(con, run_id):
    everyone = risk_of(con, run_id)
    high = risk_of(con, run_id, Filters(bands=("critical", "high")))
    assert set(high["enterprise_id"]) == set(everyone[everyone["band"].isin(["critical", "high"])]["enterprise_id"])
    hits = db.fetch_df(con, "SELECT DISTINCT enterprise_id, rule_id FROM rule_hits WHERE run_id = ?", [run_id])
    rule = hits["rule_id"].value_counts().index[0]
    fired = risk_of(con, run_id, Filters(rules=(rule,)))
    assert set(fired["enterprise_id"]) == set(hits[hits.rule_id == rule]["enterprise_id"]) != set()
    # without an assessment the band filter cannot match anything
    assert risk_views.enterprise_risk(con, NATIONAL, Filters(bands=("critical",))).empty


def test_intermediary_filters(con, run_id):
    everyone = risk_of(con, run_id)
    lab = everyone["lab_id"].value_counts().index[0]
    by_lab = risk_of(con, run_id, Filters(labs=(lab,)))
    served = db.fetch_df(con, "SELECT DISTINCT u.enterprise_id FROM monthly_reports m JOIN units u USING (unit_id) "
                              "WHERE m.lab_id = ?", [lab])
    assert set(by_lab["enterprise_id"]) == set(served["enterprise_id"])
    consultant = everyone["consultant_id"].dropna().value_counts().index[0]
    by_consultant = risk_of(con, run_id, Filters(consultants=(consultant,)))
    assert (by_consultant["consultant_id"] == consultant).all() and len(by_consultant)


@pytest.mark.parametrize("evil", ["x'); DROP TABLE enterprises; --", "' OR '1'='1", "37' OR 1=1 --"])
def test_filter_values_are_bound_not_spliced(con, run_id, evil):
    f, _ = Filters.parse({"grp": evil, "cons": evil, "lab": evil, "ver": evil})
    assert f.groups == (evil,)
    assert risk_of(con, run_id, f).empty
    assert intermediaries.agency_flag_rates(con, NATIONAL, f.with_run(run_id)).empty
    assert con.execute("SELECT count(*) FROM enterprises").fetchone()[0] > 0


def test_risk_by_province_counts_match_the_enterprise_table(con, run_id):
    f = Filters(period_from=dt.date(2023, 1, 1), period_to=dt.date(2024, 12, 1)).with_run(run_id)
    table = risk_views.enterprise_risk(con, NATIONAL, f)
    tiles = risk_views.risk_by_province(con, NATIONAL, f).set_index("province_code")
    assert len(tiles) == 32
    counts = table.groupby("province_code").size()
    flagged = table[table["band"].isin(["critical", "high"])].groupby("province_code").size()
    assert (tiles.loc[counts.index, "enterprises"] == counts).all()
    assert (tiles["flagged"].reindex(flagged.index) == flagged).all()
    assert tiles["flagged"].sum() == flagged.sum()
    assert tiles["emissions_t"].sum() == pytest.approx(table["emissions_t"].sum())


def test_agency_rates_are_counted_over_distinct_clients(con, run_id):
    f = Filters().with_run(run_id)
    rates = intermediaries.agency_flag_rates(con, NATIONAL, f)
    table = risk_views.enterprise_risk(con, NATIONAL, f)
    cons = rates[rates.kind == "consultant"].set_index("agency_id")
    by_consultant = table.dropna(subset=["consultant_id"]).groupby("consultant_id")
    assert (cons["clients"] == by_consultant.size().reindex(cons.index)).all()
    expected_flagged = by_consultant["band"].apply(lambda b: b.isin(["critical", "high"]).sum())
    assert (cons["flagged_clients"] == expected_flagged.reindex(cons.index)).all()
    base = table["band"].isin(["critical", "high"]).mean()
    assert rates["base_rate"].iloc[0] == pytest.approx(base)
    assert isinstance(rates, pd.DataFrame)
