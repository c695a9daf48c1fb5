"""Partial years are marked and compared like for like (issue 14): every yearly query says which
months it covers; the headline names them and compares the same months a year earlier, from the
data whatever the period filter; the charts draw a partial year lighter and say which months; the
yearly risk counts hold only years with monthly reports.

The tiny database (tests/conftest.py) has 2022 complete and January 2023 only."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.contract.access import Scope
from core.contract.filters import Filters
from core.insight import headline, runs
from core.store import db, overview, risk_views
from core.ui import charts
from core.words import headline as headline_words
from core.words import i18n
from tests.conftest import TINY_MONTHLY, tiny_monthly_emissions

NATIONAL = Scope.national()
JAN_2023 = Filters(period_from=dt.date(2023, 1, 1))
JAN_TOTAL = sum(tiny_monthly_emissions(u) for u in TINY_MONTHLY)


def test_each_year_says_which_months_it_covers(tiny_con):
    years = overview.emissions_by_year(tiny_con, NATIONAL).set_index("year")
    assert years.loc[2022, "months"] == 12 and years.loc[2023, "months"] == 1
    assert years.loc[2023, "first_month"] == years.loc[2023, "last_month"] == pd.Timestamp("2023-01-01")
    for fn in (overview.measured_share_by_year, overview.deposit_timeliness_by_year):
        assert fn(tiny_con, NATIONAL).set_index("year").loc[2023, "months"] == 1, fn.__name__


def test_the_same_months_a_year_earlier_come_from_the_data_whatever_the_filter(tiny_con):
    """From January 2023 the view holds no 2022, yet January 2022 is in the data: it is the comparison."""
    years = overview.emissions_by_year(tiny_con, NATIONAL, JAN_2023).set_index("year")
    assert list(years.index) == [2023]
    assert years.loc[2023, "months_before"] == 1
    assert years.loc[2023, "computed_t_before"] == pytest.approx(JAN_TOTAL)
    deposits = overview.deposit_timeliness_by_year(tiny_con, NATIONAL, JAN_2023).set_index("year")
    assert deposits.loc[2023, "share_before"] == pytest.approx(2 / 3)  # U3 deposits late, every month
    measured = overview.measured_share_by_year(tiny_con, NATIONAL, JAN_2023).set_index("year")
    assert measured.loc[2023, "share_before"] == pytest.approx(1 / 2)  # January: U1 measures, U3 does not
    # the whole of 2022 is compared with the whole of 2021, which the data does not hold
    whole = overview.emissions_by_year(tiny_con, NATIONAL).set_index("year")
    assert whole.loc[2022, "months_before"] == 0 and pd.isna(whole.loc[2022, "computed_t_before"])


def _tiny_headline(con, flt: Filters, lang: str) -> pd.DataFrame:
    empty_risk = pd.DataFrame({"year": [], "band": [], "enterprises": []})
    market = pd.DataFrame({"month": [], "vwap_cny": []})
    return headline_words.headline(overview.emissions_by_year(con, NATIONAL, flt), empty_risk,
                                   overview.measured_share_by_year(con, NATIONAL, flt),
                                   overview.deposit_timeliness_by_year(con, NATIONAL, flt), market, lang)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_partial_headline_year_names_its_months_and_compares_the_same_months(tiny_con, lang):
    head = _tiny_headline(tiny_con, JAN_2023, lang).set_index("label")
    jan = pd.Timestamp("2023-01-01")
    label = i18n.t("headline.emissions", lang, period=i18n.fmt_year_period(2023, lang, 1, jan, jan))
    assert label == ("Emissions 2023 (Jan)" if lang == "en" else "2023年1月排放量")
    row = head.loc[label]
    assert row["previous"] == pytest.approx(JAN_TOTAL)
    assert row["note"] == ("vs 2022 (Jan)" if lang == "en" else "较2022年1月")


def test_no_comparable_months_is_said_not_left_blank(tiny_con):
    head = _tiny_headline(tiny_con, Filters(period_to=dt.date(2022, 12, 1)), "en").set_index("label")
    row = head.loc["Emissions 2022"]
    assert pd.isna(row["previous"]) and row["note"] == i18n.t("headline.no_comparison", "en")


def test_a_complete_year_is_compared_with_the_whole_year_before_even_when_the_view_holds_part_of_it():
    """from=2024-06 holds 7 months of 2024: 2025 is still compared with all of 2024, from the data."""
    years = pd.DataFrame({"year": [2024, 2025], "months": [7, 12], "complete": [False, True],
                          "computed_t": [70.0, 130.0], "months_before": [7, 12], "computed_t_before": [65.0, 120.0]})
    fig = headline.figures(years, pd.DataFrame(), years.assign(share=0.5, share_before=0.4),
                           years.assign(share=0.9, share_before=0.8), pd.DataFrame())
    emissions = fig.set_index("key").loc["headline.emissions"]
    assert (emissions["value"], emissions["previous"], emissions["when"], emissions["before"]) == (130.0, 120.0, 2025, 2024)


# --- the yearly risk counts ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def risk_after_reports(assessed_demo_db, private_copy):
    """The assessed demo with one enterprise also scored in the year after the last report, as an
    assessment scores a year in which only a trading rule fired (trades run past the reports)."""
    path = private_copy(assessed_demo_db, "risk_after_reports")
    con = db.connect(path)
    run_id = runs.latest_assessment(con).run_id
    last = con.execute("SELECT max(year(period)) FROM monthly_reports").fetchone()[0]
    con.execute("INSERT INTO risk_components (run_id, enterprise_id, year, rules, model, motive, context, n_rules, "
                "max_severity, reasons) SELECT run_id, enterprise_id, year + 1, 1.0, 1.0, 1.0, 1.0, 1, 'critical', "
                "reasons FROM risk_components WHERE run_id = ? AND year = ? LIMIT 1", [run_id, last])
    yield con, run_id, last
    con.close()


def test_no_risk_year_after_the_last_monthly_report(risk_after_reports):
    con, run_id, last = risk_after_reports
    by_year = risk_views.risk_by_year(con, NATIONAL, Filters().with_run(run_id))
    assert by_year["year"].max() == last
    reported = set(con.execute("SELECT DISTINCT year(period) FROM monthly_reports").fetchall())
    assert {(int(y),) for y in by_year["year"]} <= reported
    # the headline and the chart read the same frame: neither shows the year after
    assert headline.flagged_by_year(by_year)["year"].max() == last
    spec = charts.risk_trend(by_year, "en").to_dict()
    assert all(not str(r["year"]).startswith(str(last + 1)) for d in spec["datasets"].values() for r in d)


def test_risk_years_compare_with_the_year_before_whatever_the_period_filter(risk_after_reports):
    con, run_id, last = risk_after_reports
    whole = headline.flagged_by_year(risk_views.risk_by_year(con, NATIONAL, Filters().with_run(run_id)))
    part = headline.flagged_by_year(risk_views.risk_by_year(
        con, NATIONAL, Filters(period_from=dt.date(last, 6, 1)).with_run(run_id)))
    assert list(part["year"]) == [last]
    assert part["flagged_before"].iloc[0] == whole.set_index("year").loc[last - 1, "flagged"]
    assert part["months"].iloc[0] == 12  # a year is scored on all its reports, whatever the filter


# --- the charts ----------------------------------------------------------------------------------

def _rows(chart) -> list[dict]:
    return [r for d in chart.to_dict()["datasets"].values() for r in d]


def _opacity(chart) -> dict:
    spec = chart.to_dict()
    layers = spec.get("layer", [spec])
    return next(enc["opacity"] for layer in layers for sub in layer.get("layer", [layer])
                if "opacity" in (enc := sub.get("encoding", {})))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_yearly_charts_mark_a_partial_year(tiny_con, lang):
    jan = pd.Timestamp("2023-01-01")
    coverage = i18n.fmt_coverage(1, jan, jan, lang)
    for build, fn in ((charts.emissions_by_year, overview.emissions_by_year),
                      (charts.measured_share, overview.measured_share_by_year)):
        chart = build(fn(tiny_con, NATIONAL), lang)
        rows = [r for r in _rows(chart) if "partial" in r and r.get("coverage")]
        partial = {r["year"]: (r["partial"], r["coverage"]) for r in rows}
        assert partial["2023*"] == (True, coverage), build.__name__
        assert partial["2022"] == (False, i18n.t("coverage.full", lang)), build.__name__
        assert _opacity(chart)["condition"]["value"] == charts.PARTIAL_OPACITY, build.__name__
    risk = pd.DataFrame({"year": [2025, 2026], "band": ["high", "high"], "enterprises": [3, 2],
                         "months": [12, 8], "first_month": pd.to_datetime(["2025-01-01", "2026-01-01"]),
                         "last_month": pd.to_datetime(["2025-12-01", "2026-08-01"])})
    rows = {r["year"]: r for r in _rows(charts.risk_trend(risk, lang))}
    assert rows["2026*"]["partial"] and not rows["2025"]["partial"]
    assert rows["2026*"]["coverage"] == i18n.fmt_coverage(8, pd.Timestamp("2026-01-01"), pd.Timestamp("2026-08-01"), lang)
    assert coverage == ("Jan, 1 of 12 months" if lang == "en" else "1月，全年12个月中的1个月")

