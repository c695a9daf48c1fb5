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

from core import mrv, risk, rules, schema
from core.db import Scope, fetch_df
from core.filters import NO_FILTERS, Filters

# The contract's emission formula (DATA_CONTRACT.md), over monthly_reports aliased `m`:
# E = fuel_consumed x NCV x carbon content x oxidation rate (default 0.99) x 44/12, in tCO2.
EMISSIONS_T = (
    "(m.fuel_consumed * m.ncv * m.carbon_content"
    f" * coalesce(m.oxidation_rate, {mrv.OXIDATION_DEFAULT}) * 44.0 / 12.0)"
)

# Sourced published shares of plants measuring carbon content (domain.md 2.1, S21);
# the other years of mrv.MEASURED_SHARE are interpolated and must not be shown as published.
PUBLISHED_MEASURED_SHARE_YEARS = (2019, 2022)


def _scoped(scope: Scope, flt: Filters = NO_FILTERS) -> tuple[str, list]:
    """CTEs `se` and `su`: the enterprises and units the scope may see and the filters keep,
    with their province (unit classes and capacity select units as well as enterprises)."""
    where, params = scope.sql("e.province_code")
    ewhere, eparams = flt.enterprise_sql("e")
    uwhere, uparams = flt.unit_sql("u")
    return (
        f"WITH se AS (SELECT e.enterprise_id, e.province_code FROM enterprises e WHERE {where} AND {ewhere}), "
        f"su AS (SELECT u.*, se.province_code FROM units u JOIN se USING (enterprise_id) WHERE {uwhere})",
        [*params, *eparams, *uparams],
    )


def _scoped_reports(scope: Scope, flt: Filters = NO_FILTERS) -> tuple[str, list]:
    """CTEs `se`, `su` and `r`: the scope's monthly reports in the filtered period with
    enterprise, province, year and emissions computed by the contract formula."""
    cte, params = _scoped(scope, flt)
    pwhere, pparams = flt.period_sql("m.period")
    return (
        f"{cte}, r AS (SELECT m.*, su.enterprise_id, su.province_code, year(m.period) AS year, "
        f"{EMISSIONS_T} AS emissions_t FROM monthly_reports m JOIN su USING (unit_id) WHERE {pwhere})",
        [*params, *pparams],
    )


