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

from core.contract import mrv, schema, scoring
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import (
    EMISSIONS_T,
    SEVERITY_RANK,
    band_sql,
    day_where,
    deposit_deadline_sql,
    enterprise_where,
    period_where,
    quoted,
    scope_where,
    scoped,
    scoped_reports,
    score_sql,
    year_where,
)

# Sourced published shares of plants measuring carbon content (domain.md 2.1, S21);
# the other years of mrv.MEASURED_SHARE are interpolated and must not be shown as published.
PUBLISHED_MEASURED_SHARE_YEARS = (2019, 2022)


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


def emissions_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, months (distinct periods), complete (12 months), computed_t (formula), verified_t."""
    cte, params = scoped_reports(scope, flt)
    ywhere, yparams = year_where(flt, "year")
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
    cte, params = scoped_reports(scope, flt)
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
    cte, params = scoped_reports(scope, flt)
    sql = f"""
        {cte}
        SELECT year, count(*) AS unit_months, count(*) FILTER (WHERE on_time) AS on_time,
               count(*) FILTER (WHERE on_time) / count(*) AS share
        FROM (SELECT year, submitted_at::DATE <= {deposit_deadline_sql('period')} AS on_time FROM r)
        GROUP BY year ORDER BY year"""
    return fetch_df(con, sql, params)


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
    cte, params = scoped(scope, flt)
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
    cte, params = scoped(scope)
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
# scored by sql.score_sql with the default weights (the Anomaly Lab lets analysts vary them).

def _risk_years(flt: Filters) -> tuple[str, list]:
    """CTE `rc`: each enterprise's worst risk year in the period: risk_score, band, risk_year,
    n_rules, max_severity, reasons (needs `se`)."""
    ywhere, yparams = year_where(flt, "c.year")
    score = score_sql("c")
    return (
        f"""rc AS (
            SELECT enterprise_id, risk_score, {band_sql('risk_score')} AS band, year AS risk_year,
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
    cte, params = scoped_reports(scope, flt)
    rc, rparams = _risk_years(flt)
    hwhere, hparams = year_where(flt, "TRY_CAST(left(h.period, 4) AS INTEGER)")
    vwhere, vparams = year_where(flt, "v.year")
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
    cte, params = scoped_reports(scope, flt)
    rc, rparams = _risk_years(flt)
    where, sparams = scope_where(scope, "pr.code")
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
    cte, params = scoped(scope, flt)
    ywhere, yparams = year_where(flt, "c.year")
    score = score_sql("c")
    sql = f"""
        {cte}
        SELECT c.year, {band_sql(score)} AS band, count(*) AS enterprises
        FROM risk_components c JOIN se USING (enterprise_id)
        WHERE c.run_id = ? AND {ywhere} AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = c.enterprise_id)
        GROUP BY ALL ORDER BY c.year, band"""
    return fetch_df(con, sql, [*params, flt.run_id, *yparams])


def flag_heatmap(con, scope: Scope, flt: Filters = NO_FILTERS, limit: int = 40) -> pd.DataFrame:
    """Monthly rule hits of the `limit` highest-risk enterprises that have any in the period, one row
    per enterprise and month with a hit: enterprise_id, name, risk_rank (1 = highest risk),
    risk_score, band, month (DATE, first day), hits (rule hits that month), rules (distinct rule
    ids), max_severity. Annual hits (period 'YYYY') are left out: they have no month."""
    cte, params = scoped(scope, flt)
    rc, rparams = _risk_years(flt)
    pwhere, pparams = period_where(flt, "h.month")
    sql = f"""
        {cte}, {rc},
        h AS (SELECT h.*, TRY_CAST(h.period || '-01' AS DATE) AS month, {SEVERITY_RANK} AS sev_rank
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
    and filters it served in the period, as queries._agency_links counts them), flagged_clients
    (critical or high), flagged_share, base_rate (the share over the view's enterprises); most
    flagged clients first. core.agencies.profile adds the evidence and its significance."""
    links, params = _agency_links(scope, flt)
    rc, rparams = _risk_years(flt)
    sql = f"""
        {links}, {rc}, {_VIEW_BASE},
        fl AS (SELECT DISTINCT l.kind, l.agency_id, l.enterprise_id,
                      coalesce(rc.band IN {_FLAGGED_BANDS}, FALSE) AS flagged
               FROM link l LEFT JOIN rc USING (enterprise_id))
        SELECT fl.kind, fl.agency_id, a.name, count(*) AS clients, count(*) FILTER (WHERE flagged) AS flagged_clients,
               count(*) FILTER (WHERE flagged) / count(*) AS flagged_share, (SELECT base_rate FROM base) AS base_rate
        FROM fl LEFT JOIN agencies a USING (agency_id)
        GROUP BY ALL
        ORDER BY flagged_clients DESC, flagged_share DESC, fl.agency_id"""
    return fetch_df(con, sql, [*params, *rparams])


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


def market_by_month(con, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """month, trading_days, close (last close of the month), vwap_cny (amount / volume), volume_t,
    amount_cny: the published CEA daily market, by month, in the filtered period."""
    dwhere, dparams = day_where(flt, "date")
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
    return fetch_df(con, sql, [*params, *hparams, list(scoring.SEVERITIES)])


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
# Reads for core.trading.scan: one named query per kind of alert, (con, scope, flt, thresholds).
# Detection runs over the whole market - a price is off-market against every trade of its day, not
# the scope's - and the scope only decides what is shown: an alert is visible when at least one
# enterprise it involves passes the scope and the filters (`_scoped`; a national view with no
# enterprise filter also sees alerts about institutions only), and when at least one of its evidence
# trades falls in the period (flt.day_sql on trades.ts). Every kind returns the same leading columns
# (alert_id, kind, first_ts, last_ts, accounts: the accounts the alert is about, trade_ids: the
# evidence, volume_t: the tonnes at issue), the evidence values of its kind, then enterprises,
# enterprise_names, provinces (of those enterprises) and holders (the accounts' holder names) added
# by `_alerts`.

ROUND_TRIP_DAYS = 5          # A sells to B, B sells back within this many trading days ...
VOLUME_TOLERANCE = 0.10      # ... at a volume within 10 %
WASH_MIN_TRADES = 3          # trades between two accounts of one group in a quarter that make a pattern
WASH_MIN_VOLUME_T = 1_000_000  # or tonnes between them in the quarter
CYCLE_DAYS = 7               # A->B->C->A block trades within a week ...
CYCLE_TOLERANCE = 0.15       # ... whose volumes differ by at most 15 %
OFF_MARKET_DEVIATION = 0.20  # a block price this far from the previous close ...
OFF_MARKET_OTHERS = 0.15     # ... and this far from the VWAP of the day's other block trades
LIMIT_DOMINANCE = 0.25       # an account's share of the day's trades at the limit (same direction)
MARKING_FROM = "14:50:00"    # listing trades in the last minutes of the session ...
MARKING_MOVE = 0.02          # ... moving the day's VWAP (the close) by more than 2 %
DEADLINE_WINDOW_DAYS = 30    # days before a compliance deadline
DEADLINE_MIN_T = 500_000     # an account's volume in that window worth a look ...
DEADLINE_FLOOR_T = 100_000   # ... against its expected volume, never taken below one block trade
DEADLINE_LIFT = 10.0         # ... and at least this many times that expectation
NET_SELL_MIN_T = 10_000      # net tonnes sold that make an enterprise a net seller in a year
EVIDENCE_MAX = 20            # evidence trades kept for the account-level kinds (largest first)
# Rules about trades themselves (core.rules R14, R15): not "flagged emission data".
TRADE_RULE_IDS = ("R14", "R15")

# Shared by every kind: accounts with their enterprise and group, the trades with their day, and
# each trading day's close (the published one, else the VWAP of its listing trades) with the close
# of the trading day before (the prevailing close the price limits refer to).
_MARKET_CTES = """
    acc AS (SELECT a.account_id, a.holder_name, a.enterprise_id, e.name AS enterprise_name, e.group_name,
                   e.province_code FROM accounts a LEFT JOIN enterprises e USING (enterprise_id)),
    t AS (SELECT trade_id, ts, ts::DATE AS day, method, buyer_account, seller_account, volume_t, price_cny
          FROM trades),
    cl AS (SELECT day, close, lag(close) OVER (ORDER BY day) AS prev_close
           FROM (SELECT coalesce(d.date, x.day) AS day, coalesce(d.close, x.vwap) AS close
                 FROM (SELECT date, close FROM market_daily WHERE close IS NOT NULL) d
                 FULL JOIN (SELECT day, sum(volume_t * price_cny) / sum(volume_t) AS vwap FROM t
                            WHERE method = 'listing' GROUP BY day) x ON x.day = d.date))"""
# Two accounts are related when they belong to one enterprise or to two enterprises of one group.
_RELATED = "coalesce({a}.enterprise_id = {b}.enterprise_id OR {a}.group_name = {b}.group_name, FALSE)"


def _alerts(scope: Scope, flt: Filters, body: str, params: list) -> tuple[str, list]:
    """A surveillance statement: the scope's CTEs, the market CTEs, the kind's CTEs (`body`, ending in
    `al`) and, of its alerts, those the scope and period let through, with the enterprises and holder
    names of their accounts (enterprises in order of first appearance)."""
    cte, sparams = scoped(scope, flt)
    dwhere, dparams = day_where(flt, "tp.ts")
    unrestricted = scope.provinces is None and enterprise_where(flt, "e")[0] == "TRUE"
    sql = f"""
        {cte}, {_MARKET_CTES}, {body},
        who AS (SELECT alert_id, unnest(accounts) AS account_id, generate_subscripts(accounts, 1) AS pos FROM al),
        holders AS (SELECT w.alert_id, list(coalesce(acc.holder_name, w.account_id) ORDER BY w.pos) AS holders
                    FROM who w LEFT JOIN acc USING (account_id) GROUP BY ALL),
        ents AS (SELECT w.alert_id, acc.enterprise_id, any_value(acc.enterprise_name) AS name,
                        any_value(acc.province_code) AS province_code, min(w.pos) AS pos,
                        bool_or(se.enterprise_id IS NOT NULL) AS in_scope
                 FROM who w JOIN acc USING (account_id) LEFT JOIN se ON se.enterprise_id = acc.enterprise_id
                 WHERE acc.enterprise_id IS NOT NULL GROUP BY ALL),
        en AS (SELECT alert_id, list(enterprise_id ORDER BY pos) AS enterprises,
                      list(name ORDER BY pos) AS enterprise_names, list(province_code ORDER BY pos) AS provinces,
                      bool_or(in_scope) AS visible
               FROM ents GROUP BY ALL),
        inp AS (SELECT DISTINCT a.alert_id FROM (SELECT alert_id, unnest(trade_ids) AS trade_id FROM al) a
                JOIN trades tp USING (trade_id) WHERE {dwhere})
        SELECT al.*, coalesce(en.enterprises, []::VARCHAR[]) AS enterprises,
               coalesce(en.enterprise_names, []::VARCHAR[]) AS enterprise_names,
               coalesce(en.provinces, []::VARCHAR[]) AS provinces, holders.holders
        FROM al JOIN holders USING (alert_id) LEFT JOIN en USING (alert_id) SEMI JOIN inp USING (alert_id)
        WHERE coalesce(en.visible, FALSE) OR ?
        ORDER BY al.first_ts, al.alert_id"""
    return sql, [*sparams, *params, *dparams, unrestricted]


def surveillance_round_trips(con, scope: Scope, flt: Filters = NO_FILTERS, max_days: int = ROUND_TRIP_DAYS,
                             tolerance: float = VOLUME_TOLERANCE) -> pd.DataFrame:
    """kind 'round_trip': A sells to B and B sells back to A within `max_days` trading days (days with
    trades) at a volume within `tolerance` (each first leg with its closest return). Evidence:
    lag_days (calendar), trading_days, volume_1, volume_2, volume_ratio (2nd / 1st), price_1, price_2,
    related (one enterprise or group)."""
    body = f"""
        td AS (SELECT day, row_number() OVER (ORDER BY day) AS day_no FROM (SELECT DISTINCT day FROM t)),
        tn AS (SELECT t.*, td.day_no FROM t JOIN td USING (day)),
        rt AS (SELECT t1.trade_id AS id1, t2.trade_id AS id2, t1.ts AS ts1, t2.ts AS ts2, t1.seller_account AS a,
                      t1.buyer_account AS b, t1.volume_t AS v1, t2.volume_t AS v2, t1.price_cny AS p1, t2.price_cny AS p2,
                      t2.day_no - t1.day_no AS trading_days
               FROM tn t1 JOIN tn t2 ON t2.seller_account = t1.buyer_account AND t2.buyer_account = t1.seller_account
                    AND t2.ts > t1.ts AND t2.day_no - t1.day_no <= ?
                    AND abs(t2.volume_t / t1.volume_t - 1) <= ?
               QUALIFY row_number() OVER (PARTITION BY t1.trade_id
                                          ORDER BY abs(t2.volume_t / t1.volume_t - 1), t2.ts, t2.trade_id) = 1),
        al AS (SELECT 'round_trip:' || rt.id1 AS alert_id, 'round_trip' AS kind, rt.ts1 AS first_ts, rt.ts2 AS last_ts,
                      [rt.a, rt.b] AS accounts, [rt.id1, rt.id2] AS trade_ids, rt.v1 AS volume_t,
                      date_diff('second', rt.ts1, rt.ts2) / 86400.0 AS lag_days, rt.trading_days,
                      rt.v1 AS volume_1, rt.v2 AS volume_2,
                      rt.v2 / rt.v1 AS volume_ratio, rt.p1 AS price_1, rt.p2 AS price_2,
                      {_RELATED.format(a='sa', b='sb')} AS related
               FROM rt LEFT JOIN acc sa ON sa.account_id = rt.a LEFT JOIN acc sb ON sb.account_id = rt.b)"""
    sql, params = _alerts(scope, flt, body, [int(max_days), float(tolerance)])
    return fetch_df(con, sql, params)


def surveillance_wash_groups(con, scope: Scope, flt: Filters = NO_FILTERS, min_trades: int = WASH_MIN_TRADES,
                             min_volume_t: float = WASH_MIN_VOLUME_T) -> pd.DataFrame:
    """kind 'wash_group': two accounts of one enterprise or one group trading with each other at least
    `min_trades` times, or at least `min_volume_t` tonnes, in a calendar quarter. Evidence: group,
    quarter (first day), n_trades, two_way (both sold to the other), vwap (their average price) and
    market_vwap (the VWAP of every trade in those days)."""
    body = f"""
        ig AS (SELECT t.*, least(t.seller_account, t.buyer_account) AS x, greatest(t.seller_account, t.buyer_account) AS y,
                      date_trunc('quarter', t.day)::DATE AS quarter, coalesce(s.group_name, s.enterprise_name) AS grp
               FROM t JOIN acc s ON s.account_id = t.seller_account JOIN acc b ON b.account_id = t.buyer_account
               WHERE {_RELATED.format(a='s', b='b')}),
        wg AS (SELECT x, y, quarter, any_value(grp) AS grp, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      count(DISTINCT seller_account) = 2 AS two_way, min(ts) AS first_ts, max(ts) AS last_ts,
                      list(trade_id ORDER BY ts, trade_id) AS trade_ids,
                      sum(volume_t * price_cny) / sum(volume_t) AS vwap, list(DISTINCT day) AS days
               FROM ig GROUP BY x, y, quarter
               HAVING count(*) >= ? OR sum(volume_t) >= ?),
        dm AS (SELECT day, sum(volume_t * price_cny) AS a, sum(volume_t) AS v FROM t GROUP BY day),
        mv AS (SELECT wg.x, wg.y, wg.quarter, sum(dm.a) / sum(dm.v) AS market_vwap
               FROM (SELECT x, y, quarter, unnest(days) AS day FROM wg) wg JOIN dm USING (day) GROUP BY ALL),
        al AS (SELECT 'wash_group:' || wg.trade_ids[1] AS alert_id, 'wash_group' AS kind, wg.first_ts, wg.last_ts,
                      [wg.x, wg.y] AS accounts, wg.trade_ids, wg.volume_t, wg.grp AS "group", wg.quarter,
                      wg.n_trades, wg.two_way, wg.vwap, mv.market_vwap
               FROM wg JOIN mv USING (x, y, quarter))"""
    sql, params = _alerts(scope, flt, body, [int(min_trades), float(min_volume_t)])
    return fetch_df(con, sql, params)


def surveillance_cycles(con, scope: Scope, flt: Filters = NO_FILTERS, max_days: int = CYCLE_DAYS,
                        tolerance: float = CYCLE_TOLERANCE) -> pd.DataFrame:
    """kind 'cycle': block trades A->B, B->C, C->A (three distinct accounts, in this order) within
    `max_days` of the first, whose volumes differ by at most `tolerance` (each first leg with its
    tightest cycle). Evidence: span_days, spread (largest / smallest volume - 1), volume_1..3,
    price_1..3."""
    later = "({n}.ts > {p}.ts OR ({n}.ts = {p}.ts AND {n}.trade_id > {p}.trade_id))"
    body = f"""
        bk AS (SELECT * FROM t WHERE method = 'block'),
        cy AS (SELECT t1.trade_id AS id1, t2.trade_id AS id2, t3.trade_id AS id3, t1.seller_account AS a,
                      t1.buyer_account AS b, t2.buyer_account AS c, t1.ts AS ts1, t3.ts AS ts3,
                      t1.volume_t AS v1, t2.volume_t AS v2, t3.volume_t AS v3,
                      t1.price_cny AS p1, t2.price_cny AS p2, t3.price_cny AS p3,
                      greatest(t1.volume_t, t2.volume_t, t3.volume_t) / least(t1.volume_t, t2.volume_t, t3.volume_t) - 1
                          AS spread
               FROM bk t1
               JOIN bk t2 ON t2.seller_account = t1.buyer_account AND t2.buyer_account <> t1.seller_account
                    AND {later.format(n='t2', p='t1')} AND t2.ts <= t1.ts + INTERVAL (?) DAY
               JOIN bk t3 ON t3.seller_account = t2.buyer_account AND t3.buyer_account = t1.seller_account
                    AND {later.format(n='t3', p='t2')} AND t3.ts <= t1.ts + INTERVAL (?) DAY
               WHERE greatest(t1.volume_t, t2.volume_t, t3.volume_t) / least(t1.volume_t, t2.volume_t, t3.volume_t) - 1 <= ?
               QUALIFY row_number() OVER (PARTITION BY t1.trade_id ORDER BY spread, t3.ts, t2.trade_id, t3.trade_id) = 1),
        al AS (SELECT 'cycle:' || id1 AS alert_id, 'cycle' AS kind, ts1 AS first_ts, ts3 AS last_ts, [a, b, c] AS accounts,
                      [id1, id2, id3] AS trade_ids, v1 AS volume_t, date_diff('second', ts1, ts3) / 86400.0 AS span_days,
                      spread, v1 AS volume_1, v2 AS volume_2, v3 AS volume_3, p1 AS price_1, p2 AS price_2, p3 AS price_3
               FROM cy)"""
    sql, params = _alerts(scope, flt, body, [int(max_days), int(max_days), float(tolerance)])
    return fetch_df(con, sql, params)


def surveillance_off_market(con, scope: Scope, flt: Filters = NO_FILTERS, deviation: float = OFF_MARKET_DEVIATION,
                            others: float = OFF_MARKET_OTHERS) -> pd.DataFrame:
    """kind 'off_market': block trades priced more than `deviation` from the previous close and more
    than `others` from the VWAP of the day's other block trades (or the day's only block trade).
    Evidence: price, prev_close, deviation, others_vwap (null when alone), others_deviation,
    beyond_limit (outside the ±30 % block limit), related."""
    body = f"""
        bd AS (SELECT day, sum(volume_t) AS v, sum(volume_t * price_cny) AS a, count(*) AS n FROM t
               WHERE method = 'block' GROUP BY day),
        om AS (SELECT t.*, cl.prev_close, t.price_cny / cl.prev_close - 1 AS deviation,
                      CASE WHEN bd.n > 1 THEN (bd.a - t.volume_t * t.price_cny) / (bd.v - t.volume_t) END AS others_vwap
               FROM t JOIN cl USING (day) JOIN bd USING (day)
               WHERE t.method = 'block' AND cl.prev_close > 0 AND abs(t.price_cny / cl.prev_close - 1) > ?),
        al AS (SELECT 'off_market:' || om.trade_id AS alert_id, 'off_market' AS kind, om.ts AS first_ts, om.ts AS last_ts,
                      [om.seller_account, om.buyer_account] AS accounts, [om.trade_id] AS trade_ids, om.volume_t,
                      om.price_cny AS price, om.prev_close, om.deviation, om.others_vwap,
                      om.price_cny / om.others_vwap - 1 AS others_deviation,
                      abs(om.deviation) > {mrv.BLOCK_LIMIT} AS beyond_limit, {_RELATED.format(a='s', b='b')} AS related
               FROM om LEFT JOIN acc s ON s.account_id = om.seller_account LEFT JOIN acc b ON b.account_id = om.buyer_account
               WHERE om.others_vwap IS NULL OR abs(om.price_cny / om.others_vwap - 1) > ?)"""
    sql, params = _alerts(scope, flt, body, [float(deviation), float(others)])
    return fetch_df(con, sql, params)


def surveillance_limit_pinned(con, scope: Scope, flt: Filters = NO_FILTERS,
                              dominance: float = LIMIT_DOMINANCE) -> pd.DataFrame:
    """kind 'limit_pinned': listing trades at the ±10 % limit of the previous close (within one tick),
    per day, direction and the account pushing the price there (the buyer at the upper limit, the
    seller at the lower), when that account holds at least `dominance` of the day's volume at that
    limit. Evidence: direction ('up'/'down'), limit_price, prev_close, n_trades, dominance,
    day_share (of the day's listing volume)."""
    lim, tick = mrv.LISTING_LIMIT, mrv.PRICE_TICK
    body = f"""
        lp AS (SELECT t.*, cl.prev_close,
                      CASE WHEN t.price_cny >= round(cl.prev_close * {1 + lim}, 2) - {tick} THEN 'up'
                           WHEN t.price_cny <= round(cl.prev_close * {1 - lim}, 2) + {tick} THEN 'down' END AS direction
               FROM t JOIN cl USING (day) WHERE t.method = 'listing' AND cl.prev_close > 0),
        ld AS (SELECT day, sum(volume_t) AS listing_t FROM t WHERE method = 'listing' GROUP BY day),
        la AS (SELECT day, direction, CASE direction WHEN 'up' THEN buyer_account ELSE seller_account END AS account,
                      any_value(prev_close) AS prev_close, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      min(ts) AS first_ts, max(ts) AS last_ts, list(trade_id ORDER BY ts, trade_id) AS trade_ids
               FROM lp WHERE direction IS NOT NULL GROUP BY ALL),
        al AS (SELECT 'limit_pinned:' || la.trade_ids[1] AS alert_id, 'limit_pinned' AS kind, la.first_ts, la.last_ts,
                      [la.account] AS accounts, la.trade_ids, la.volume_t, la.direction,
                      round(la.prev_close * CASE la.direction WHEN 'up' THEN {1 + lim} ELSE {1 - lim} END, 2) AS limit_price,
                      la.prev_close, la.n_trades,
                      la.volume_t / sum(la.volume_t) OVER (PARTITION BY la.day, la.direction) AS dominance,
                      la.volume_t / ld.listing_t AS day_share
               FROM la JOIN ld USING (day)
               QUALIFY dominance >= ?)"""
    sql, params = _alerts(scope, flt, body, [float(dominance)])
    return fetch_df(con, sql, params)


def surveillance_marking_close(con, scope: Scope, flt: Filters = NO_FILTERS, late_from: str = MARKING_FROM,
                               move: float = MARKING_MOVE) -> pd.DataFrame:
    """kind 'marking_close': days whose listing trades from `late_from` to the close move the day's
    VWAP (the close) by more than `move` against the VWAP without them; the evidence trades are the
    late trades priced in the direction of the move, the accounts those pushing it (buyers up,
    sellers down). Evidence: day, close (the day's listing VWAP), close_without, move, late_share (of
    the day's listing volume), n_trades, published_close."""
    body = """
        mcd AS (SELECT day, sum(volume_t) AS v, sum(volume_t * price_cny) AS a,
                       coalesce(sum(volume_t) FILTER (WHERE ts::TIME >= ?::TIME), 0) AS v_late,
                       coalesce(sum(volume_t * price_cny) FILTER (WHERE ts::TIME >= ?::TIME), 0) AS a_late
                FROM t WHERE method = 'listing' GROUP BY day),
        mc AS (SELECT day, a / v AS vwap, (a - a_late) / (v - v_late) AS vwap_without, v_late / v AS late_share
               FROM mcd WHERE v_late > 0 AND v_late < v),
        mt AS (SELECT mc.*, t.trade_id, t.ts, t.volume_t, t.buyer_account, t.seller_account, mc.vwap / mc.vwap_without - 1 AS mv
               FROM mc JOIN t USING (day)
               WHERE abs(mc.vwap / mc.vwap_without - 1) > ? AND t.method = 'listing' AND t.ts::TIME >= ?::TIME
                 AND (t.price_cny - mc.vwap_without) * sign(mc.vwap / mc.vwap_without - 1) > 0),
        mg AS (SELECT day, any_value(vwap) AS close, any_value(vwap_without) AS close_without, any_value(mv) AS move,
                      any_value(late_share) AS late_share, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      min(ts) AS first_ts, max(ts) AS last_ts, list(trade_id ORDER BY ts, trade_id) AS trade_ids,
                      list(DISTINCT CASE WHEN mv > 0 THEN buyer_account ELSE seller_account END) AS accounts
               FROM mt GROUP BY day),
        al AS (SELECT 'marking_close:' || mg.trade_ids[1] AS alert_id, 'marking_close' AS kind, mg.first_ts, mg.last_ts,
                      list_sort(mg.accounts) AS accounts, mg.trade_ids, mg.volume_t, mg.day, mg.close, mg.close_without,
                      mg.move, mg.late_share, mg.n_trades, d.close AS published_close
               FROM mg LEFT JOIN market_daily d ON d.date = mg.day)"""
    sql, params = _alerts(scope, flt, body, [late_from, late_from, float(move), late_from])
    return fetch_df(con, sql, params)


def surveillance_deadline_concentration(con, scope: Scope, flt: Filters = NO_FILTERS,
                                        window_days: int = DEADLINE_WINDOW_DAYS, min_t: float = DEADLINE_MIN_T,
                                        floor_t: float = DEADLINE_FLOOR_T, lift: float = DEADLINE_LIFT
                                        ) -> pd.DataFrame:
    """kind 'deadline_concentration': an account's volume (bought + sold) in the `window_days` before a
    compliance deadline (compliance.due_date, and mrv.COMPLIANCE_DUE) against what its own past
    implies: expected = its volume in the 365 days before the window x the market's volume in the
    window / the market's volume in those 365 days (the market's own rush to the deadline is not the
    account's doing); an alert when the window volume is at least `min_t` and at least `lift` times
    max(expected, `floor_t`). Evidence: deadline, window_t, sold_t, bought_t, hist_t, expected_t,
    lift, market_share (of the market's window volume), n_trades; evidence trades: the EVIDENCE_MAX
    largest."""
    body = f"""
        dl AS (SELECT DISTINCT deadline FROM (SELECT due_date AS deadline FROM compliance
                                               UNION ALL SELECT unnest(?::DATE[]))
               WHERE deadline >= (SELECT min(day) FROM t) AND deadline - INTERVAL (?) DAY <= (SELECT max(day) FROM t)),
        tw AS (SELECT dl.deadline, t.* FROM dl JOIN t ON t.day > dl.deadline - INTERVAL (?) DAY AND t.day <= dl.deadline),
        win AS (SELECT deadline, seller_account AS account, trade_id, ts, volume_t, 'sell' AS side FROM tw
                UNION ALL SELECT deadline, buyer_account, trade_id, ts, volume_t, 'buy' FROM tw),
        dw AS (SELECT deadline, account, sum(volume_t) AS window_t,
                      coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0) AS sold_t,
                      coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0) AS bought_t, count(*) AS n_trades,
                      min(ts) AS first_ts, max(ts) AS last_ts
               FROM win GROUP BY ALL HAVING sum(volume_t) >= ?),
        -- the evidence: the largest trades, listed for the accounts that pass only
        de AS (SELECT deadline, account, list(trade_id ORDER BY volume_t DESC, trade_id) AS trade_ids
               FROM (SELECT * FROM win SEMI JOIN dw USING (deadline, account)
                     QUALIFY row_number() OVER (PARTITION BY deadline, account ORDER BY volume_t DESC, trade_id)
                             <= {EVIDENCE_MAX})
               GROUP BY ALL),
        -- the past year of the accounts that pass, from their daily volumes
        ad AS (SELECT account, day, sum(volume_t) AS v
               FROM (SELECT seller_account AS account, day, volume_t FROM t UNION ALL SELECT buyer_account, day, volume_t FROM t)
               WHERE account IN (SELECT account FROM dw) GROUP BY ALL),
        hist AS (SELECT dw.deadline, dw.account, sum(ad.v) AS hist_t
                 FROM dw JOIN ad ON ad.account = dw.account AND ad.day > dw.deadline - INTERVAL (?) DAY
                      AND ad.day <= dw.deadline - INTERVAL (?) DAY GROUP BY ALL),
        md AS (SELECT day, sum(volume_t) AS v FROM t GROUP BY day),
        mk AS (SELECT dl.deadline, sum(md.v) FILTER (WHERE md.day > dl.deadline - INTERVAL (?) DAY) AS market_window_t,
                      sum(md.v) FILTER (WHERE md.day <= dl.deadline - INTERVAL (?) DAY) AS market_hist_t
               FROM dl JOIN md ON md.day > dl.deadline - INTERVAL (?) DAY AND md.day <= dl.deadline GROUP BY ALL),
        dc AS (SELECT dw.*, de.trade_ids, coalesce(hist.hist_t, 0) AS hist_t, mk.market_window_t,
                      coalesce(hist.hist_t, 0) * mk.market_window_t / nullif(mk.market_hist_t, 0) AS expected_t
               FROM dw JOIN de USING (deadline, account) JOIN mk USING (deadline)
               LEFT JOIN hist USING (deadline, account)),
        al AS (SELECT 'deadline_concentration:' || account || ':' || strftime(deadline, '%Y-%m-%d') AS alert_id,
                      'deadline_concentration' AS kind, first_ts, last_ts, [account] AS accounts, trade_ids,
                      window_t AS volume_t, deadline, window_t, sold_t, bought_t, hist_t, expected_t,
                      window_t / greatest(coalesce(expected_t, 0), ?) AS lift, window_t / market_window_t AS market_share,
                      n_trades
               FROM dc WHERE window_t / greatest(coalesce(expected_t, 0), ?) >= ?)"""
    w, year = int(window_days), int(window_days) + 365
    sql, params = _alerts(scope, flt, body, [sorted(set(mrv.COMPLIANCE_DUE.values())), w, w, float(min_t), year, w,
                                             w, w, year, float(floor_t), float(floor_t), float(lift)])
    return fetch_df(con, sql, params)


def surveillance_flagged_net_sellers(con, scope: Scope, flt: Filters = NO_FILTERS,
                                     min_net_t: float = NET_SELL_MIN_T) -> pd.DataFrame:
    """kind 'flagged_net_seller': an enterprise whose emission data the stored run (flt.run_id) flags
    in a year - a critical or high rule other than the trade rules (TRADE_RULE_IDS), or a critical or
    high risk band without any trade rule that year - that sold at least `min_net_t` more than it bought
    in that year or the next: understated emissions leave allowances to sell. Evidence: year, rules,
    critical, band, net_sold_t (that year), net_sold_next_t, allocated_t, n_sells; evidence trades:
    its EVIDENCE_MAX largest sales in the two years. Nothing without a run."""
    score = score_sql("c")
    body = f"""
        fl AS (SELECT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year,
                      list(DISTINCT h.rule_id ORDER BY h.rule_id) AS rules, bool_or(h.severity = 'critical') AS critical
               FROM rule_hits h WHERE h.run_id = ? AND h.severity IN ('critical', 'high')
                 AND NOT list_contains(?::VARCHAR[], h.rule_id)
               GROUP BY ALL),
        rb AS (SELECT c.enterprise_id, c.year, {band_sql(score)} AS band FROM risk_components c WHERE c.run_id = ?),
        th AS (SELECT DISTINCT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year FROM rule_hits h
               WHERE h.run_id = ? AND list_contains(?::VARCHAR[], h.rule_id)),
        fy AS (SELECT coalesce(fl.enterprise_id, rb.enterprise_id) AS enterprise_id, coalesce(fl.year, rb.year) AS year,
                      coalesce(fl.rules, []::VARCHAR[]) AS rules, coalesce(fl.critical, FALSE) AS critical, rb.band
               FROM fl FULL JOIN rb ON rb.enterprise_id = fl.enterprise_id AND rb.year = fl.year
               WHERE fl.enterprise_id IS NOT NULL
                  OR (rb.band IN ('critical', 'high') AND NOT EXISTS (
                          SELECT 1 FROM th WHERE th.enterprise_id = rb.enterprise_id AND th.year = rb.year))),
        ep AS (SELECT a.enterprise_id, a.account_id, year(t.day) AS year, t.trade_id, t.ts, t.volume_t, 'sell' AS side
               FROM t JOIN acc a ON a.account_id = t.seller_account WHERE a.enterprise_id IN (SELECT enterprise_id FROM fy)
               UNION ALL
               SELECT a.enterprise_id, a.account_id, year(t.day), t.trade_id, t.ts, t.volume_t, 'buy'
               FROM t JOIN acc a ON a.account_id = t.buyer_account WHERE a.enterprise_id IN (SELECT enterprise_id FROM fy)),
        ny AS (SELECT enterprise_id, year, coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0)
                                           - coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0) AS net_sold_t
               FROM ep GROUP BY ALL),
        fs AS (SELECT fy.*, n0.net_sold_t, n1.net_sold_t AS net_sold_next_t, al0.allocated_t
               FROM fy LEFT JOIN ny n0 ON n0.enterprise_id = fy.enterprise_id AND n0.year = fy.year
               LEFT JOIN ny n1 ON n1.enterprise_id = fy.enterprise_id AND n1.year = fy.year + 1
               LEFT JOIN allocations al0 ON al0.enterprise_id = fy.enterprise_id AND al0.year = fy.year
               WHERE greatest(coalesce(n0.net_sold_t, 0), coalesce(n1.net_sold_t, 0)) >= ?),
        fsl AS (SELECT fs.enterprise_id, fs.year, count(*) AS n_sells, min(ep.ts) AS first_ts, max(ep.ts) AS last_ts,
                       list(DISTINCT ep.account_id ORDER BY ep.account_id) AS accounts,
                       list(ep.trade_id ORDER BY ep.volume_t DESC, ep.trade_id)[1:{EVIDENCE_MAX}] AS trade_ids
                FROM fs JOIN ep ON ep.enterprise_id = fs.enterprise_id AND ep.side = 'sell'
                     AND ep.year IN (fs.year, fs.year + 1)
                GROUP BY ALL),
        al AS (SELECT 'flagged_net_seller:' || fs.enterprise_id || ':' || fs.year AS alert_id, 'flagged_net_seller' AS kind,
                      fsl.first_ts, fsl.last_ts, fsl.accounts, fsl.trade_ids,
                      greatest(coalesce(fs.net_sold_t, 0), coalesce(fs.net_sold_next_t, 0)) AS volume_t,
                      fs.year, fs.rules, fs.critical, fs.band, fs.net_sold_t, fs.net_sold_next_t, fs.allocated_t, fsl.n_sells
               FROM fs JOIN fsl USING (enterprise_id, year))"""
    trade_rules = list(TRADE_RULE_IDS)
    sql, params = _alerts(scope, flt, body, [flt.run_id, trade_rules, flt.run_id, flt.run_id, trade_rules,
                                             float(min_net_t)])
    return fetch_df(con, sql, params)


SURVEILLANCE_QUERIES = (surveillance_round_trips, surveillance_wash_groups, surveillance_cycles,
                        surveillance_off_market, surveillance_limit_pinned, surveillance_marking_close,
                        surveillance_deadline_concentration, surveillance_flagged_net_sellers)


def surveillance_trades(con, trade_ids: list[str]) -> pd.DataFrame:
    """The evidence trades of alerts, by id: trade_id, ts, method, buyer_account, buyer (holder name),
    buyer_enterprise, seller_account, seller, seller_enterprise, volume_t, price_cny, prev_close (the
    prevailing close) and deviation (price / prev_close - 1), in time order. No scope: core.trading
    asks only for the evidence of alerts the scope may see (a trade of a visible alert is evidence even
    between two accounts outside the scope, e.g. the middle leg of a cycle)."""
    sql = f"""
        WITH {_MARKET_CTES}
        SELECT t.trade_id, t.ts, t.method, t.buyer_account, b.holder_name AS buyer, b.enterprise_id AS buyer_enterprise,
               t.seller_account, s.holder_name AS seller, s.enterprise_id AS seller_enterprise, t.volume_t, t.price_cny,
               cl.prev_close, t.price_cny / cl.prev_close - 1 AS deviation
        FROM t LEFT JOIN cl USING (day) LEFT JOIN acc b ON b.account_id = t.buyer_account
        LEFT JOIN acc s ON s.account_id = t.seller_account
        WHERE t.trade_id IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY t.ts, t.trade_id"""
    return fetch_df(con, sql, [list(trade_ids)])


def market_daily_by_method(con, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """day, close (the published close, else the VWAP of the day's listing trades), listing_t, block_t,
    auction_t, volume_t, amount_cny: the CEA market per trading day in the filtered period, from the
    trades (national: the exchange publishes these figures)."""
    dwhere, dparams = day_where(flt, "t.day")
    sql = f"""
        WITH {_MARKET_CTES},
        d AS (SELECT day, coalesce(sum(volume_t) FILTER (WHERE method = 'listing'), 0) AS listing_t,
                     coalesce(sum(volume_t) FILTER (WHERE method = 'block'), 0) AS block_t,
                     coalesce(sum(volume_t) FILTER (WHERE method = 'auction'), 0) AS auction_t,
                     sum(volume_t) AS volume_t, sum(volume_t * price_cny) AS amount_cny
              FROM t WHERE {dwhere} GROUP BY day)
        SELECT d.day, cl.close, d.listing_t, d.block_t, d.auction_t, d.volume_t, d.amount_cny
        FROM d LEFT JOIN cl USING (day) ORDER BY d.day"""
    return fetch_df(con, sql, dparams)


# ----------------------------------------------------------------- intermediaries (core.agencies)
# Who served whom, and the evidence a reviewer checks at the agency rather than at the plant:
# identical lab results at two clients, one test date for many client-months, report numbers
# running on from month to month, understated reports passed. core.agencies turns these rows
# into the ranked profile and the context component of the risk score.

# A copied report repeats every result on it (core.features.FINGERPRINT); months lacking the
# element-carbon result itself get no fingerprint (two empty reports are not a copy).
AGENCY_FINGERPRINT = (
    "CASE WHEN ncv IS NOT NULL AND carbon_content IS NOT NULL AND carbon_ar_pct IS NOT NULL THEN hash("
    "round(ncv, 6), round(carbon_content, 6), round(carbon_ar_pct, 6), round(total_moisture_pct, 6), "
    "round(moisture_ad_pct, 6), round(hydrogen_pct, 6), round(sulfur_pct, 6)) END"
)
# Flagged: a risk band of critical or high (scoring.BANDS), or a rule of that severity (scoring.SEVERITIES).
_FLAGGED_BANDS = quoted(scoring.FLAGGED_BANDS)
_SERIOUS = quoted(scoring.SERIOUS)


# CTE `base` (needs `se`, `su`, `rc`): the view's enterprises (as in enterprise_risk: those with units
# the filters keep) and the share of them flagged, the rate every agency is compared with.
_VIEW_BASE = f"""base AS (
    SELECT count(*) AS view_enterprises, avg(coalesce(rc.band IN {_FLAGGED_BANDS}, FALSE)::INTEGER) AS base_rate
    FROM se LEFT JOIN rc USING (enterprise_id)
    WHERE EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = se.enterprise_id))"""


def _agency_links(scope: Scope, flt: Filters) -> tuple[str, list]:
    """CTEs `se`, `su`, `pm` (plant-months of measured coal in the period: one lab report each, with
    its report series, sequence number and fingerprint), `ver` (the period's verifications) and
    `link`: kind, agency_id, enterprise_id, year, period (NULL for a verifier, which serves a year):
    who served whom. A lab serves the months it tested, a consultant the months its client
    deposited, a verifier the years it verified. Only the columns needed are read: at 10x national
    scale a CTE of whole report rows costs more than everything else here."""
    cte, params = scoped(scope, flt)
    pwhere, pparams = period_where(flt, "m.period")
    vwhere, vparams = year_where(flt, "v.year")
    return (
        f"""{cte},
        -- one lab report per plant and month: the first unit's (a plant's units share the coal sample);
        -- picking the unit first and joining back is 2x faster than a window at 10x scale
        pu AS (SELECT su.enterprise_id, m.period, min(m.unit_id) AS unit_id
               FROM monthly_reports m JOIN su USING (unit_id)
               WHERE m.fuel_type = 'coal' AND m.carbon_content_source = 'measured' AND {pwhere} GROUP BY ALL),
        pm AS (SELECT pu.enterprise_id, m.period, year(m.period) AS year, m.lab_id, m.test_date, m.report_date,
                      m.lab_report_no, regexp_replace(m.lab_report_no, '\\d+$', '') AS series,
                      TRY_CAST(regexp_extract(m.lab_report_no, '(\\d+)$', 1) AS BIGINT) AS seq,
                      {AGENCY_FINGERPRINT} AS fp
               FROM pu JOIN monthly_reports m USING (unit_id, period)),
        ver AS (SELECT v.enterprise_id, v.year, v.verifier_id, v.conclusion, v.reported_t, v.verified_t
                FROM verifications v JOIN se USING (enterprise_id)
                WHERE {vwhere} AND v.verifier_id IS NOT NULL
                  AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = v.enterprise_id)),
        link AS (SELECT 'lab' AS kind, lab_id AS agency_id, enterprise_id, year, period FROM pm
                 WHERE lab_id IS NOT NULL
                 UNION ALL
                 SELECT 'consultant', e.consultant_id, d.enterprise_id, year(d.period), d.period
                 FROM (SELECT DISTINCT su.enterprise_id, m.period FROM monthly_reports m JOIN su USING (unit_id)
                       WHERE {pwhere}) d
                 JOIN enterprises e USING (enterprise_id) WHERE e.consultant_id IS NOT NULL
                 UNION ALL
                 SELECT 'verifier', verifier_id, enterprise_id, year, NULL FROM ver)""",
        [*params, *pparams, *vparams, *pparams],
    )


def _agency_years(scope: Scope, flt: Filters) -> tuple[str, list]:
    """The CTEs of `_agency_links` and `ay`: one row per kind, agency and client-year with the
    evidence of that year (columns: see agency_client_years)."""
    links, params = _agency_links(scope, flt)
    gap = scoring.VERIFICATION_GAP
    return (
        f"""{links},
        -- deposits of every unit (not only the filtered ones): what the annual report should add up to
        dep AS (SELECT u.enterprise_id, year(m.period) AS year, sum({EMISSIONS_T}) AS computed_t
                FROM monthly_reports m JOIN units u USING (unit_id)
                WHERE u.enterprise_id IN (SELECT enterprise_id FROM ver) GROUP BY ALL),
        -- identical full lab results at two clients of one agency, in months that agency covers
        -- (only fingerprints that two plants share can be copies: a small set, checked first)
        dup AS (SELECT fp FROM pm WHERE fp IS NOT NULL GROUP BY fp HAVING min(enterprise_id) < max(enterprise_id)),
        pd AS (SELECT * FROM pm SEMI JOIN dup USING (fp)),
        pa AS (SELECT l.kind, l.agency_id, l.enterprise_id, l.year, pd.period, pd.fp
               FROM link l JOIN pd USING (enterprise_id, period)
               UNION ALL  -- a verifier covers its client's whole year
               SELECT 'verifier', ver.verifier_id, pd.enterprise_id, pd.year, pd.period, pd.fp
               FROM ver JOIN pd USING (enterprise_id, year)),
        cp AS (SELECT a.kind, a.agency_id, a.enterprise_id, a.year, count(DISTINCT a.period) AS copied_months,
                      list(DISTINCT b.enterprise_id ORDER BY b.enterprise_id) AS copy_partners
               FROM pa a JOIN pa b ON b.kind = a.kind AND b.agency_id = a.agency_id AND b.fp = a.fp
                    AND b.enterprise_id <> a.enterprise_id
               GROUP BY ALL),
        -- one test date carrying many of a client's months: a batch presented as monthly tests
        bt AS (SELECT 'lab' AS kind, agency_id, enterprise_id, year, max(n) AS batch_months,
                      arg_max(test_date, n) AS batch_date
               FROM (SELECT lab_id AS agency_id, enterprise_id, year, test_date, count(*) AS n FROM pm
                     WHERE lab_id IS NOT NULL AND test_date IS NOT NULL GROUP BY ALL)
               GROUP BY ALL),
        -- report numbers running on from the client's previous month in the same series
        sq AS (SELECT lab_id AS agency_id, enterprise_id, year, period, seq,
                      lag(seq) OVER w AS prev_seq, lag(period) OVER w AS prev_period
               FROM pm WHERE lab_id IS NOT NULL AND seq IS NOT NULL
               WINDOW w AS (PARTITION BY enterprise_id, lab_id, series ORDER BY period)),
        cn AS (SELECT 'lab' AS kind, agency_id, enterprise_id, year, count(*) AS consecutive_reports FROM sq
               WHERE seq = prev_seq + 1 AND date_diff('month', prev_period, period) = 1 GROUP BY ALL),
        -- passed although the figure the verifier confirmed is far below the monthly deposits
        vy AS (SELECT 'verifier' AS kind, ver.verifier_id AS agency_id, ver.enterprise_id, ver.year,
                      ver.conclusion = 'pass' AS passed,
                      coalesce(ver.conclusion = 'pass' AND ver.reported_t < {1 - gap!r} * dep.computed_t
                               AND coalesce(ver.verified_t, ver.reported_t) < {1 - gap!r} * dep.computed_t,
                               FALSE) AS understated,
                      ver.reported_t, ver.verified_t, dep.computed_t
               FROM ver LEFT JOIN dep USING (enterprise_id, year)),
        ly AS (SELECT kind, agency_id, enterprise_id, year, count(period) AS months, min(period) AS first_period,
                      max(period) AS last_period
               FROM link GROUP BY ALL),
        ay AS (SELECT ly.*, coalesce(cp.copied_months, 0) AS copied_months,
                      cp.copy_partners,  -- NULL without copies: 400k empty lists are slow to hand to pandas
                      coalesce(bt.batch_months, 0) AS batch_months, bt.batch_date,
                      coalesce(cn.consecutive_reports, 0) AS consecutive_reports,
                      vy.passed, coalesce(vy.understated, FALSE) AS understated, vy.reported_t, vy.verified_t,
                      vy.computed_t
               FROM ly LEFT JOIN cp USING (kind, agency_id, enterprise_id, year)
               LEFT JOIN bt USING (kind, agency_id, enterprise_id, year)
               LEFT JOIN cn USING (kind, agency_id, enterprise_id, year)
               LEFT JOIN vy USING (kind, agency_id, enterprise_id, year))""",
        params,
    )


def agency_client_years(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row per agency and client-year in the scope, filters and period: kind, agency_id,
    enterprise_id, year, months (served that year: tested by the lab, deposited for the consultant;
    0 for a verifier), first_period, last_period, copied_months and copy_partners (months whose seven
    lab results another client of the same agency also reports, and those clients' ids; NULL if none),
    batch_months and batch_date (labs: most of the client's months of the year carried by one test
    date, and that date), consecutive_reports (labs: reports numbered right after the client's
    previous month), passed, understated (verifiers: passed although both the reported and the
    verified figure are more than scoring.VERIFICATION_GAP below the monthly deposits), reported_t,
    verified_t, computed_t (deposits of all the client's units that year)."""
    cte, params = _agency_years(scope, flt)
    return fetch_df(con, f"{cte} SELECT * FROM ay ORDER BY kind, agency_id, enterprise_id, year", params)


def agency_clients(con, scope: Scope, flt: Filters = NO_FILTERS, agency_id: str | None = None) -> pd.DataFrame:
    """One row per agency and client (all agencies, or the one `agency_id` names): kind, agency_id,
    agency_name, agency_province, enterprise_id, name, province_code, province_zh, province_en,
    risk_score, band, risk_year (its worst year in the period, as on every page), flagged (band
    critical or high), years (list), first_period, last_period, months, copied_months,
    copy_partners (list), batch_months, batch_date, batch_years (years with at least
    scoring.BATCH_MIN_MONTHS months on one test date), run_reports (reports numbered on from the
    previous month, counted in years with at least scoring.BATCH_MIN_MONTHS of them), verified_years,
    flagged_years (years served whose own band is critical or high), passed_flagged_years,
    understated_passes, understated_years (list), base_rate (share of the view's enterprises
    flagged), view_enterprises. Clients outside the scope never appear, so neither does an agency
    that serves none in it."""
    cte, params = _agency_years(scope, flt)
    rc, rparams = _risk_years(flt)
    ywhere, yparams = year_where(flt, "c.year")
    score = score_sql("c")
    n = scoring.BATCH_MIN_MONTHS
    sql = f"""
        {cte}, {rc},
        yb AS (SELECT c.enterprise_id, c.year, {band_sql(score)} AS band
               FROM risk_components c JOIN se USING (enterprise_id) WHERE c.run_id = ? AND {ywhere}),
        {_VIEW_BASE},
        cl AS (SELECT ay.kind, ay.agency_id, ay.enterprise_id,
                      list(ay.year ORDER BY ay.year) AS years, min(ay.first_period) AS first_period,
                      max(ay.last_period) AS last_period, sum(ay.months)::BIGINT AS months,
                      sum(ay.copied_months)::BIGINT AS copied_months,
                      coalesce(list_sort(list_distinct(flatten(list(ay.copy_partners)
                                                               FILTER (WHERE ay.copy_partners IS NOT NULL)))),
                               []::VARCHAR[]) AS copy_partners,
                      max(ay.batch_months) AS batch_months, arg_max(ay.batch_date, ay.batch_months) AS batch_date,
                      count(*) FILTER (WHERE ay.batch_months >= {n}) AS batch_years,
                      coalesce(sum(ay.consecutive_reports) FILTER (WHERE ay.consecutive_reports >= {n}), 0)::BIGINT
                          AS run_reports,
                      count(ay.passed) AS verified_years,
                      count(*) FILTER (WHERE yb.band IN {_FLAGGED_BANDS}) AS flagged_years,
                      count(*) FILTER (WHERE yb.band IN {_FLAGGED_BANDS} AND ay.passed) AS passed_flagged_years,
                      count(*) FILTER (WHERE ay.understated) AS understated_passes,
                      coalesce(list(ay.year ORDER BY ay.year) FILTER (WHERE ay.understated), []::INTEGER[])
                          AS understated_years
               FROM ay LEFT JOIN yb USING (enterprise_id, year)
               WHERE ?::VARCHAR IS NULL OR ay.agency_id = ?
               GROUP BY ALL)
        SELECT cl.kind, cl.agency_id, a.name AS agency_name, a.province_code AS agency_province,
               cl.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               rc.risk_score, rc.band, rc.risk_year, coalesce(rc.band IN {_FLAGGED_BANDS}, FALSE) AS flagged,
               cl.* EXCLUDE (kind, agency_id, enterprise_id), base.base_rate, base.view_enterprises
        FROM cl JOIN se USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        JOIN provinces pr ON pr.code = se.province_code
        LEFT JOIN agencies a ON a.agency_id = cl.agency_id LEFT JOIN rc USING (enterprise_id) CROSS JOIN base
        ORDER BY cl.kind, cl.agency_id, rc.risk_score DESC NULLS LAST, cl.enterprise_id"""
    return fetch_df(con, sql, [*params, *rparams, flt.run_id, *yparams, agency_id, agency_id])


def agency_patterns(con, scope: Scope, flt: Filters = NO_FILTERS, agency_id: str | None = None) -> pd.DataFrame:
    """The same critical or high rule at several clients of one agency in one year (its hand, not
    the clients' luck, when the rule is rare): one row per agency (all, or the one `agency_id` names),
    year and rule with at least one such client: kind, agency_id, year, rule_id, clients (its clients
    with the rule that year in the run flt.run_id), members (their ids), served (its clients that
    year), rate (share of the view's client-years of that year with the rule)."""
    links, params = _agency_links(scope, flt)
    sql = f"""
        {links},
        ly AS (SELECT DISTINCT kind, agency_id, enterprise_id, year FROM link),
        hr AS (SELECT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year, h.rule_id
               FROM rule_hits h JOIN se USING (enterprise_id) WHERE h.run_id = ? AND h.severity IN {_SERIOUS}
               GROUP BY ALL),
        ey AS (SELECT year, count(DISTINCT enterprise_id) AS n FROM ly GROUP BY ALL),
        rate AS (SELECT hr.year, hr.rule_id, count(*) / any_value(ey.n) AS rate
                 FROM hr SEMI JOIN (SELECT DISTINCT enterprise_id, year FROM ly) USING (enterprise_id, year)
                 JOIN ey USING (year) GROUP BY ALL),
        served AS (SELECT kind, agency_id, year, count(*) AS served FROM ly GROUP BY ALL)
        SELECT ly.kind, ly.agency_id, ly.year, hr.rule_id, count(*) AS clients,
               list(ly.enterprise_id ORDER BY ly.enterprise_id) AS members, any_value(served.served) AS served,
               any_value(rate.rate) AS rate
        FROM ly JOIN hr USING (enterprise_id, year) JOIN served USING (kind, agency_id, year)
        JOIN rate USING (year, rule_id)
        WHERE ?::VARCHAR IS NULL OR ly.agency_id = ?
        GROUP BY ly.kind, ly.agency_id, ly.year, hr.rule_id
        ORDER BY ly.kind, ly.agency_id, ly.year, hr.rule_id"""
    return fetch_df(con, sql, [*params, flt.run_id, agency_id, agency_id])


def agency_test_dates(con, scope: Scope, flt: Filters = NO_FILTERS, agency_id: str | None = None) -> pd.DataFrame:
    """Per lab (all, or the one `agency_id` names), test date and tested month: agency_id, test_date,
    period, client_months (its clients' months of that period tested that day), clients (names, at
    most 5), batch (some client has at least scoring.BATCH_MIN_MONTHS months of one year on that
    date), date_client_months (client-months on that test date, all periods). Honest monthly testing
    is a diagonal of dates a few weeks after each month; a batch is a column of many months on one
    date."""
    links, params = _agency_links(scope, flt)
    sql = f"""
        {links},
        t AS (SELECT pm.lab_id AS agency_id, pm.test_date, pm.period, pm.enterprise_id,
                     count(*) OVER (PARTITION BY pm.lab_id, pm.enterprise_id, pm.year, pm.test_date) AS same_date
              FROM pm WHERE pm.lab_id IS NOT NULL AND pm.test_date IS NOT NULL
                AND (?::VARCHAR IS NULL OR pm.lab_id = ?))
        SELECT t.agency_id, t.test_date, t.period, count(*) AS client_months,
               list(e.name ORDER BY e.name)[1:5] AS clients, max(t.same_date) >= ? AS batch,
               (sum(count(*)) OVER (PARTITION BY t.agency_id, t.test_date))::BIGINT AS date_client_months
        FROM t JOIN enterprises e USING (enterprise_id)
        GROUP BY t.agency_id, t.test_date, t.period
        ORDER BY t.agency_id, t.test_date, t.period"""
    return fetch_df(con, sql, [*params, agency_id, agency_id, scoring.BATCH_MIN_MONTHS])


def agency_busiest_dates(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per lab, the test date carrying most client-months in the period: agency_id,
    max_same_test_date (client-months tested that day), busiest_date, busiest_clients (distinct
    clients among them)."""
    links, params = _agency_links(scope, flt)
    sql = f"""
        {links},
        d AS (SELECT lab_id AS agency_id, test_date, count(*) AS n, count(DISTINCT enterprise_id) AS k FROM pm
              WHERE lab_id IS NOT NULL AND test_date IS NOT NULL GROUP BY ALL)
        SELECT agency_id, n AS max_same_test_date, test_date AS busiest_date, k AS busiest_clients
        FROM d QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY n DESC, k DESC, test_date) = 1
        ORDER BY agency_id"""
    return fetch_df(con, sql, params)


def run_flagged_years(con, scope: Scope, run_id: str) -> pd.DataFrame:
    """enterprise_id, year, flagged, rules: the enterprise-years of a stored run in the scope with a
    rule hit, whether one is critical or high, and which rules of that severity (rules only: the
    context score built on this must not feed on itself)."""
    cte, params = scoped(scope)
    sql = f"""
        {cte}
        SELECT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year,
               bool_or(h.severity IN {_SERIOUS}) AS flagged,
               coalesce(list(DISTINCT h.rule_id ORDER BY h.rule_id) FILTER (WHERE h.severity IN {_SERIOUS}),
                        []::VARCHAR[]) AS rules
        FROM rule_hits h JOIN se USING (enterprise_id) WHERE h.run_id = ?
        GROUP BY ALL ORDER BY enterprise_id, year"""
    return fetch_df(con, sql, [*params, run_id])


AGENCY_QUERIES = (agency_client_years, agency_clients, agency_patterns, agency_test_dates, agency_busiest_dates)


# ----------------------------------------------------------------- what-if scenarios (core.scenarios)
# Recomputations for pages/7_Scenarios.py. core.scenarios validates every input and passes plain
# values; each query is one statement with every value bound.
#
# Emissions: a scenario marks the coal unit-months whose measured carbon content it distrusts
# (`replaced`); they are recomputed by the contract formula (EMISSIONS_T) at the default carbon
# content of their month (mrv.default_carbon_content). An enterprise-year's obligation before the
# scenario is its verified emissions (the deposits by formula where it has none); after, that plus
# the increase the replacement causes (delta_t). Adding the increase, rather than swapping the
# verified figure for the formula sum, keeps every untouched enterprise-year exactly as it was
# (the two differ by rounding and legitimate verifier corrections of about 1 %). A year whose
# verification the scenario distrusts (`fallback`) falls back to the formula sum itself.

SCENARIO_FUEL = "coal"  # gas carbon content is a fixed factor (mrv.GAS_CC), never tested monthly


def _default_cc(period: str) -> tuple[str, list]:
    """mrv.default_carbon_content of the month `period` as SQL."""
    return (f"(CASE WHEN {period} < ? THEN ? ELSE ? END)",
            [mrv.DEFAULT_CC_2022_FROM, mrv.DEFAULT_CC_2021, mrv.DEFAULT_CC_2022])


def _penalty_prices() -> tuple[str, list]:
    """CTE `px` (year, price_month, priced_month, price): for each emission year of
    mrv.COMPLIANCE_DUE, the month before its deadline and the CEA price that sets the surrender
    penalty: that month's volume-weighted average (the mean close where no volume traded), or,
    while that month is not yet published, the latest month before it (priced_month says which)."""
    years = sorted(mrv.COMPLIANCE_DUE)
    return (
        """due AS (SELECT unnest(?::INTEGER[]) AS year, unnest(?::DATE[]) AS price_month),
        mp AS (SELECT * FROM (SELECT date_trunc('month', date)::DATE AS month,
                                     coalesce(sum(amount_cny) / nullif(sum(volume_t), 0), avg(close)) AS price
                              FROM market_daily GROUP BY ALL) WHERE price IS NOT NULL),
        px AS (SELECT due.year, due.price_month, mp.month AS priced_month, mp.price
               FROM due ASOF LEFT JOIN mp ON due.price_month >= mp.month)""",
        [years, [mrv.penalty_price_month(y) for y in years]],
    )


def _scenario_emissions(scope: Scope, flt: Filters, marks: str, mark_params: list, replaced: str,
                        replaced_params: list, fallback: str, fallback_params: list) -> tuple[str, list]:
    """The emissions recompute shared by the scenarios: `marks` adds CTEs (after `r`), `replaced`
    is a condition on a unit-month `m` of `r`, `fallback` one on an enterprise-year's verification
    `v`. One row per enterprise with reports in the period, the largest increase first (see
    scenario_carbon_default for the columns)."""
    cte, params = scoped_reports(scope, flt)
    cc, cc_params = _default_cc("m.period")
    px, px_params = _penalty_prices()
    sql = f"""
        {cte}{marks},
        mk AS (SELECT m.*, coalesce(m.fuel_type = '{SCENARIO_FUEL}' AND m.carbon_content_source = 'measured'
                                    AND ({replaced}), FALSE) AS replaced
               FROM r m),
        sub AS (SELECT m.* REPLACE (CASE WHEN m.replaced THEN {cc} ELSE m.carbon_content END AS carbon_content)
                FROM mk m),
        ey AS (SELECT m.enterprise_id, m.province_code, m.year, sum(m.emissions_t) AS computed_t,
                      coalesce(sum({EMISSIONS_T} - m.emissions_t) FILTER (WHERE m.replaced), 0) AS delta_t,
                      count(*) FILTER (WHERE m.replaced) AS replaced_months
               FROM sub m GROUP BY ALL),
        {px},
        y AS (SELECT ey.*, v.verified_t, a.allocated_t, px.price,
                     coalesce(v.verified_t IS NOT NULL AND ({fallback}), FALSE) AS fallback,
                     coalesce(v.verified_t, ey.computed_t) AS before_t
              FROM ey LEFT JOIN verifications v ON v.enterprise_id = ey.enterprise_id AND v.year = ey.year
              LEFT JOIN allocations a ON a.enterprise_id = ey.enterprise_id AND a.year = ey.year
              LEFT JOIN px ON px.year = ey.year),
        z AS (SELECT y.*, CASE WHEN fallback THEN computed_t + delta_t ELSE before_t + delta_t END AS after_t FROM y),
        p AS (SELECT z.*, greatest(before_t - allocated_t, 0) AS short_before,
                     greatest(after_t - allocated_t, 0) AS short_after,
                     CASE WHEN after_t > before_t THEN (after_t - before_t) * price END AS gains
              FROM z)
        SELECT p.enterprise_id, e.name, p.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               count(*) AS years, sum(p.replaced_months) AS replaced_months,
               count(*) FILTER (WHERE p.fallback) AS fallback_years,
               sum(p.computed_t) AS computed_t, sum(p.computed_t + p.delta_t) AS recomputed_t,
               sum(p.verified_t) AS verified_t, sum(p.allocated_t) AS allocated_t,
               sum(p.before_t) AS emissions_before_t, sum(p.after_t) AS emissions_after_t,
               sum(p.allocated_t - p.before_t) AS gap_before_t, sum(p.allocated_t - p.after_t) AS gap_after_t,
               sum(p.short_before) AS shortfall_before_t, sum(p.short_after) AS shortfall_after_t,
               coalesce(sum(greatest(p.short_after - p.short_before, 0) * p.price), 0) * ? AS penalty_low_cny,
               coalesce(sum(greatest(p.short_after - p.short_before, 0) * p.price), 0) * ? AS penalty_high_cny,
               coalesce(sum(CASE WHEN p.gains >= ? THEN p.gains * ? ELSE ? END) FILTER (WHERE p.gains IS NOT NULL), 0)
                   AS fine_low_cny,
               coalesce(sum(CASE WHEN p.gains >= ? THEN p.gains * ? ELSE ? END) FILTER (WHERE p.gains IS NOT NULL), 0)
                   AS fine_high_cny,
               bool_and(p.price IS NOT NULL OR p.after_t <= p.before_t) AS priced
        FROM p JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = p.province_code
        GROUP BY ALL
        ORDER BY sum(p.after_t) - sum(p.before_t) DESC, p.enterprise_id"""
    (lo, hi), (glo, ghi), (flo, fhi) = (mrv.SURRENDER_PENALTY_MULTIPLE, mrv.FALSIFICATION_GAINS_MULTIPLE,
                                        mrv.FALSIFICATION_FIXED_CNY)
    floor = mrv.FALSIFICATION_GAINS_FLOOR_CNY
    return sql, [*params, *mark_params, *replaced_params, *cc_params, *px_params, *fallback_params,
                 lo, hi, floor, glo, flo, floor, ghi, fhi]


def scenario_carbon_default(con, scope: Scope, flt: Filters = NO_FILTERS, rule_ids: tuple[str, ...] = (),
                            below: float | None = None) -> pd.DataFrame:
    """What if measured coal carbon content were replaced by the default where one of `rule_ids`
    fired in the stored run flt.run_id (a monthly hit: that month; a yearly hit: that year; on its
    unit, or on every unit where the hit names none), or where it lies below `below` tC/GJ?

    One row per enterprise with reports in the period, the largest increase first: enterprise_id,
    name, province_code, province_zh, province_en, years, replaced_months, fallback_years,
    computed_t (deposits by formula), recomputed_t (the formula with the replaced carbon content),
    verified_t, allocated_t, emissions_before_t / emissions_after_t (the obligation, see above),
    gap_before_t / gap_after_t (allocated - obligation; negative is a shortfall),
    shortfall_before_t / shortfall_after_t (summed per year), penalty_low_cny / penalty_high_cny
    (surrender penalty on the shortfall increase: 5 / 10 x the month-before-deadline price),
    fine_low_cny / fine_high_cny (falsified-data fine if the increase were proven understated:
    5 / 10 x the gains, or 500k / 2M CNY when the gains are under 500k), priced (every increase
    had a price)."""
    # The hits expanded to the unit-months they flag (a few thousand keys), then one equality look-up
    # per unit-month: a search with the OR conditions inside took 2.5x as long.
    marks = """,
        fh AS (SELECT DISTINCT h.enterprise_id, h.unit_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year,
                      CASE WHEN length(h.period) = 7 THEN TRY_CAST(right(h.period, 2) AS INTEGER) END AS month
               FROM rule_hits h WHERE h.run_id = ? AND list_contains(?::VARCHAR[], h.rule_id)),
        fk AS (SELECT DISTINCT su.unit_id, make_date(fh.year, mo.m, 1) AS period
               FROM fh JOIN su ON su.enterprise_id = fh.enterprise_id AND (fh.unit_id IS NULL OR fh.unit_id = su.unit_id)
               JOIN (SELECT unnest(range(1, 13)) AS m) mo ON fh.month IS NULL OR mo.m = fh.month)"""
    replaced = ("m.carbon_content < ?::DOUBLE "
                "OR EXISTS (SELECT 1 FROM fk WHERE fk.unit_id = m.unit_id AND fk.period = m.period)")
    sql, params = _scenario_emissions(scope, flt, marks, [flt.run_id, list(rule_ids)], replaced,
                                      [below], "FALSE", [])
    return fetch_df(con, sql, params)


def scenario_unreliable_agencies(con, scope: Scope, flt: Filters = NO_FILTERS, labs: tuple[str, ...] = (),
                                 consultants: tuple[str, ...] = (), verifiers: tuple[str, ...] = ()) -> pd.DataFrame:
    """What if every report from these labs, consultants and verifiers were unreliable? Measured
    coal carbon content is replaced by the default in the months a lab tested, in every month of a
    consultant's clients, and in every month of a year a verifier verified; those verified years
    fall back to the formula sum at the replaced carbon content. Columns as scenario_carbon_default."""
    marks = """,
        cc AS (SELECT enterprise_id FROM enterprises WHERE list_contains(?::VARCHAR[], consultant_id)),
        vy AS (SELECT enterprise_id, year FROM verifications WHERE list_contains(?::VARCHAR[], verifier_id))"""
    replaced = ("list_contains(?::VARCHAR[], m.lab_id) OR m.enterprise_id IN (SELECT enterprise_id FROM cc) "
                "OR EXISTS (SELECT 1 FROM vy WHERE vy.enterprise_id = m.enterprise_id AND vy.year = m.year)")
    sql, params = _scenario_emissions(scope, flt, marks, [list(consultants), list(verifiers)], replaced,
                                      [list(labs)], "list_contains(?::VARCHAR[], v.verifier_id)", [list(verifiers)])
    return fetch_df(con, sql, params)


def scenario_penalty_prices(con) -> pd.DataFrame:
    """year, price_month (the month before the compliance deadline), priced_month (the month whose
    price is used: that month, or the latest published before it), price (CNY/t): the basis of the
    surrender penalty per emission year (mrv.COMPLIANCE_DUE, table market_daily)."""
    px, params = _penalty_prices()
    return fetch_df(con, f"WITH {px} SELECT * FROM px ORDER BY year", params)


def scenario_risk_ranking(con, scope: Scope, flt: Filters = NO_FILTERS, rule_weights: tuple = (),
                          z_floor: float = scoring.MODEL_Z_FLOOR, z_full: float = scoring.MODEL_Z_FULL,
                          min_percentile: float = 0.0, weights: tuple[float, ...] | None = None,
                          labs: tuple[str, ...] = (), consultants: tuple[str, ...] = (),
                          verifiers: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every assessed enterprise of the stored run flt.run_id, scored before (the stored components,
    default weights, as on every page) and after a what-if, each on its worst year in the period:

    - rules: recomputed from the run's rule hits when `rule_weights` ((rule_id, weight) pairs)
      overrides any rule's severity weight (core.scoring.SEVERITY_WEIGHT for the others);
    - model: recomputed from the stored scores when the z floor / full scale or `min_percentile`
      (only rows at or above that percentile count) differ from core.risk's;
    - context: 1 for the years an enterprise was a client of one of `labs` (a year it had a report
      from it), `consultants` (every year) or `verifiers` (a year it verified);
    - weights: the four weights in scoring.COMPONENTS order (divided by their sum here).

    Columns: enterprise_id, name, province_code, province_zh, province_en, score_before,
    band_before, rank_before, year_before, score_after, band_after, rank_after, year_after,
    rules_after, model_after, context_after (of the worst year after), client, confirmed (a
    confirmed case label in the period's years). Ranks: 1 = highest risk, ties by enterprise id;
    scores are rounded to 6 decimals so that float noise cannot reorder equal scores."""
    cte, params = scoped_reports(scope, flt)
    ywhere, yparams = year_where(flt, "c.year")
    lwhere, lparams = year_where(flt, "TRY_CAST(left(l.period, 4) AS INTEGER)")
    w = list(weights) if weights is not None else [scoring.DEFAULT_WEIGHTS[k] for k in scoring.COMPONENTS]
    rules_changed = bool(rule_weights)
    model_changed = (z_floor, z_full, min_percentile) != (scoring.MODEL_Z_FLOOR, scoring.MODEL_Z_FULL, 0.0)
    is_client = ("EXISTS (SELECT 1 FROM cl WHERE cl.enterprise_id = c.enterprise_id "
                 "AND (cl.year IS NULL OR cl.year = c.year))")
    sql = f"""
        {cte},
        sw AS (SELECT unnest(?::VARCHAR[]) AS rule_id, unnest(?::DOUBLE[]) AS w),
        sv AS (SELECT unnest(?::VARCHAR[]) AS severity, unnest(?::DOUBLE[]) AS w),
        rh AS (SELECT DISTINCT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year, h.rule_id, h.severity
               FROM rule_hits h JOIN se USING (enterprise_id) WHERE h.run_id = ?),
        rr AS (SELECT rh.enterprise_id, rh.year, 1 - product(1 - coalesce(sw.w, sv.w, 0)) AS rules
               FROM rh LEFT JOIN sw USING (rule_id) LEFT JOIN sv USING (severity) GROUP BY ALL),
        mz AS (SELECT s.enterprise_id, year(s.period) AS year, max(s.score) AS z
               FROM model_scores s JOIN se USING (enterprise_id)
               WHERE s.run_id = ? AND s.percentile >= ? GROUP BY ALL),
        cl AS (SELECT DISTINCT enterprise_id, year FROM r WHERE list_contains(?::VARCHAR[], lab_id)
               UNION SELECT e.enterprise_id, NULL FROM se JOIN enterprises e USING (enterprise_id)
                     WHERE list_contains(?::VARCHAR[], e.consultant_id)
               UNION SELECT v.enterprise_id, v.year FROM verifications v JOIN se USING (enterprise_id)
                     WHERE list_contains(?::VARCHAR[], v.verifier_id)),
        cy AS (SELECT c.enterprise_id, c.year, {score_sql('c')} AS score_before,
                      CASE WHEN ? THEN coalesce(rr.rules, 0) ELSE c.rules END AS rules,
                      CASE WHEN ? THEN coalesce(least(greatest((mz.z - ?) / (? - ?), 0), 1), 0) ELSE c.model END
                          AS model,
                      c.motive, CASE WHEN {is_client} THEN 1.0 ELSE c.context END AS context,
                      {is_client} AS client
               FROM risk_components c JOIN se USING (enterprise_id)
               LEFT JOIN rr ON rr.enterprise_id = c.enterprise_id AND rr.year = c.year
               LEFT JOIN mz ON mz.enterprise_id = c.enterprise_id AND mz.year = c.year
               WHERE c.run_id = ? AND {ywhere}
                 AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = c.enterprise_id)),
        sy AS (SELECT cy.*, round(score_before, 6) AS s_before, round(100 * (? * rules + ? * model + ? * motive
                                                                          + ? * context) / ?, 6) AS s_after
               FROM cy),
        en AS (SELECT enterprise_id, max(s_before) AS score_before,
                      first(year ORDER BY s_before DESC, year DESC) AS year_before,
                      max(s_after) AS score_after, first(year ORDER BY s_after DESC, year DESC) AS year_after,
                      first(rules ORDER BY s_after DESC, year DESC) AS rules_after,
                      first(model ORDER BY s_after DESC, year DESC) AS model_after,
                      first(context ORDER BY s_after DESC, year DESC) AS context_after, bool_or(client) AS client
               FROM sy GROUP BY ALL),
        lb AS (SELECT DISTINCT l.enterprise_id FROM case_labels l JOIN se USING (enterprise_id)
               WHERE l.outcome = 'confirmed' AND {lwhere})
        SELECT en.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               en.score_before, {band_sql('en.score_before')} AS band_before,
               row_number() OVER (ORDER BY en.score_before DESC, en.enterprise_id) AS rank_before, en.year_before,
               en.score_after, {band_sql('en.score_after')} AS band_after,
               row_number() OVER (ORDER BY en.score_after DESC, en.enterprise_id) AS rank_after, en.year_after,
               en.rules_after, en.model_after, en.context_after, en.client,
               lb.enterprise_id IS NOT NULL AS confirmed
        FROM en JOIN se USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        JOIN provinces pr ON pr.code = se.province_code LEFT JOIN lb USING (enterprise_id)
        ORDER BY rank_after"""
    pairs = list(rule_weights)
    return fetch_df(con, sql, [
        *params, [r for r, _ in pairs], [float(x) for _, x in pairs],
        list(scoring.SEVERITY_WEIGHT), list(scoring.SEVERITY_WEIGHT.values()), flt.run_id,
        flt.run_id, float(min_percentile), list(labs), list(consultants), list(verifiers),
        rules_changed, model_changed, float(z_floor), float(z_full), float(z_floor), flt.run_id, *yparams,
        *[float(x) for x in w], float(sum(w)), *lparams])


def saved_scenarios(con, scope: Scope) -> pd.DataFrame:
    """The saved what-if scenarios a user of `scope` may list (those saved inside it), newest
    first: scenario_id, name, kind, params (JSON), created_at, data_version, scope, filters."""
    if scope.provinces is None:
        where, params = "TRUE", []
    else:
        where, params = "scope <> 'national' AND list_has_all(?::VARCHAR[], string_split(scope, ','))", \
            [sorted(scope.provinces)]
    return fetch_df(con, f"SELECT * FROM scenarios WHERE {where} ORDER BY created_at DESC, scenario_id", params)


def save_scenario(con, row: list) -> None:
    """Insert a saved scenario (scenario_id, name, kind, params, created_at, data_version, scope,
    filters), or rename it and refresh its time and data version when its id is stored already."""
    cur = con.cursor()
    try:
        cur.execute(
            "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scenario_id) DO UPDATE SET "
            "name = excluded.name, created_at = excluded.created_at, data_version = excluded.data_version", row)
    finally:
        cur.close()


def scenario_row(con, scenario_id: str) -> pd.DataFrame:
    """The stored scenario of `scenario_id` (empty when there is none)."""
    return fetch_df(con, "SELECT * FROM scenarios WHERE scenario_id = ?", [scenario_id])


# Reads of a stored run (flagged_rows) take the run id and are cached by core/ui/lab.py.
# The cache wrapper in core/ui calls queries by name: scoped ones get the scope, the
# others (load metadata, row counts) are national by nature.
SCOPED = {
    f.__name__: f
    for f in (national_headline, emissions_by_year, measured_share_by_year, deposit_timeliness_by_year,
              emissions_by_province, enterprise_directory, enterprise_risk, risk_by_province, risk_by_year,
              agency_flag_rates, flag_heatmap, *DOSSIER_QUERIES, *AGENCY_QUERIES)
}
UNSCOPED = {f.__name__: f for f in (data_status, table_counts, load_history)}
# Page queries with no province but honouring the filters' period (the published market).
FILTERED = {f.__name__: f for f in (market_by_month, market_daily_by_method)}
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
