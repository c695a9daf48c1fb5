"""Named queries: the emission formula by hand, access scope, and injection attempts."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import TINY_MONTHLY, TINY_VERIFIED_2022, tiny_monthly_emissions
from core.contract import access
from core.store import catalog, db, loads, overview
from core.contract.access import Scope

NATIONAL = Scope.national()
INJECTIONS = [
    "37' OR '1'='1",
    "37'); DROP TABLE enterprises; --",
    "') OR TRUE OR ('",
    "37]::VARCHAR[] OR TRUE --",
]


# --- the tiny hand-built database ------------------------------------------------------------

def test_emissions_by_year_matches_the_formula_by_hand(tiny_con):
    years = overview.emissions_by_year(tiny_con, NATIONAL).set_index("year")
    per_month = sum(tiny_monthly_emissions(u) for u in TINY_MONTHLY)
    assert years.loc[2022, "computed_t"] == pytest.approx(12 * per_month, rel=1e-12)
    assert years.loc[2023, "computed_t"] == pytest.approx(per_month, rel=1e-12)
    assert years.loc[2022, "verified_t"] == pytest.approx(sum(TINY_VERIFIED_2022.values()))
    assert pd.isna(years.loc[2023, "verified_t"])
    assert list(years["months"]) == [12, 1] and list(years["complete"]) == [True, False]


def test_blank_oxidation_rate_counts_as_099(tiny_con):
    """U1 has no oxidation rate: its months must use 0.99, not drop out or use 1.0."""
    fuel, consumed, ncv, cc, _ = TINY_MONTHLY["U1"]
    assert tiny_monthly_emissions("U1") == pytest.approx(consumed * ncv * cc * 0.99 * 44 / 12)
    shandong = overview.emissions_by_province(tiny_con, Scope.of(["37"]), year=2022)
    expected = 12 * (tiny_monthly_emissions("U1") + tiny_monthly_emissions("U2"))
    assert shandong["emissions_t"].item() == pytest.approx(expected, rel=1e-12)


def test_shares_by_hand(tiny_con):
    measured = overview.measured_share_by_year(tiny_con, NATIONAL).set_index("year")
    # coal units U1 (odd months measured) and U3 (never): 6 of 24 coal unit-months in 2022
    assert measured.loc[2022, ["coal_unit_months", "measured_unit_months"]].tolist() == [24, 6]
    assert measured.loc[2022, "share"] == pytest.approx(0.25)
    deposits = overview.deposit_timeliness_by_year(tiny_con, NATIONAL).set_index("year")
    # U3 deposits 90 days after the month began, past the 40-days-after-month-end deadline
    assert deposits.loc[2022, ["unit_months", "on_time"]].tolist() == [36, 24]


def test_province_year_defaults_to_the_latest_complete_year(tiny_con):
    by_province = overview.emissions_by_province(tiny_con, NATIONAL)
    assert set(by_province["year"]) == {2022}  # 2023 has one month only
    assert list(by_province["province_code"]) == ["37", "32"]  # largest first
    assert by_province.loc[0, ["name_zh", "name_en", "grid_region"]].tolist() == ["山东省", "Shandong", "north"]


def test_headline_and_status(tiny_con):
    head = overview.national_headline(tiny_con, NATIONAL).iloc[0]
    assert (head["enterprises"], head["provinces"], head["units"], head["unit_months"]) == (3, 2, 3, 39)
    assert head["capacity_gw"] == pytest.approx(1.3)
    assert str(head["first_period"])[:7] == "2022-01" and str(head["last_period"])[:7] == "2023-01"
    fresh = loads.freshness(tiny_con, NATIONAL).iloc[0]
    assert fresh["source"] == "hand-built test data" and not fresh["synthetic"]
    assert str(fresh["data_as_of"])[:7] == "2023-01" and str(fresh["loaded_at"]) == "2024-05-01 10:00:00"
    # a province with no reports: its data is as of nothing, the load is still the load
    tianjin = loads.freshness(tiny_con, Scope.of(["12"])).iloc[0]
    assert pd.isna(tianjin["data_as_of"]) and tianjin["source"] == "hand-built test data"


def test_a_load_records_who_loaded_and_a_demo_load_is_marked_synthetic(tmp_path, monkeypatch):
    from core.store import loader

    monkeypatch.setenv("CARBONWATCH_USER", "analyst.wang")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "enterprises.csv").write_text("enterprise_id,name,province_code,sector\nE1,One,32,power\n")
    (folder / "units.csv").write_text("unit_id,enterprise_id,unit_class,capacity_mw\nU1,E1,coal_300mw_below,300\n")
    (folder / "monthly_reports.csv").write_text(
        "unit_id,period,fuel_type,fuel_consumed,ncv,carbon_content,carbon_content_source,oxidation_rate,"
        "generation_mwh,supply_mwh,operating_hours,submitted_at\n"
        "U1,2024-01,coal,100000,22,0.03085,default,0.99,200000,190000,700,2024-02-20 09:30:00\n")
    con = db.connect(tmp_path / "x.duckdb")
    try:
        loader.load_folder(con, folder, source="real folder")
        first = loads.freshness(con, NATIONAL).iloc[0]
        assert (first["loaded_by"], first["source"], bool(first["synthetic"])) == ("analyst.wang", "real folder", False)
        loader.load_folder(con, folder, source=loads.demo_source(1, 2022), loaded_by="ops")
        later = loads.freshness(con, NATIONAL).iloc[0]
        assert later["loaded_by"] == "ops" and bool(later["synthetic"])
    finally:
        con.close()


# --- scope ------------------------------------------------------------------------------------

SCOPED_CALLS = [(name, fn) for name, fn in catalog.SCOPED.items()]


def test_one_province_sees_only_itself(tiny_con):
    jiangsu = Scope.of(["32"])
    head = overview.national_headline(tiny_con, jiangsu).iloc[0]
    assert (head["enterprises"], head["units"], head["unit_months"]) == (1, 1, 13)
    years = overview.emissions_by_year(tiny_con, jiangsu).set_index("year")
    assert years.loc[2022, "computed_t"] == pytest.approx(12 * tiny_monthly_emissions("U3"))
    assert years.loc[2022, "verified_t"] == pytest.approx(TINY_VERIFIED_2022["E3"])
    assert set(overview.emissions_by_province(tiny_con, jiangsu)["province_code"]) == {"32"}


@pytest.fixture
def demo_con(demo_db):
    con = db.connect(demo_db)  # read-write like the app's, so both can be open in one process
    yield con
    con.close()


def test_national_totals_equal_the_sum_over_provinces(demo_con):
    national = overview.emissions_by_province(demo_con, NATIONAL)
    year = int(national["year"].iloc[0])
    assert len(national) > 5
    years = overview.emissions_by_year(demo_con, NATIONAL).set_index("year")
    assert national["emissions_t"].sum() == pytest.approx(years.loc[year, "computed_t"], rel=1e-9)

    heads = []
    for code, emissions in national.set_index("province_code")["emissions_t"].items():
        one = overview.emissions_by_province(demo_con, Scope.of([code]), year=year)
        assert list(one["province_code"]) == [code]
        assert one["emissions_t"].item() == pytest.approx(emissions, rel=1e-9)
        heads.append(overview.national_headline(demo_con, Scope.of([code])).iloc[0])
    total = overview.national_headline(demo_con, NATIONAL).iloc[0]
    for col in ("units", "unit_months", "capacity_mw"):
        assert sum(h[col] for h in heads) == pytest.approx(total[col])
    # enterprises may sit in provinces without reports; every one is counted somewhere
    assert sum(h["enterprises"] for h in heads) <= total["enterprises"]


def test_two_provinces_add_up(demo_con):
    national = overview.emissions_by_province(demo_con, NATIONAL)
    a, b = national["province_code"].iloc[:2]
    both = overview.emissions_by_year(demo_con, Scope.of([a, b])).set_index("year")["computed_t"]
    each = sum(overview.emissions_by_year(demo_con, Scope.of([c])).set_index("year")["computed_t"] for c in (a, b))
    pd.testing.assert_series_equal(both, each, check_names=False, rtol=1e-9)


def assert_sees_nothing(name: str, df: pd.DataFrame) -> None:
    if name == "national_headline":
        assert df.loc[0, ["enterprises", "units", "unit_months"]].tolist() == [0, 0, 0]
    elif name == "risk_by_province":  # every tile is drawn; none in scope, none with data
        assert len(df) == 32 and not df["in_scope"].any()
        assert (df[["enterprises", "flagged"]] == 0).all().all() and df["emissions_t"].isna().all()
    else:
        assert df.empty, "a scope that grants nothing must match no province, not every province"


@pytest.mark.parametrize("name, fn", SCOPED_CALLS, ids=[n for n, _ in SCOPED_CALLS])
def test_an_empty_scope_sees_nothing(tiny_con, name, fn):
    assert_sees_nothing(name, fn(tiny_con, Scope.of([])))


@pytest.mark.parametrize("evil", INJECTIONS)
@pytest.mark.parametrize("name, fn", SCOPED_CALLS, ids=[n for n, _ in SCOPED_CALLS])
def test_injection_in_scope_codes_changes_nothing(tiny_con, name, fn, evil):
    before = loads.table_counts(tiny_con, Scope.national())
    assert_sees_nothing(name, fn(tiny_con, Scope.of([evil])))
    # a code mixed in with a real one neither widens nor breaks the scope
    mixed = overview.emissions_by_province(tiny_con, Scope.of(["32", evil]), year=2022)
    assert set(mixed["province_code"]) == {"32"}
    pd.testing.assert_frame_equal(loads.table_counts(tiny_con, Scope.national()), before)


@pytest.mark.parametrize("evil", INJECTIONS + ["3", "370", "37,", "xx", "37;32"])
def test_deployment_scope_refuses_malformed_codes(evil):
    with pytest.raises(access.ScopeError):
        access.parse_scope(evil)


def test_deployment_scope_parsing():
    assert access.parse_scope(None) == NATIONAL
    assert access.parse_scope("  ") == NATIONAL
    assert access.parse_scope("37, 32") == Scope.of(["32", "37"])
    with pytest.raises(access.ScopeError, match="unknown"):
        access.parse_scope("99", known_codes=set(access.province_names()))
