"""The national and provincial picture: headline counts, emissions, measured share and on-time
deposits by year and by province, the enterprise directory and what the filters offer.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import mrv
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import (
    EMISSIONS_T,
    deposit_deadline_sql,
    page_query,
    reported_months,
    same_months_before,
    scoped,
    scoped_reports,
    year_where,
)

# Sourced published shares of plants measuring carbon content (domain.md 2.1, S21);
# the other years of mrv.MEASURED_SHARE are interpolated and must not be shown as published.
PUBLISHED_MEASURED_SHARE_YEARS = (2019, 2022)


@page_query("scoped")
def national_headline(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row: enterprises, provinces covered, units, capacity (MW and GW), first/last period, unit-months
    (periods and unit-months within the filtered period)."""
    cte, params = scoped_reports(scope, flt)
    sql = f"""
        {cte}
        SELECT (SELECT count(*) FROM se) AS enterprises,
               (SELECT count(DISTINCT province_code) FROM se) AS provinces,
               (SELECT count(*) FROM su) AS units,
               (SELECT coalesce(sum(capacity_mw), 0) FROM su) AS capacity_mw,
               (SELECT coalesce(sum(capacity_mw), 0) FROM su) / 1000.0 AS capacity_gw,
               min(r.period) AS first_period, max(r.period) AS last_period, count(r.period) AS unit_months
        FROM r"""
    return fetch_df(con, sql, params)


@page_query("scoped")
def emissions_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, months (distinct months reported in the view), first_month, last_month, complete (12
    months), computed_t (formula), verified_t; months_before and computed_t_before: the same months
    one year earlier, from the data whatever the period filter (sql.same_months_before)."""
    cte, params = scoped_reports(scope, flt)
    ywhere, yparams = year_where(flt, "year")
    params = [*params, *yparams]
    sql = f"""
        {cte}, {reported_months()}, {same_months_before(f"sum({EMISSIONS_T}) AS computed_t_before")},
        c AS (SELECT year, sum(emissions_t) AS computed_t FROM r GROUP BY year),
        v AS (SELECT year, sum(verified_t) AS verified_t FROM verifications JOIN se USING (enterprise_id)
              WHERE {ywhere} GROUP BY year)
        SELECT year, coalesce(ym.months, 0) AS months, ym.first_month, ym.last_month,
               coalesce(ym.months, 0) = 12 AS complete, c.computed_t, v.verified_t,
               coalesce(yb.months_before, 0) AS months_before, yb.computed_t_before
        FROM c JOIN ym USING (year) FULL OUTER JOIN v USING (year) LEFT JOIN yb USING (year)
        ORDER BY year"""
    return fetch_df(con, sql, params)


@page_query("scoped")
def measured_share_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, coal_unit_months, measured_unit_months, share: coal months with a measured carbon
    content; months, first_month, last_month (months reported in the view), months_before and
    share_before (the same months one year earlier, sql.same_months_before)."""
    cte, params = scoped_reports(scope, flt)
    measured = "count(*) FILTER (WHERE {m}fuel_type = 'coal' AND {m}carbon_content_source = 'measured')"
    coal = "count(*) FILTER (WHERE {m}fuel_type = 'coal')"
    before = f"{measured.format(m='m.')} / nullif({coal.format(m='m.')}, 0) AS share_before"
    sql = f"""
        {cte}, {reported_months()}, {same_months_before(before)},
        s AS (SELECT year, count(*) AS coal_unit_months,
                     {measured.format(m='')} AS measured_unit_months,
                     {measured.format(m='')} / count(*) AS share
              FROM r WHERE fuel_type = 'coal' GROUP BY year)
        SELECT s.*, ym.months, ym.first_month, ym.last_month,
               coalesce(yb.months_before, 0) AS months_before, yb.share_before
        FROM s JOIN ym USING (year) LEFT JOIN yb USING (year)
        ORDER BY year"""
    return fetch_df(con, sql, params)


def published_measured_share() -> pd.DataFrame:
    """year, share: the published national figures (sourced years only), for comparison."""
    return pd.DataFrame(
        {"year": list(PUBLISHED_MEASURED_SHARE_YEARS),
         "share": [mrv.MEASURED_SHARE[y] for y in PUBLISHED_MEASURED_SHARE_YEARS]}
    )


