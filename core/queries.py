"""Named, parameterised queries: every read the pages make, and the only place they are written.

Each function takes (con, scope, ...) and returns a small aggregated DataFrame;
aggregation happens in DuckDB so pages never receive raw unit-months. The scope
is applied through the enterprise's province in one place (`_scoped`). Load
metadata and row counts have no province and take no scope (UNSCOPED). Values
are always bound with `?`; only our own constants and identifiers from
core.schema are written into the SQL text.
"""
from __future__ import annotations

import pandas as pd

from core import mrv, schema
from core.db import Scope, fetch_df

# The contract's emission formula (DATA_CONTRACT.md), over monthly_reports aliased `m`:
# E = fuel_consumed x NCV x carbon content x oxidation rate (default 0.99) x 44/12, in tCO2.
EMISSIONS_T = (
    "(m.fuel_consumed * m.ncv * m.carbon_content"
    f" * coalesce(m.oxidation_rate, {mrv.OXIDATION_DEFAULT}) * 44.0 / 12.0)"
)

# Sourced published shares of plants measuring carbon content (domain.md 2.1, S21);
# the other years of mrv.MEASURED_SHARE are interpolated and must not be shown as published.
PUBLISHED_MEASURED_SHARE_YEARS = (2019, 2022)


def _scoped(scope: Scope) -> tuple[str, list]:
    """CTEs `se` and `su`: the enterprises and units the scope may see, with their province."""
    where, params = scope.sql("e.province_code")
    return (
        f"WITH se AS (SELECT e.enterprise_id, e.province_code FROM enterprises e WHERE {where}), "
        "su AS (SELECT u.*, se.province_code FROM units u JOIN se USING (enterprise_id))",
        params,
    )


def _scoped_reports(scope: Scope) -> tuple[str, list]:
    """CTEs `se`, `su` and `r`: the scope's monthly reports with enterprise, province, year and
    emissions computed by the contract formula."""
    cte, params = _scoped(scope)
    return (
        f"{cte}, r AS (SELECT m.*, su.enterprise_id, su.province_code, year(m.period) AS year, "
        f"{EMISSIONS_T} AS emissions_t FROM monthly_reports m JOIN su USING (unit_id))",
        params,
    )


def national_headline(con, scope: Scope) -> pd.DataFrame:
    """One row: enterprises, provinces covered, units, capacity (MW and GW), first/last period, unit-months."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte}
        SELECT (SELECT count(*) FROM se) AS enterprises,
               (SELECT count(DISTINCT province_code) FROM se) AS provinces,
               (SELECT count(*) FROM su) AS units,
               (SELECT coalesce(sum(capacity_mw), 0) FROM su) AS capacity_mw,
               (SELECT coalesce(sum(capacity_mw), 0) FROM su) / 1000.0 AS capacity_gw,
               min(m.period) AS first_period, max(m.period) AS last_period, count(m.period) AS unit_months
        FROM monthly_reports m JOIN su USING (unit_id)"""
    return fetch_df(con, sql, params)


def emissions_by_year(con, scope: Scope) -> pd.DataFrame:
    """year, months (distinct periods), complete (12 months), computed_t (formula), verified_t."""
    cte, params = _scoped_reports(scope)
    sql = f"""
        {cte},
        c AS (SELECT year, count(DISTINCT period) AS months, sum(emissions_t) AS computed_t FROM r GROUP BY year),
        v AS (SELECT year, sum(verified_t) AS verified_t FROM verifications JOIN se USING (enterprise_id)
              GROUP BY year)
        SELECT year, coalesce(c.months, 0) AS months, coalesce(c.months, 0) = 12 AS complete,
               c.computed_t, v.verified_t
        FROM c FULL OUTER JOIN v USING (year)
        ORDER BY year"""
    return fetch_df(con, sql, params)


def measured_share_by_year(con, scope: Scope) -> pd.DataFrame:
    """year, coal_unit_months, measured_unit_months, share: coal months with a measured carbon content."""
    cte, params = _scoped_reports(scope)
    sql = f"""
        {cte}
        SELECT year, count(*) AS coal_unit_months,
               count(*) FILTER (WHERE carbon_content_source = 'measured') AS measured_unit_months,
               count(*) FILTER (WHERE carbon_content_source = 'measured') / count(*) AS share
        FROM r WHERE fuel_type = 'coal'
        GROUP BY year ORDER BY year"""
    return fetch_df(con, sql, params)


def published_measured_share() -> pd.DataFrame:
    """year, share: the published national figures (sourced years only), for comparison."""
    return pd.DataFrame(
        {"year": list(PUBLISHED_MEASURED_SHARE_YEARS),
         "share": [mrv.MEASURED_SHARE[y] for y in PUBLISHED_MEASURED_SHARE_YEARS]}
    )


def deposit_timeliness_by_year(con, scope: Scope) -> pd.DataFrame:
    """year, unit_months, on_time, share: months deposited by the deadline of mrv.deposit_deadline."""
    cte, params = _scoped_reports(scope)
    sql = f"""
        {cte}
        SELECT year, count(*) AS unit_months, count(*) FILTER (WHERE on_time) AS on_time,
               count(*) FILTER (WHERE on_time) / count(*) AS share
        FROM (SELECT year, submitted_at::DATE <= {mrv.deposit_deadline_sql('period')} AS on_time FROM r)
        GROUP BY year ORDER BY year"""
    return fetch_df(con, sql, params)


def emissions_by_province(con, scope: Scope, year: int | None = None) -> pd.DataFrame:
    """year, province_code, name_zh, name_en, grid_region, enterprises, emissions_t for one year
    (default: the latest year with all 12 months in the scope), largest first."""
    cte, params = _scoped_reports(scope)
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


def data_status(con) -> pd.DataFrame:
    """The latest load (one row or none): loaded_at, source, files, rows (inserted + updated)."""
    sql = """
        SELECT loaded_at, source, count(*) AS files, sum(inserted + updated) AS rows
        FROM load_log
        WHERE loaded_at = (SELECT max(loaded_at) FROM load_log)
        GROUP BY loaded_at, source
        ORDER BY source LIMIT 1"""
    return fetch_df(con, sql)


def table_counts(con) -> pd.DataFrame:
    """table, rows for every table of the contract plus the reference and log tables."""
    names = ["provinces", *[t.name for t in schema.TABLES], "load_log"]
    sql = " UNION ALL ".join(f"SELECT '{n}' AS \"table\", count(*) AS rows, {i} AS ord FROM {n}"
                             for i, n in enumerate(names))
    return fetch_df(con, f"SELECT \"table\", rows FROM ({sql}) ORDER BY ord")


def load_history(con, limit: int = 200) -> pd.DataFrame:
    """loaded_at, source, table, file, inserted, updated: the most recent loads first."""
    sql = """
        SELECT loaded_at, source, table_name AS "table", file_name AS file, inserted, updated
        FROM load_log ORDER BY loaded_at DESC, load_id DESC LIMIT ?"""
    return fetch_df(con, sql, [limit])


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


# The cache wrapper in core/ui calls queries by name: scoped ones get the scope, the
# others (load metadata, row counts) are national by nature.
SCOPED = {
    f.__name__: f
    for f in (national_headline, emissions_by_year, measured_share_by_year, deposit_timeliness_by_year,
              emissions_by_province)
}
UNSCOPED = {f.__name__: f for f in (data_status, table_counts, load_history)}
