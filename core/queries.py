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


def enterprise_directory(con, scope: Scope) -> pd.DataFrame:
    """enterprise_id, name, province_code, province_zh, province_en of every enterprise in scope
    (to put names on the engine's results, which carry ids only)."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte}
        SELECT e.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en
        FROM se JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = se.province_code
        ORDER BY e.enterprise_id"""
    return fetch_df(con, sql, params)


def flagged_rows(con, scope: Scope, run_id: str, *, min_score: float = float("-inf"), min_percentile: float = -1.0,
                 limit: int = 300) -> pd.DataFrame:
    """The rows of a stored run above a threshold (ensemble score >= min_score and percentile >
    min_percentile), highest score first, at most `limit`: enterprise_id, name, province_code,
    province_zh, province_en, unit_id, period, score, percentile, detector_scores (list, in the run's
    detector order), explanation (JSON or null), flagged (how many rows pass the threshold in all)."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte}
        SELECT s.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               s.unit_id, s.period, s.score, s.percentile, s.detector_scores, s.explanation,
               count(*) OVER () AS flagged
        FROM model_scores s JOIN se USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        JOIN provinces pr ON pr.code = se.province_code
        WHERE s.run_id = ? AND s.score >= ? AND s.percentile > ?
        ORDER BY s.score DESC, s.enterprise_id, s.unit_id NULLS FIRST, s.period
        LIMIT ?"""
    return fetch_df(con, sql, [*params, run_id, float(min_score), float(min_percentile), int(limit)])


# Reads of a stored run (flagged_rows) take the run id and are cached by core/ui/lab.py.
# The cache wrapper in core/ui calls queries by name: scoped ones get the scope, the
# others (load metadata, row counts) are national by nature.
SCOPED = {
    f.__name__: f
    for f in (national_headline, emissions_by_year, measured_share_by_year, deposit_timeliness_by_year,
              emissions_by_province, enterprise_directory)
}
UNSCOPED = {f.__name__: f for f in (data_status, table_counts, load_history)}


# ----------------------------------------------------------------- detection inputs
# Unlike the page queries above, these feed core.features and return one row per
# unit-month or per enterprise-year: the detection engine needs the rows themselves.

# Peer groups compare like with like: allocation class x capacity band x grid region.
CAPACITY_BAND = (
    "CASE WHEN u.capacity_mw >= 900 THEN '900+' WHEN u.capacity_mw >= 550 THEN '550-900' "
    "WHEN u.capacity_mw >= 290 THEN '290-550' WHEN u.capacity_mw >= 100 THEN '100-290' ELSE '<100' END"
)
HEAT_BOILER_EFFICIENCY = 0.9  # heat supplied is taken to cost heat / 0.9 of fuel energy


