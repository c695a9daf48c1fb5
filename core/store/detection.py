"""The detection engine's inputs: one row per unit-month or enterprise-year (the engine needs the
rows themselves), missing deposit months and related-party trades.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import mrv
from core.contract.access import Scope
from core.store.db import fetch_df
from core.store.sql import (
    EMISSIONS_T,
    deposit_deadline_sql,
    scope_where,
    scoped,
)

# ----------------------------------------------------------------- detection inputs
# Unlike the page queries above, these feed core.features and return one row per
# unit-month or per enterprise-year: the detection engine needs the rows themselves.

# Peer groups compare like with like: allocation class x capacity band x grid region.
CAPACITY_BAND = (
    "CASE WHEN u.capacity_mw >= 900 THEN '900+' WHEN u.capacity_mw >= 550 THEN '550-900' "
    "WHEN u.capacity_mw >= 290 THEN '290-550' WHEN u.capacity_mw >= 100 THEN '100-290' ELSE '<100' END"
)
HEAT_BOILER_EFFICIENCY = 0.9  # heat supplied is taken to cost heat / 0.9 of fuel energy
# Derived measures over monthly_reports aliased `m`, shared by the engine and the dossier so a
# chart and a rule never define a quantity two ways. Supply coal rate of the power part, gce/kWh:
COAL_RATE = (
    "CASE WHEN m.fuel_type = 'coal' AND m.supply_mwh > 0 THEN "
    f"(m.fuel_consumed * m.ncv - coalesce(m.heat_supply_gj, 0) / {HEAT_BOILER_EFFICIENCY}) "
    f"/ {mrv.GJ_PER_TCE} / m.supply_mwh * 1000 END"
)
INTENSITY = f"({EMISSIONS_T} / nullif(m.supply_mwh, 0))"  # tCO2 per MWh supplied


def unit_month_inputs(con, scope: Scope) -> pd.DataFrame:
    """Every deposited unit-month in scope with the derived physical quantities.

    coal_rate: supply coal rate of the power part, gce/kWh = (fuel energy - heat/0.9) / 29.307 / supply;
    intensity: tCO2 per MWh supplied; ncv_dry and c_dry: the as-received lab values brought back to a
    dry basis with the reported total moisture (NCV_d = (NCV_ar + 0.02443 M_t) / (1 - M_t),
    C_d = C_ar / (1 - M_t)); lags in days from month end (test, report) and from the deposit
    deadline (late_days, core.mrv)."""
    cte, params = scoped(scope)
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
               {COAL_RATE} AS coal_rate, {INTENSITY} AS intensity,
               (m.ncv + 0.02443 * m.total_moisture_pct) / (1 - m.total_moisture_pct / 100) AS ncv_dry,
               m.carbon_ar_pct / (1 - m.total_moisture_pct / 100) AS c_dry,
               date_diff('day', last_day(m.period), m.test_date) AS test_lag_days,
               date_diff('day', last_day(m.period), m.report_date) AS report_lag_days,
               date_diff('day', {deposit_deadline_sql('m.period')}, m.submitted_at::DATE) AS late_days,
               TRY_CAST(regexp_extract(m.lab_report_no, '(\\d+)$', 1) AS BIGINT) AS report_seq,
               regexp_replace(m.lab_report_no, '\\d+$', '') AS report_series
        FROM monthly_reports m JOIN su USING (unit_id) JOIN provinces p ON p.code = su.province_code
        ORDER BY m.unit_id, m.period
    """
    return fetch_df(con, sql, params)


def enterprise_year_inputs(con, scope: Scope) -> pd.DataFrame:
    """Per enterprise and year: deposited emissions and months, verification, allocation, the
    enterprise's agencies, and whether a month is missing between deposited months."""
    cte, params = scoped(scope)
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
    cte, params = scoped(scope)
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
    where, params = scope_where(scope, "e.province_code")
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