def national_headline(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row: enterprises, provinces covered, units, capacity (MW and GW), first/last period, unit-months
    (periods and unit-months within the filtered period)."""
    cte, params = _scoped_reports(scope, flt)
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


def emissions_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, months (distinct periods), complete (12 months), computed_t (formula), verified_t."""
    cte, params = _scoped_reports(scope, flt)
    ywhere, yparams = flt.year_sql("year")
    params = [*params, *yparams]
    sql = f"""
        {cte},
        c AS (SELECT year, count(DISTINCT period) AS months, sum(emissions_t) AS computed_t FROM r GROUP BY year),
        v AS (SELECT year, sum(verified_t) AS verified_t FROM verifications JOIN se USING (enterprise_id)
              WHERE {ywhere} GROUP BY year)
        SELECT year, coalesce(c.months, 0) AS months, coalesce(c.months, 0) = 12 AS complete,
               c.computed_t, v.verified_t
        FROM c FULL OUTER JOIN v USING (year)
        ORDER BY year"""
    return fetch_df(con, sql, params)


def measured_share_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, coal_unit_months, measured_unit_months, share: coal months with a measured carbon content."""
    cte, params = _scoped_reports(scope, flt)
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


def deposit_timeliness_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, unit_months, on_time, share: months deposited by the deadline of mrv.deposit_deadline."""
    cte, params = _scoped_reports(scope, flt)
    sql = f"""
        {cte}
        SELECT year, count(*) AS unit_months, count(*) FILTER (WHERE on_time) AS on_time,
               count(*) FILTER (WHERE on_time) / count(*) AS share
        FROM (SELECT year, submitted_at::DATE <= {mrv.deposit_deadline_sql('period')} AS on_time FROM r)
        GROUP BY year ORDER BY year"""
    return fetch_df(con, sql, params)


def emissions_by_province(con, scope: Scope, flt: Filters = NO_FILTERS, year: int | None = None) -> pd.DataFrame:
    """year, province_code, name_zh, name_en, grid_region, enterprises, emissions_t for one year
    (default: the latest year with all 12 months in the scope), largest first."""
    cte, params = _scoped_reports(scope, flt)
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


def enterprise_directory(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """enterprise_id, name, province_code, province_zh, province_en of every enterprise in scope
    (to put names on the engine's results, which carry ids only)."""
    cte, params = _scoped(scope, flt)
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


# ----------------------------------------------------------------- risk views
# Reads of the stored assessment the filters name (flt.run_id) for the Overview, Province
# and Enterprise pages. An enterprise's risk is that of its worst year inside the period,
# scored by risk.score_sql with the default weights (the Anomaly Lab lets analysts vary them).

def _risk_years(flt: Filters) -> tuple[str, list]:
    """CTE `rc`: each enterprise's worst risk year in the period: risk_score, band, risk_year,
    n_rules, max_severity, reasons (needs `se`)."""
    ywhere, yparams = flt.year_sql("c.year")
    score = risk.score_sql("c")
    return (
        f"""rc AS (
            SELECT enterprise_id, risk_score, {risk.band_sql('risk_score')} AS band, year AS risk_year,
                   n_rules, max_severity, reasons
            FROM (SELECT c.enterprise_id, c.year, {score} AS risk_score, c.n_rules, c.max_severity, c.reasons,
                         row_number() OVER (PARTITION BY c.enterprise_id ORDER BY {score} DESC, c.year DESC) AS k
                  FROM risk_components c JOIN se USING (enterprise_id) WHERE c.run_id = ? AND {ywhere})
            WHERE k = 1)""",
        [flt.run_id, *yparams],
    )


def enterprise_risk(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row per enterprise the scope and filters keep, highest risk first:
    enterprise_id, name, province_code, province_zh, province_en, group_name, units, capacity_mw,
    emissions_t (formula, filtered period and units), risk_score, band, risk_year, n_rules,
    max_severity, reasons (JSON, core.risk), rule_ids (distinct rules fired in the period),
    flagged_months (distinct months with a rule hit), consultant_id/_name, lab_id/_name (latest
    lab in the period), verifier_id/_name, verified_year, verified_t, conclusion, allocated_t and
    position_t (allocated - verified that year: negative is a shortfall). Risk columns are null
    without an assessment run."""
    cte, params = _scoped_reports(scope, flt)
    rc, rparams = _risk_years(flt)
    hwhere, hparams = flt.year_sql("TRY_CAST(left(h.period, 4) AS INTEGER)")
    vwhere, vparams = flt.year_sql("v.year")
    sql = f"""
        {cte}, {rc},
        em AS (SELECT enterprise_id, sum(emissions_t) AS emissions_t, arg_max(lab_id, period) AS lab_id
               FROM r GROUP BY ALL),
        un AS (SELECT enterprise_id, count(*) AS units, sum(capacity_mw) AS capacity_mw FROM su GROUP BY ALL),
        hits AS (SELECT h.enterprise_id, list(DISTINCT h.rule_id ORDER BY h.rule_id) AS rule_ids,
                        count(DISTINCT h.period) FILTER (WHERE length(h.period) = 7) AS flagged_months
                 FROM rule_hits h JOIN se USING (enterprise_id) WHERE h.run_id = ? AND {hwhere} GROUP BY ALL),
        ver AS (SELECT enterprise_id, year AS verified_year, verified_t, verifier_id, conclusion
                FROM (SELECT v.*, row_number() OVER (PARTITION BY v.enterprise_id ORDER BY v.year DESC) AS k
                      FROM verifications v JOIN se USING (enterprise_id) WHERE {vwhere})
                WHERE k = 1)
        SELECT se.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               e.group_name, coalesce(un.units, 0) AS units, un.capacity_mw, em.emissions_t,
               rc.risk_score, rc.band, rc.risk_year, rc.n_rules, rc.max_severity, rc.reasons,
               coalesce(hits.rule_ids, []::VARCHAR[]) AS rule_ids, coalesce(hits.flagged_months, 0) AS flagged_months,
               e.consultant_id, ac.name AS consultant_name, em.lab_id, al.name AS lab_name,
               ver.verifier_id, av.name AS verifier_name, ver.verified_year, ver.verified_t, ver.conclusion,
               al2.allocated_t, al2.allocated_t - ver.verified_t AS position_t
        FROM se JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = se.province_code
        LEFT JOIN em USING (enterprise_id) LEFT JOIN un USING (enterprise_id) LEFT JOIN rc USING (enterprise_id)
        LEFT JOIN hits USING (enterprise_id) LEFT JOIN ver USING (enterprise_id)
        LEFT JOIN allocations al2 ON al2.enterprise_id = se.enterprise_id AND al2.year = ver.verified_year
        LEFT JOIN agencies ac ON ac.agency_id = e.consultant_id
        LEFT JOIN agencies al ON al.agency_id = em.lab_id
        LEFT JOIN agencies av ON av.agency_id = ver.verifier_id
        WHERE un.units IS NOT NULL
        ORDER BY rc.risk_score DESC NULLS LAST, em.emissions_t DESC NULLS LAST, se.enterprise_id"""
    return fetch_df(con, sql, [*params, *rparams, flt.run_id, *hparams, *vparams])


def risk_by_province(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Every province of the market (all 32 tiles, scoped ones only with data): province_code,
    name_zh, name_en, abbr_zh, tile_row, tile_col, in_scope, enterprises, assessed, critical,
    high, medium, low, flagged (critical + high), max_risk, mean_risk, emissions_t."""
    cte, params = _scoped_reports(scope, flt)
    rc, rparams = _risk_years(flt)
    where, sparams = scope.sql("pr.code")
    sql = f"""
        {cte}, {rc},
        em AS (SELECT province_code, sum(emissions_t) AS emissions_t FROM r GROUP BY ALL),
        ent AS (SELECT se.province_code, count(*) AS enterprises, count(rc.risk_score) AS assessed,
                       count(*) FILTER (WHERE rc.band = 'critical') AS critical,
                       count(*) FILTER (WHERE rc.band = 'high') AS high,
                       count(*) FILTER (WHERE rc.band = 'medium') AS medium,
                       count(*) FILTER (WHERE rc.band = 'low') AS low,
                       max(rc.risk_score) AS max_risk, avg(rc.risk_score) AS mean_risk
                FROM se LEFT JOIN rc USING (enterprise_id)
                WHERE EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = se.enterprise_id)
                GROUP BY ALL)
        SELECT pr.code AS province_code, pr.name_zh, pr.name_en, pr.abbr_zh, pr.tile_row, pr.tile_col,
               {where} AS in_scope, coalesce(ent.enterprises, 0) AS enterprises, coalesce(ent.assessed, 0) AS assessed,
               coalesce(ent.critical, 0) AS critical, coalesce(ent.high, 0) AS high,
               coalesce(ent.medium, 0) AS medium, coalesce(ent.low, 0) AS low,
               coalesce(ent.critical, 0) + coalesce(ent.high, 0) AS flagged,
               ent.max_risk, ent.mean_risk, em.emissions_t
        FROM provinces pr LEFT JOIN ent ON ent.province_code = pr.code LEFT JOIN em ON em.province_code = pr.code
        ORDER BY pr.code"""
    return fetch_df(con, sql, [*params, *rparams, *sparams])


def risk_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, band, enterprises: how many enterprises fall in each band each year (every year's
    own score, not the worst year), for the trend chart."""
    cte, params = _scoped(scope, flt)
    ywhere, yparams = flt.year_sql("c.year")
    score = risk.score_sql("c")
    sql = f"""
        {cte}
        SELECT c.year, {risk.band_sql(score)} AS band, count(*) AS enterprises
        FROM risk_components c JOIN se USING (enterprise_id)
        WHERE c.run_id = ? AND {ywhere} AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = c.enterprise_id)
        GROUP BY ALL ORDER BY c.year, band"""
    return fetch_df(con, sql, [*params, flt.run_id, *yparams])


# Severity rank for "worst of": 0 = critical (rules.SEVERITIES order); our own constants.
_SEVERITY_RANK = "CASE h.severity " + " ".join(
    f"WHEN '{s}' THEN {i}" for i, s in enumerate(rules.SEVERITIES)) + f" ELSE {len(rules.SEVERITIES)} END"


def flag_heatmap(con, scope: Scope, flt: Filters = NO_FILTERS, limit: int = 40) -> pd.DataFrame:
    """Monthly rule hits of the `limit` highest-risk enterprises that have any in the period, one row
    per enterprise and month with a hit: enterprise_id, name, risk_rank (1 = highest risk),
    risk_score, band, month (DATE, first day), hits (rule hits that month), rules (distinct rule
    ids), max_severity. Annual hits (period 'YYYY') are left out: they have no month."""
    cte, params = _scoped(scope, flt)
    rc, rparams = _risk_years(flt)
    pwhere, pparams = flt.period_sql("h.month")
    sql = f"""
        {cte}, {rc},
        h AS (SELECT h.*, TRY_CAST(h.period || '-01' AS DATE) AS month, {_SEVERITY_RANK} AS sev_rank
              FROM rule_hits h JOIN se USING (enterprise_id)
              WHERE h.run_id = ? AND length(h.period) = 7
                AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = h.enterprise_id)),
        hm AS (SELECT * FROM h WHERE {pwhere}),
        top AS (SELECT enterprise_id, rc.risk_score, rc.band,
                       row_number() OVER (ORDER BY rc.risk_score DESC NULLS LAST, enterprise_id) AS risk_rank
                FROM (SELECT DISTINCT enterprise_id FROM hm) LEFT JOIN rc USING (enterprise_id)
                QUALIFY risk_rank <= ?)
        SELECT top.enterprise_id, e.name, top.risk_rank, top.risk_score, top.band, hm.month,
               count(*) AS hits, list(DISTINCT hm.rule_id ORDER BY hm.rule_id) AS rules,
               arg_min(hm.severity, hm.sev_rank) AS max_severity
        FROM hm JOIN top USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        GROUP BY ALL
        ORDER BY top.risk_rank, hm.month"""
    return fetch_df(con, sql, [*params, *rparams, flt.run_id, *pparams, int(limit)])


def agency_flag_rates(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per consultant, lab and verifier: kind, agency_id, name, clients (enterprises in scope
    and filters it served in the period), flagged_clients (critical or high), flagged_share,
    base_rate (the share over all those enterprises); most flagged clients first."""
    cte, params = _scoped_reports(scope, flt)
    rc, rparams = _risk_years(flt)
    vwhere, vparams = flt.year_sql("v.year")
    sql = f"""
        {cte}, {rc},
        served AS (
            SELECT DISTINCT 'lab' AS kind, lab_id AS agency_id, enterprise_id FROM r WHERE lab_id IS NOT NULL
            UNION SELECT 'consultant', e.consultant_id, se.enterprise_id FROM se JOIN enterprises e USING (enterprise_id)
                  WHERE e.consultant_id IS NOT NULL
                    AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = se.enterprise_id)
            UNION SELECT 'verifier', v.verifier_id, v.enterprise_id FROM verifications v JOIN se USING (enterprise_id)
                  WHERE {vwhere} AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = se.enterprise_id)),
        fl AS (SELECT s.*, coalesce(rc.band IN ('critical', 'high'), FALSE) AS flagged FROM served s
               LEFT JOIN rc USING (enterprise_id)),
        base AS (SELECT avg(flagged::INTEGER) AS base_rate FROM (SELECT DISTINCT enterprise_id, flagged FROM fl))
        SELECT fl.kind, fl.agency_id, a.name, count(*) AS clients, count(*) FILTER (WHERE flagged) AS flagged_clients,
               count(*) FILTER (WHERE flagged) / count(*) AS flagged_share, (SELECT base_rate FROM base) AS base_rate
        FROM fl LEFT JOIN agencies a USING (agency_id)
        GROUP BY ALL
        ORDER BY flagged_clients DESC, flagged_share DESC, fl.agency_id"""
    return fetch_df(con, sql, [*params, *rparams, *vparams])


def filter_choices(con, scope: Scope) -> pd.DataFrame:
    """What the global filters can choose from in the scope: kind ('period', 'group',
    'consultant', 'lab', 'verifier', 'capacity'), id, name. Periods are the deposited months;
    'capacity' has one row whose id is the largest unit capacity in MW."""
    cte, params = _scoped(scope)
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


def market_by_month(con, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """month, trading_days, close (last close of the month), vwap_cny (amount / volume), volume_t,
    amount_cny: the published CEA daily market, by month, in the filtered period."""
    dwhere, dparams = flt.day_sql("date")
    sql = f"""
        SELECT date_trunc('month', date)::DATE AS month, count(*) AS trading_days,
               arg_max(close, date) FILTER (WHERE close IS NOT NULL) AS close,
               sum(amount_cny) / nullif(sum(volume_t), 0) AS vwap_cny, sum(volume_t) AS volume_t,
               sum(amount_cny) AS amount_cny
        FROM market_daily WHERE {dwhere}
        GROUP BY ALL ORDER BY month"""
    return fetch_df(con, sql, dparams)


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
    cte, params = _scoped(scope)
    return (f"{cte}, de AS (SELECT * FROM se WHERE enterprise_id = ?), "
            "du AS (SELECT * FROM su WHERE enterprise_id = ?)", [*params, enterprise_id, enterprise_id])


def _dossier_hits(flt: Filters) -> tuple[str, list]:
    """CTE `dh` (needs `de`): the enterprise's hits in the run with `months`, the months each hit
    is about (its own month, or the months its evidence lists for a yearly hit; NULL for a yearly
    hit about the whole year), kept when they touch the period."""
    pwhere, pparams = flt.period_sql("d")
    ywhere, yparams = flt.year_sql("TRY_CAST(left(period, 4) AS INTEGER)")
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


def enterprise_risk_years(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The enterprise's risk per year of the period in the stored run, worst first (the first row
    is the year the ranking uses): year, rules, model, motive, context, risk_score (default
    weights), band, n_rules, max_severity, reasons (JSON)."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = flt.year_sql("c.year")
    score = risk.score_sql("c")
    sql = f"""
        {cte}
        SELECT c.year, c.rules, c.model, c.motive, c.context, {score} AS risk_score,
               {risk.band_sql(score)} AS band, c.n_rules, c.max_severity, c.reasons
        FROM risk_components c JOIN de USING (enterprise_id)
        WHERE c.run_id = ? AND {ywhere}
        ORDER BY risk_score DESC, c.year DESC"""
    return fetch_df(con, sql, [*params, flt.run_id, *yparams])


def enterprise_monthly(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Per unit-month of the enterprise in the period: unit_id, period, the peer group (unit_class,
    capacity_band, grid_region), the measures of DOSSIER_MEASURES (defined as for the engine:
    COAL_RATE, INTENSITY), and for each measure the peer band <m>_p5, <m>_p50, <m>_p95 and <m>_peers:
    quantiles over the same month's units of the same class, capacity band and grid region in the
    scope, the enterprise itself excluded (no band under PEER_MIN peer months; ratio measures only
    from months of at least features.MIN_HOURS hours); rule_ids: the run's rules that fired on
    that unit (or on the whole enterprise) in that month."""
    from core.features import MIN_HOURS  # features imports this module: import at call time

    cte, params = _dossier(scope, enterprise_id)
    hits, hparams = _dossier_hits(flt)
    pwhere, pparams = flt.period_sql("m.period")
    exprs = {"coal_rate": COAL_RATE, "carbon_content": "m.carbon_content", "ncv": "m.ncv", "intensity": INTENSITY,
             "operating_hours": "m.operating_hours"}
    measures = ", ".join(f"{exprs[k]} AS {k}" for k in DOSSIER_MEASURES)
    qs = ", ".join(repr(q) for q in PEER_QUANTILES)
    stats, cols, qparams = [], [], []
    for k in DOSSIER_MEASURES:
        cond = "operating_hours >= ?" if k in RATIO_MEASURES else "TRUE"
        qparams += [MIN_HOURS] * (2 if k in RATIO_MEASURES else 0)
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


def enterprise_rule_hits(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Every rule hit of the enterprise in the stored run that touches the period (a yearly hit
    when one of the months its evidence names is in it): rule_id, severity, period (YYYY-MM or
    YYYY), unit_id, evidence (JSON), most severe first within each period, periods in order."""
    cte, params = _dossier(scope, enterprise_id)
    hits, hparams = _dossier_hits(flt)
    sql = f"""
        {cte}, {hits}
        SELECT rule_id, severity, period, unit_id, evidence FROM dh
        ORDER BY period, list_position(?::VARCHAR[], severity), rule_id, unit_id NULLS FIRST"""
    return fetch_df(con, sql, [*params, *hparams, list(rules.SEVERITIES)])


def enterprise_model_scores(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The stored run's scores of the enterprise's rows in the period: unit_id, period, score (the
    ensemble, robust SDs), percentile (0-1), explanation (JSON, only for the run's top rows)."""
    cte, params = _dossier(scope, enterprise_id)
    pwhere, pparams = flt.period_sql("s.period")
    sql = f"""
        {cte}
        SELECT s.unit_id, s.period, s.score, s.percentile, s.explanation
        FROM model_scores s JOIN de USING (enterprise_id)
        WHERE s.run_id = ? AND {pwhere}
        ORDER BY s.unit_id NULLS FIRST, s.period"""
    return fetch_df(con, sql, [*params, flt.run_id, *pparams])


def enterprise_timeline(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The dates behind each reported month in the period: period, kind ('sample', 'test',
    'report', 'deposit' = submitted_at), date, units (how many of the enterprise's units carry it)
    and months_same_date (how many reported months carry the same date of that kind: one batch
    test presented as monthly shows as many months on one test date)."""
    cte, params = _dossier(scope, enterprise_id)
    pwhere, pparams = flt.period_sql("m.period")
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


def enterprise_verifications(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Verification history in the period's years: year, reported_t, verified_t, verifier_id,
    verifier_name, conclusion, verified_at."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = flt.year_sql("v.year")
    sql = f"""
        {cte}
        SELECT v.year, v.reported_t, v.verified_t, v.verifier_id, a.name AS verifier_name, v.conclusion,
               v.verified_at
        FROM verifications v JOIN de USING (enterprise_id) LEFT JOIN agencies a ON a.agency_id = v.verifier_id
        WHERE {ywhere} ORDER BY v.year"""
    return fetch_df(con, sql, [*params, *yparams])


def enterprise_allowances(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """Allowance position per year of the period: year, allocated_t, verified_t, surrendered_t,
    position_t (allocated - verified; negative is a shortfall), due_date, surrendered_at, on_time
    (surrendered by the due date; NULL when not surrendered)."""
    cte, params = _dossier(scope, enterprise_id)
    ywhere, yparams = flt.year_sql("y.year")
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


def _dossier_trades(flt: Filters) -> tuple[str, list]:
    """CTE `dt` (needs `de`): the trades of the enterprise's accounts in the period, one row per
    side it took (a trade between two of its own accounts appears once bought and once sold)."""
    dwhere, dparams = flt.day_sql("t.ts")
    return (
        f"""acc AS (SELECT a.account_id FROM accounts a JOIN de USING (enterprise_id)),
        dt AS (SELECT t.*, 'buy' AS side, t.buyer_account AS own_account, t.seller_account AS other_account
               FROM trades t JOIN acc ON acc.account_id = t.buyer_account WHERE {dwhere}
               UNION ALL
               SELECT t.*, 'sell', t.seller_account, t.buyer_account
               FROM trades t JOIN acc ON acc.account_id = t.seller_account WHERE {dwhere})""",
        [*dparams, *dparams],
    )


def enterprise_trades(con, scope: Scope, flt: Filters = NO_FILTERS, enterprise_id: str = "") -> pd.DataFrame:
    """The trades of the enterprise's accounts in the period, latest first: trade_id, ts, method,
    side ('buy'/'sell'), own_account, counterparty_account, counterparty (holder name), volume_t,
    price_cny, amount_cny, signed_volume_t (+ bought, - sold)."""
    cte, params = _dossier(scope, enterprise_id)
    trades, tparams = _dossier_trades(flt)
    sql = f"""
        {cte}, {trades}
        SELECT dt.trade_id, dt.ts, dt.method, dt.side, dt.own_account, dt.other_account AS counterparty_account,
               o.holder_name AS counterparty, dt.volume_t, dt.price_cny, dt.volume_t * dt.price_cny AS amount_cny,
               CASE dt.side WHEN 'buy' THEN dt.volume_t ELSE -dt.volume_t END AS signed_volume_t
        FROM dt LEFT JOIN accounts o ON o.account_id = dt.other_account
        ORDER BY dt.ts DESC, dt.trade_id, dt.side"""
    return fetch_df(con, sql, [*params, *tparams])


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


# ----------------------------------------------------------------- market surveillance (core.trading)


# ----------------------------------------------------------------- intermediaries (core.agencies)


# Reads of a stored run (flagged_rows) take the run id and are cached by core/ui/lab.py.
# The cache wrapper in core/ui calls queries by name: scoped ones get the scope, the
# others (load metadata, row counts) are national by nature.
SCOPED = {
    f.__name__: f
    for f in (national_headline, emissions_by_year, measured_share_by_year, deposit_timeliness_by_year,
              emissions_by_province, enterprise_directory, enterprise_risk, risk_by_province, risk_by_year,
              agency_flag_rates, flag_heatmap, *DOSSIER_QUERIES)
}
UNSCOPED = {f.__name__: f for f in (data_status, table_counts, load_history)}
# Page queries with no province but honouring the filters' period (the published market).
FILTERED = {f.__name__: f for f in (market_by_month,)}
# Scoped but never narrowed by the filters: what the filters themselves offer.
UNFILTERED = {f.__name__: f for f in (filter_choices,)}


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
               {COAL_RATE} AS coal_rate, {INTENSITY} AS intensity,
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