def unit_month_inputs(con, scope: Scope) -> pd.DataFrame:
    """Every deposited unit-month in scope with the derived physical quantities.

    coal_rate: supply coal rate of the power part, gce/kWh = (fuel energy - heat/0.9) / 29.307 / supply;
    intensity: tCO2 per MWh supplied; ncv_dry and c_dry: the as-received lab values brought back to a
    dry basis with the reported total moisture (NCV_d = (NCV_ar + 0.02443 M_t) / (1 - M_t),
    C_d = C_ar / (1 - M_t)); lags in days from month end (test, report) and from the deposit
    deadline (late_days, core.mrv)."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte}
        SELECT m.unit_id, su.enterprise_id, su.province_code, m.period, year(m.period) AS year,
               su.unit_class, su.capacity_mw, su.cooling, coalesce(su.chp, FALSE) AS chp, p.grid_region,
               {CAPACITY_BAND.replace('u.', 'su.')} AS capacity_band,
               m.fuel_type, m.fuel_consumed, m.ncv, m.carbon_content, m.carbon_content_source,
               m.carbon_ar_pct, m.total_moisture_pct, m.moisture_ad_pct, m.hydrogen_pct, m.sulfur_pct,
               m.generation_mwh, m.supply_mwh, m.heat_supply_gj, m.operating_hours, m.load_factor,
               m.lab_id, m.lab_report_no, m.sample_date, m.test_date, m.report_date, m.submitted_at,
               {EMISSIONS_T} AS emissions_t,
               CASE WHEN m.fuel_type = 'coal' AND m.supply_mwh > 0 THEN
                    (m.fuel_consumed * m.ncv - coalesce(m.heat_supply_gj, 0) / {HEAT_BOILER_EFFICIENCY})
                    / {mrv.GJ_PER_TCE} / m.supply_mwh * 1000 END AS coal_rate,
               {EMISSIONS_T} / nullif(m.supply_mwh, 0) AS intensity,
               (m.ncv + 0.02443 * m.total_moisture_pct) / (1 - m.total_moisture_pct / 100) AS ncv_dry,
               m.carbon_ar_pct / (1 - m.total_moisture_pct / 100) AS c_dry,
               date_diff('day', last_day(m.period), m.test_date) AS test_lag_days,
               date_diff('day', last_day(m.period), m.report_date) AS report_lag_days,
               date_diff('day', {mrv.deposit_deadline_sql('m.period')}, m.submitted_at::DATE) AS late_days,
               TRY_CAST(regexp_extract(m.lab_report_no, '(\\d+)$', 1) AS BIGINT) AS report_seq,
               regexp_replace(m.lab_report_no, '\\d+$', '') AS report_series
        FROM monthly_reports m JOIN su USING (unit_id) JOIN provinces p ON p.code = su.province_code
        ORDER BY m.unit_id, m.period
    """
    return fetch_df(con, sql, params)


def enterprise_year_inputs(con, scope: Scope) -> pd.DataFrame:
    """Per enterprise and year: deposited emissions and months, verification, allocation, the
    enterprise's agencies, and whether a month is missing between deposited months."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte},
        dep AS (
            SELECT su.enterprise_id, year(m.period) AS year, sum({EMISSIONS_T}) AS deposited_t,
                   count(DISTINCT m.period) AS months,
                   count(*) FILTER (WHERE m.fuel_type = 'coal') AS coal_unit_months,
                   count(*) FILTER (WHERE m.fuel_type = 'coal' AND m.carbon_content_source = 'default')
                       AS default_unit_months,
                   arg_max(m.lab_id, m.period) AS lab_id
            FROM monthly_reports m JOIN su USING (unit_id) GROUP BY ALL),
        span AS (
            SELECT su.enterprise_id, min(m.period) AS first_period, max(m.period) AS last_period
            FROM monthly_reports m JOIN su USING (unit_id) GROUP BY ALL)
        SELECT se.enterprise_id, se.province_code, e.consultant_id, d.year, d.deposited_t, d.months,
               d.coal_unit_months, d.default_unit_months, d.lab_id,
               v.reported_t, v.verified_t, v.verifier_id, v.conclusion, a.allocated_t,
               -- months inside the enterprise's deposit span that have no deposit at all
               (least(date_diff('month', make_date(d.year, 1, 1), s.last_period), 11)
                - greatest(date_diff('month', make_date(d.year, 1, 1), s.first_period), 0) + 1) - d.months
                   AS missing_months
        FROM dep d JOIN se USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        JOIN span s USING (enterprise_id)
        LEFT JOIN verifications v ON v.enterprise_id = d.enterprise_id AND v.year = d.year
        LEFT JOIN allocations a ON a.enterprise_id = d.enterprise_id AND a.year = d.year
        ORDER BY se.enterprise_id, d.year
    """
    return fetch_df(con, sql, params)


