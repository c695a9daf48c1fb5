"""Risk as the pages show it: enterprises by risk with their worst year, provinces, years, the
enterprise x month heatmap of rule hits, agencies' flag rates, and a run's flagged rows.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import (
    SEVERITY_RANK,
    band_sql,
    page_query,
    period_where,
    risk_years,
    scope_where,
    scoped,
    scoped_reports,
    score_sql,
    year_where,
)


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
@page_query("scoped")
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
    rc, rparams = risk_years(flt)
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


@page_query("scoped")
def risk_by_province(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Every province of the market (all 32 tiles, scoped ones only with data): province_code,
    name_zh, name_en, abbr_zh, tile_row, tile_col, in_scope, enterprises, assessed, critical,
    high, medium, low, flagged (critical + high), max_risk, mean_risk, emissions_t."""
    cte, params = scoped_reports(scope, flt)
    rc, rparams = risk_years(flt)
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


@page_query("scoped")
def risk_by_year(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """year, band, enterprises: how many enterprises fall in each band each year (every year's
    own score, not the worst year), for the trend chart and the headline; enterprises_before: the
    same band the year before (null when that year has no scores); months, first_month, last_month:
    the months the year's scores rest on (its distinct months reported by these enterprises, whatever
    the period filter: a year is scored on all of its reports).

    Only years with monthly reports in the view: an assessment also scores the years in which only
    a trading rule fired (trades run months past the last report), and a "2026" bar beside reports
    that end in December 2025 would be read as a year of reports."""
    cte, params = scoped_reports(scope, flt)
    score = score_sql("c")
    sql = f"""
        {cte},
        ym AS (SELECT year(m.period) AS year, count(DISTINCT m.period) AS months, min(m.period) AS first_month,
                      max(m.period) AS last_month
               FROM monthly_reports m JOIN su USING (unit_id)
               WHERE year(m.period) IN (SELECT DISTINCT year FROM r) GROUP BY ALL),
        c AS (SELECT c.year, {band_sql(score)} AS band, count(*) AS enterprises
              FROM risk_components c JOIN se USING (enterprise_id)
              WHERE c.run_id = ? AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = c.enterprise_id)
              GROUP BY ALL),
        k AS (SELECT year, band FROM c UNION SELECT year + 1, band FROM c)
        SELECT ym.year, k.band, coalesce(now.enterprises, 0) AS enterprises,
               CASE WHEN ym.year - 1 IN (SELECT year FROM c) THEN coalesce(prev.enterprises, 0) END
                   AS enterprises_before,
               ym.months, ym.first_month, ym.last_month
        FROM ym JOIN k USING (year)
        LEFT JOIN c now ON now.year = k.year AND now.band = k.band
        LEFT JOIN c prev ON prev.year = k.year - 1 AND prev.band = k.band
        WHERE ym.year IN (SELECT year FROM c)
        ORDER BY ym.year, k.band"""
    return fetch_df(con, sql, [*params, flt.run_id])


@page_query("scoped")
def flag_heatmap(con, scope: Scope, flt: Filters = NO_FILTERS, limit: int = 40) -> pd.DataFrame:
    """Monthly rule hits of the `limit` highest-risk enterprises that have any in the period, one row
    per enterprise and month with a hit: enterprise_id, name, risk_rank (1 = highest risk),
    risk_score, band, month (DATE, first day), hits (rule hits that month), rules (distinct rule
    ids), max_severity. Annual hits (period 'YYYY') are left out: they have no month."""
    cte, params = scoped(scope, flt)
    rc, rparams = risk_years(flt)
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
