"""One enterprise's dossier: profile, units, risk years, monthly measures against peer bands,
rule hits, model scores, the sample/test/report/deposit timeline, verification, allowances, trades.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import scoring
from core.contract import access
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.detection import CAPACITY_BAND, COAL_RATE, INTENSITY
from core.store.sql import (
    band_sql,
    day_where,
    page_query,
    period_where,
    scoped,
    score_sql,
    year_where,
)

# ----------------------------------------------------------------- enterprise dossier
# Reads of one enterprise for pages/4_Enterprise.py, all (con, scope, flt, enterprise_id). The
# enterprise is selected through the scope's CTEs (`_dossier`), so an id outside the user's scope
# returns nothing, exactly like an unknown one. The filters' enterprise selection is deliberately
# not applied (a dossier opened from a filtered list still shows its enterprise); only the period
# narrows what is shown, and flt.run_id names the stored assessment.

DOSSIER_MEASURES = ("coal_rate", "carbon_content", "ncv", "intensity", "operating_hours")
# Ratios of output mean nothing in outage and start-up months: such peer months are no reference.
RATIO_MEASURES = ("coal_rate", "intensity")
PEER_QUANTILES = (0.05, 0.5, 0.95)
PEER_MIN = 5  # fewer peer unit-months than this in a month make no band


def _dossier(scope: Scope, enterprise_id: str) -> tuple[str, list]:
    """CTEs `se`, `su` (the scope, unfiltered) and `de`, `du`: the enterprise and its units with
    their province; both empty when the enterprise is unknown or outside the scope."""
    cte, params = scoped(scope)
    return (f"{cte}, de AS (SELECT * FROM se WHERE enterprise_id = ?), "
            "du AS (SELECT * FROM su WHERE enterprise_id = ?)", [*params, enterprise_id, enterprise_id])


def _dossier_hits(flt: Filters) -> tuple[str, list]:
    """CTE `dh` (needs `de`): the enterprise's hits in the run with `months`, the months each hit
    is about (its own month, or the months its evidence lists for a yearly hit; NULL for a yearly
    hit about the whole year), kept when they touch the period."""
    pwhere, pparams = period_where(flt, "d")
    ywhere, yparams = year_where(flt, "TRY_CAST(left(period, 4) AS INTEGER)")
    return (
        f"""dh0 AS (
            SELECT h.rule_id, h.severity, h.period, h.unit_id, h.evidence,
                   CASE WHEN length(h.period) = 7 THEN [strptime(h.period, '%Y-%m')::DATE]
                        WHEN json_extract_string(h.evidence, '$.months') IS NOT NULL THEN
                            list_transform(string_split(json_extract_string(h.evidence, '$.months'), ', '),
                                           lambda x: make_date(TRY_CAST(left(h.period, 4) AS INTEGER),
                                                               TRY_CAST(x AS INTEGER), 1))
                   END AS months
            FROM rule_hits h JOIN de USING (enterprise_id) WHERE h.run_id = ?),
        dh AS (SELECT * FROM dh0
               WHERE CASE WHEN months IS NULL THEN {ywhere}
                          ELSE len(list_filter(months, lambda d: {pwhere})) > 0 END)""",
        [flt.run_id, *yparams, *pparams],
    )


@page_query("scoped")
def enterprise_profile(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """One row (none outside the scope): enterprise_id, name, province_code, province_zh,
    province_en, grid_region, city, group_name, sector, consultant_id, consultant_name."""
    cte, params = _dossier(scope, enterprise_id)
    sql = f"""
        {cte}
        SELECT e.enterprise_id, e.name, de.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               pr.grid_region, e.city, e.group_name, e.sector, e.consultant_id, a.name AS consultant_name
        FROM de JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = de.province_code
        LEFT JOIN agencies a ON a.agency_id = e.consultant_id"""
    return fetch_df(con, sql, params)


@page_query("scoped")
def enterprise_units(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The enterprise's units: unit_id, unit_class, capacity_mw, capacity_band (the peer-group band),
    commissioning_year, cooling, chp."""
    cte, params = _dossier(scope, enterprise_id)
    sql = f"""
        {cte}
        SELECT unit_id, unit_class, capacity_mw, {CAPACITY_BAND.replace('u.', 'du.')} AS capacity_band,
               commissioning_year, cooling, chp
        FROM du ORDER BY unit_id"""
    return fetch_df(con, sql, params)