def missing_deposit_months(con, scope: Scope) -> pd.DataFrame:
    """Unit-months with no deposit although the unit deposited before and after them."""
    cte, params = _scoped(scope)
    sql = f"""
        {cte},
        span AS (SELECT m.unit_id, min(m.period) AS first_p, max(m.period) AS last_p
                 FROM monthly_reports m JOIN su USING (unit_id) GROUP BY ALL),
        grid AS (SELECT s.unit_id, unnest(generate_series(s.first_p, s.last_p, INTERVAL 1 MONTH))::DATE AS period
                 FROM span s)
        SELECT g.unit_id, su.enterprise_id, g.period
        FROM grid g JOIN su USING (unit_id)
        ANTI JOIN monthly_reports m ON m.unit_id = g.unit_id AND m.period = g.period
        ORDER BY su.enterprise_id, g.period, g.unit_id
    """
    return fetch_df(con, sql, params)


def related_party_trades(con, scope: Scope, *, max_days: int = 7) -> pd.DataFrame:
    """Trade pairs that suggest related-party dealing, for the rules engine:
    kind 'round_trip': A sells to B and B sells back to A within `max_days` at a volume within 10 %;
    kind 'off_market_group': a block trade between two accounts of one group priced more than 20 %
    away from the previous published close and more than 15 % away from the day's other block trades.
    One row per enterprise involved."""
    where, params = scope.sql("e.province_code")
    sql = f"""
        WITH acc AS (
            SELECT a.account_id, a.enterprise_id, e.group_name, e.province_code
            FROM accounts a JOIN enterprises e USING (enterprise_id)),
        t AS (SELECT tr.*, tr.ts::DATE AS day FROM trades tr),
        rt AS (
            SELECT 'round_trip' AS kind, t1.trade_id AS trade_1, t2.trade_id AS trade_2,
                   t1.ts AS ts_1, t2.ts AS ts_2, t1.seller_account AS account_a, t1.buyer_account AS account_b,
                   t1.volume_t AS volume_1, t2.volume_t AS volume_2, t1.price_cny AS price_1, t2.price_cny AS price_2,
                   NULL::DOUBLE AS ref_close
            FROM t t1 JOIN t t2 ON t2.seller_account = t1.buyer_account AND t2.buyer_account = t1.seller_account
                 AND t2.ts > t1.ts AND t2.ts <= t1.ts + INTERVAL (?) DAY
                 AND abs(t2.volume_t / t1.volume_t - 1) <= 0.10),
        prev AS (SELECT date, lag(close IGNORE NULLS) OVER (ORDER BY date) AS prev_close FROM market_daily),
        -- the day's other block trades: a price far from both the close and the rest of the
        -- day's block market is negotiated, not discovered
        blk AS (SELECT day, sum(volume_t) AS v, sum(volume_t * price_cny) AS a FROM t
                WHERE method = 'block' GROUP BY day),
        om AS (
            SELECT 'off_market_group' AS kind, t.trade_id, NULL, t.ts, NULL, t.seller_account, t.buyer_account,
                   t.volume_t, NULL, t.price_cny, NULL, prev.prev_close
            FROM t JOIN prev ON prev.date = t.day JOIN blk ON blk.day = t.day
            JOIN acc s ON s.account_id = t.seller_account JOIN acc b ON b.account_id = t.buyer_account
            WHERE t.method = 'block' AND s.group_name = b.group_name
              AND abs(t.price_cny / prev.prev_close - 1) > 0.20
              AND (blk.v = t.volume_t OR abs(t.price_cny / ((blk.a - t.volume_t * t.price_cny)
                                                          / (blk.v - t.volume_t)) - 1) > 0.15)),
        pairs AS (SELECT * FROM rt UNION ALL SELECT * FROM om)
        SELECT p.*, acc.enterprise_id, acc.province_code
        FROM pairs p JOIN acc ON acc.account_id IN (p.account_a, p.account_b)
        JOIN enterprises e ON e.enterprise_id = acc.enterprise_id
        WHERE {where}
        ORDER BY p.ts_1
    """
    return fetch_df(con, sql, [max_days, *params])