@page_query("scoped")
def deposit_timeliness_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, unit_months, on_time, share: months deposited by the deadline of mrv.deposit_deadline;
    months, first_month, last_month (months reported in the view), months_before and share_before
    (the same months one year earlier, sql.same_months_before)."""
    cte, params = scoped_reports(scope, flt)
    on_time = "{m}submitted_at::DATE <= " + deposit_deadline_sql("{m}period")
    before = f"count(*) FILTER (WHERE {on_time.format(m='m.')}) / count(*) AS share_before"
    sql = f"""
        {cte}, {reported_months()}, {same_months_before(before)},
        d AS (SELECT year, count(*) AS unit_months, count(*) FILTER (WHERE on_time) AS on_time,
                     count(*) FILTER (WHERE on_time) / count(*) AS share
              FROM (SELECT year, {on_time.format(m='')} AS on_time FROM r) GROUP BY year)
        SELECT d.*, ym.months, ym.first_month, ym.last_month,
               coalesce(yb.months_before, 0) AS months_before, yb.share_before
        FROM d JOIN ym USING (year) LEFT JOIN yb USING (year)
        ORDER BY year"""
    return fetch_df(con, sql, params)


@page_query("scoped")
def emissions_by_province(con, scope: Scope, flt: Filters = NO_FILTERS, year: int | None = None) -> pd.DataFrame:
    """year, province_code, name_zh, name_en, grid_region, enterprises, emissions_t for one year
    (default: the latest year with all 12 months in the scope), largest first."""
    cte, params = scoped_reports(scope, flt)
    sql = f"""
        {cte},
        y AS (SELECT coalesce(?::INTEGER,
                 (SELECT max(year) FROM (SELECT year FROM r GROUP BY year HAVING count(DISTINCT period) = 12)))
              AS year),
        p AS (SELECT province_code, count(DISTINCT enterprise_id) AS enterprises, sum(emissions_t) AS emissions_t
              FROM r WHERE year = (SELECT year FROM y) GROUP BY province_code)
        SELECT (SELECT year FROM y) AS year, p.province_code, pr.name_zh, pr.name_en, pr.grid_region,
               p.enterprises, p.emissions_t
        FROM p JOIN provinces pr ON pr.code = p.province_code
        ORDER BY p.emissions_t DESC, p.province_code"""
    return fetch_df(con, sql, [*params, year])


def latest_complete(by_year: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    """The rows of the latest year with all 12 months and of the year before it (None if absent)."""
    complete = by_year[by_year["complete"].astype(bool)]
    if complete.empty:
        return None, None
    latest = complete.iloc[-1]
    prev = by_year[by_year["year"] == latest["year"] - 1]
    return latest, (prev.iloc[0] if not prev.empty else None)


def in_year(by_year: pd.DataFrame, year: int, column: str):
    """The value of `column` in `year`, or None when that year has no row."""
    hit = by_year.loc[by_year["year"] == year, column]
    return None if hit.empty else hit.iloc[0]


@page_query("scoped")
def enterprise_directory(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """enterprise_id, name, province_code, province_zh, province_en of every enterprise in scope
    (to put names on the engine's results, which carry ids only)."""
    cte, params = scoped(scope, flt)
    sql = f"""
        {cte}
        SELECT e.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en
        FROM se JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = se.province_code
        ORDER BY e.enterprise_id"""
    return fetch_df(con, sql, params)


@page_query("unfiltered")
def filter_choices(con, scope: Scope) -> pd.DataFrame:
    """What the global filters can choose from in the scope: kind ('period', 'group',
    'consultant', 'lab', 'verifier', 'capacity'), id, name. Periods are the deposited months;
    'capacity' has one row whose id is the largest unit capacity in MW."""
    cte, params = scoped(scope)
    sql = f"""
        {cte},
        m AS (SELECT m.period, m.lab_id FROM monthly_reports m JOIN su USING (unit_id))
        SELECT * FROM (
            SELECT DISTINCT 'period' AS kind, strftime(period, '%Y-%m') AS id, NULL AS name FROM m
            UNION ALL SELECT DISTINCT 'group', e.group_name, e.group_name FROM se JOIN enterprises e USING (enterprise_id)
                      WHERE e.group_name IS NOT NULL
            UNION ALL SELECT DISTINCT 'consultant', a.agency_id, a.name FROM se JOIN enterprises e USING (enterprise_id)
                      JOIN agencies a ON a.agency_id = e.consultant_id
            UNION ALL SELECT DISTINCT 'lab', a.agency_id, a.name FROM (SELECT DISTINCT lab_id FROM m) l
                      JOIN agencies a ON a.agency_id = l.lab_id
            UNION ALL SELECT DISTINCT 'verifier', a.agency_id, a.name FROM verifications v JOIN se USING (enterprise_id)
                      JOIN agencies a ON a.agency_id = v.verifier_id
            UNION ALL SELECT 'capacity', CAST(ceil(max(capacity_mw)) AS VARCHAR), NULL FROM su)
        ORDER BY kind, id"""
    return fetch_df(con, sql, params)