@page_query("scoped")
def enterprise_risk_years(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The enterprise's risk per year of the period in the stored run, worst first (the first row
    is the year the ranking uses): year, rules, model, motive, context, risk_score (default
    weights), band, n_rules, max_severity, reasons (JSON)."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = year_where(flt, "c.year")
    score = score_sql("c")
    sql = f"""
        {cte}
        SELECT c.year, c.rules, c.model, c.motive, c.context, {score} AS risk_score,
               {band_sql(score)} AS band, c.n_rules, c.max_severity, c.reasons
        FROM risk_components c JOIN de USING (enterprise_id)
        WHERE c.run_id = ? AND {ywhere}
        ORDER BY risk_score DESC, c.year DESC"""
    return fetch_df(con, sql, [*params, flt.run_id, *yparams])


@page_query("scoped")
def enterprise_monthly(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Per unit-month of the enterprise in the period: unit_id, period, the peer group (unit_class,
    capacity_band, grid_region), the measures of DOSSIER_MEASURES (defined as for the engine:
    COAL_RATE, INTENSITY), and for each measure the peer band <m>_p5, <m>_p50, <m>_p95 and <m>_peers:
    quantiles over the same month's units of the same class, capacity band and grid region in the
    scope, the enterprise itself excluded (no band under PEER_MIN peer months; ratio measures only
    from months of at least scoring.MIN_HOURS hours); rule_ids: the run's rules that fired on
    that unit (or on the whole enterprise) in that month."""

    cte, params = _dossier(scope, enterprise_id)
    hits, hparams = _dossier_hits(flt)
    pwhere, pparams = period_where(flt, "m.period")
    exprs = {"coal_rate": COAL_RATE, "carbon_content": "m.carbon_content", "ncv": "m.ncv", "intensity": INTENSITY,
             "operating_hours": "m.operating_hours"}
    measures = ", ".join(f"{exprs[k]} AS {k}" for k in DOSSIER_MEASURES)
    qs = ", ".join(repr(q) for q in PEER_QUANTILES)
    stats, cols, qparams = [], [], []
    for k in DOSSIER_MEASURES:
        cond = "operating_hours >= ?" if k in RATIO_MEASURES else "TRUE"
        qparams += [scoring.MIN_HOURS] * (2 if k in RATIO_MEASURES else 0)
        stats.append(f"quantile_cont({k}, [{qs}]) FILTER (WHERE {cond}) AS {k}_q, "
                     f"count({k}) FILTER (WHERE {cond}) AS {k}_peers")
        ok = f"b.{k}_peers >= {PEER_MIN}"
        cols.append(", ".join(f"CASE WHEN {ok} THEN b.{k}_q[{i + 1}] END AS {k}_p{round(q * 100)}"
                              for i, q in enumerate(PEER_QUANTILES)) + f", coalesce(b.{k}_peers, 0) AS {k}_peers")
    band = CAPACITY_BAND.replace("u.", "{a}.")
    sql = f"""
        {cte}, {hits},
        um AS (SELECT m.unit_id, m.period, du.unit_class, {band.format(a='du')} AS capacity_band, p.grid_region,
                      {measures}
               FROM monthly_reports m JOIN du USING (unit_id) JOIN provinces p ON p.code = du.province_code
               WHERE {pwhere}),
        pu AS (SELECT * FROM (SELECT su.unit_id, su.unit_class, {band.format(a='su')} AS capacity_band,
                                     p.grid_region
                              FROM su JOIN provinces p ON p.code = su.province_code WHERE su.enterprise_id <> ?)
               SEMI JOIN um USING (unit_class, capacity_band, grid_region)),
        pm AS (SELECT pu.unit_class, pu.capacity_band, pu.grid_region, m.period, {measures}
               FROM monthly_reports m JOIN pu USING (unit_id)
               WHERE m.period IN (SELECT DISTINCT period FROM um)),
        b AS (SELECT unit_class, capacity_band, grid_region, period, {", ".join(stats)}
              FROM pm GROUP BY ALL),
        fl AS (SELECT unit_id, unnest(months) AS period, rule_id FROM dh WHERE months IS NOT NULL),
        f AS (SELECT um.unit_id, um.period, list(DISTINCT fl.rule_id ORDER BY fl.rule_id) AS rule_ids
              FROM um JOIN fl ON fl.period = um.period AND coalesce(fl.unit_id, um.unit_id) = um.unit_id
              GROUP BY ALL)
        SELECT um.*, {", ".join(cols)}, coalesce(f.rule_ids, []::VARCHAR[]) AS rule_ids
        FROM um LEFT JOIN b USING (unit_class, capacity_band, grid_region, period)
        LEFT JOIN f USING (unit_id, period)
        ORDER BY um.unit_id, um.period"""
    return fetch_df(con, sql, [*params, *hparams, *pparams, enterprise_id, *qparams])


@page_query("scoped")
def enterprise_rule_hits(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Every rule hit of the enterprise in the stored run that touches the period (a yearly hit
    when one of the months its evidence names is in it): rule_id, severity, period (YYYY-MM or
    YYYY), unit_id, evidence (JSON), most severe first within each period, periods in order. An
    evidence `source` naming an enterprise outside the scope (R04: whose lab results were copied)
    reads access.OUTSIDE instead: the hit stays, the other province's enterprise is not named."""
    cte, params = _dossier(scope, enterprise_id)
    hits, hparams = _dossier_hits(flt)
    sql = f"""
        {cte}, {hits}
        SELECT rule_id, severity, period, unit_id,
               CASE WHEN json_extract_string(evidence, '$.source') IS NOT NULL
                     AND split_part(json_extract_string(evidence, '$.source'), ' ', 1)
                         NOT IN (SELECT enterprise_id FROM se)
                    THEN json_merge_patch(evidence, json_object('source', ?)) ELSE evidence END AS evidence
        FROM dh
        ORDER BY period, list_position(?::VARCHAR[], severity), rule_id, unit_id NULLS FIRST"""
    return fetch_df(con, sql, [*params, *hparams, access.OUTSIDE, list(scoring.SEVERITIES)])


@page_query("scoped")
def enterprise_model_scores(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The stored run's scores of the enterprise's rows in the period: unit_id, period, score (the
    ensemble, robust SDs), percentile (0-1), explanation (JSON, only for the run's top rows)."""
    cte, params = _dossier(scope, enterprise_id)
    pwhere, pparams = period_where(flt, "s.period")
    sql = f"""
        {cte}
        SELECT s.unit_id, s.period, s.score, s.percentile, s.explanation
        FROM model_scores s JOIN de USING (enterprise_id)
        WHERE s.run_id = ? AND {pwhere}
        ORDER BY s.unit_id NULLS FIRST, s.period"""
    return fetch_df(con, sql, [*params, flt.run_id, *pparams])


@page_query("scoped")
def enterprise_timeline(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The dates behind each reported month in the period: period, kind ('sample', 'test',
    'report', 'deposit' = submitted_at), date, units (how many of the enterprise's units carry it)
    and months_same_date (how many reported months carry the same date of that kind: one batch
    test presented as monthly shows as many months on one test date)."""
    cte, params = _dossier(scope, enterprise_id)
    pwhere, pparams = period_where(flt, "m.period")
    sql = f"""
        {cte},
        d AS (SELECT m.period, m.sample_date AS sample, m.test_date AS test, m.report_date AS report,
                     m.submitted_at::DATE AS deposit
              FROM monthly_reports m JOIN du USING (unit_id) WHERE {pwhere}),
        l AS (UNPIVOT d ON sample, test, report, deposit INTO NAME kind VALUE date)
        SELECT period, kind, date, count(*) AS units,
               count(*) OVER (PARTITION BY kind, date) AS months_same_date
        FROM l GROUP BY period, kind, date
        ORDER BY period, list_position(['sample', 'test', 'report', 'deposit'], kind), date"""
    return fetch_df(con, sql, [*params, *pparams])


@page_query("scoped")
def enterprise_verifications(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Verification history in the period's years: year, reported_t, verified_t, verifier_id,
    verifier_name, conclusion, verified_at."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = year_where(flt, "v.year")
    sql = f"""
        {cte}
        SELECT v.year, v.reported_t, v.verified_t, v.verifier_id, a.name AS verifier_name, v.conclusion,
               v.verified_at
        FROM verifications v JOIN de USING (enterprise_id) LEFT JOIN agencies a ON a.agency_id = v.verifier_id
        WHERE {ywhere} ORDER BY v.year"""
    return fetch_df(con, sql, [*params, *yparams])


@page_query("scoped")
def enterprise_agencies(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Who served the enterprise in the period, one row per agency and role: kind ('consultant',
    'lab', 'verifier'), agency_id, name, served (months with its lab reports, years verified; 0
    for the consultant of record), ordered consultant, labs, verifiers, most served first."""
    cte, params = _dossier(scope, enterprise_id)
    pwhere, pparams = period_where(flt, "m.period")
    ywhere, yparams = year_where(flt, "v.year")
    sql = f"""
        {cte},
        served AS (
            SELECT 'consultant' AS kind, e.consultant_id AS agency_id, 0 AS served, 0 AS ord
            FROM de JOIN enterprises e USING (enterprise_id) WHERE e.consultant_id IS NOT NULL
            UNION ALL
            SELECT 'lab', m.lab_id, count(DISTINCT m.period), 1
            FROM monthly_reports m JOIN du USING (unit_id) WHERE m.lab_id IS NOT NULL AND {pwhere} GROUP BY m.lab_id
            UNION ALL
            SELECT 'verifier', v.verifier_id, count(DISTINCT v.year), 2
            FROM verifications v JOIN de USING (enterprise_id) WHERE v.verifier_id IS NOT NULL AND {ywhere}
            GROUP BY v.verifier_id)
        SELECT s.kind, s.agency_id, coalesce(a.name, s.agency_id) AS name, s.served
        FROM served s LEFT JOIN agencies a ON a.agency_id = s.agency_id
        ORDER BY s.ord, s.served DESC, s.agency_id"""
    return fetch_df(con, sql, [*params, *pparams, *yparams])


@page_query("scoped")
def enterprise_allowances(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Allowance position per year of the period: year, allocated_t, verified_t, surrendered_t,
    position_t (allocated - verified; negative is a shortfall), due_date, surrendered_at, on_time
    (surrendered by the due date; NULL when not surrendered)."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = year_where(flt, "y.year")
    sql = f"""
        {cte},
        y AS (SELECT year FROM allocations JOIN de USING (enterprise_id)
              UNION SELECT year FROM verifications JOIN de USING (enterprise_id)
              UNION SELECT year FROM compliance JOIN de USING (enterprise_id))
        SELECT y.year, a.allocated_t, v.verified_t, c.surrendered_t, a.allocated_t - v.verified_t AS position_t,
               c.due_date, c.surrendered_at, c.surrendered_at <= c.due_date AS on_time
        FROM y CROSS JOIN de
        LEFT JOIN allocations a ON a.enterprise_id = de.enterprise_id AND a.year = y.year
        LEFT JOIN verifications v ON v.enterprise_id = de.enterprise_id AND v.year = y.year
        LEFT JOIN compliance c ON c.enterprise_id = de.enterprise_id AND c.year = y.year
        WHERE {ywhere} ORDER BY y.year"""
    return fetch_df(con, sql, [*params, *yparams])


# A counterparty account the scope may name: not an enterprise's, or an enterprise inside the scope.
VISIBLE = "(o.enterprise_id IS NULL OR o.enterprise_id IN (SELECT enterprise_id FROM se))"


def _dossier_trades(flt: Filters) -> tuple[str, list]:
    """CTE `dt` (needs `de`): the trades of the enterprise's accounts in the period, one row per
    side it took (a trade between two of its own accounts appears once bought and once sold)."""
    dwhere, dparams = day_where(flt, "t.ts")
    return (
        f"""acc AS (SELECT a.account_id FROM accounts a JOIN de USING (enterprise_id)),
        dt AS (SELECT t.*, 'buy' AS side, t.buyer_account AS own_account, t.seller_account AS other_account
               FROM trades t JOIN acc ON acc.account_id = t.buyer_account WHERE {dwhere}
               UNION ALL
               SELECT t.*, 'sell', t.seller_account, t.buyer_account
               FROM trades t JOIN acc ON acc.account_id = t.seller_account WHERE {dwhere})""",
        [*dparams, *dparams],
    )


@page_query("scoped")
def enterprise_trades(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The trades of the enterprise's accounts in the period, latest first: trade_id, ts, method,
    side ('buy'/'sell'), own_account, counterparty_account, counterparty (holder name), volume_t,
    price_cny, amount_cny, signed_volume_t (+ bought, - sold), counterparty_enterprise_id (the
    counterparty's enterprise when it is another one inside the scope, so that a link to it opens).
    A counterparty that is an enterprise outside the scope is not named: its account and holder are
    NULL (shown as "an account outside your scope"); institutions and individuals, which belong to
    no province, are named."""
    cte, params = _dossier(scope, enterprise_id)
    trades, tparams = _dossier_trades(flt)
    sql = f"""
        {cte}, {trades}
        SELECT dt.trade_id, dt.ts, dt.method, dt.side, dt.own_account,
               CASE WHEN {VISIBLE} THEN dt.other_account END AS counterparty_account,
               CASE WHEN {VISIBLE} THEN o.holder_name END AS counterparty, dt.volume_t, dt.price_cny, dt.volume_t * dt.price_cny AS amount_cny,
               CASE dt.side WHEN 'buy' THEN dt.volume_t ELSE -dt.volume_t END AS signed_volume_t,
               CASE WHEN o.enterprise_id IN (SELECT enterprise_id FROM se)
                     AND o.enterprise_id NOT IN (SELECT enterprise_id FROM de) THEN o.enterprise_id
               END AS counterparty_enterprise_id
        FROM dt LEFT JOIN accounts o ON o.account_id = dt.other_account
        ORDER BY dt.ts DESC, dt.trade_id, dt.side"""
    return fetch_df(con, sql, [*params, *tparams])


@page_query("scoped")
def enterprise_trade_months(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """month, bought_t, sold_t, net_t (bought - sold), trades: the enterprise's trades by month."""
    cte, params = _dossier(scope, enterprise_id)
    trades, tparams = _dossier_trades(flt)
    sql = f"""
        {cte}, {trades}
        SELECT date_trunc('month', ts)::DATE AS month,
               coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0) AS bought_t,
               coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0) AS sold_t,
               coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0)
                   - coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0) AS net_t,
               count(*) AS trades
        FROM dt GROUP BY ALL ORDER BY month"""
    return fetch_df(con, sql, [*params, *tparams])


DOSSIER_QUERIES = (enterprise_profile, enterprise_units, enterprise_risk_years, enterprise_monthly,
                   enterprise_rule_hits, enterprise_model_scores, enterprise_timeline, enterprise_verifications,
                   enterprise_allowances, enterprise_trades, enterprise_trade_months)
