"""What changed since the previous briefing: each enterprise's risk now and at a baseline.

Two baselines, both read from stored assessments (core.insight.runs), never recomputed here:
  - the previous assessment: the latest stored run with the same configuration on an earlier
    version of the data (the previous load), compared over the same years of the period;
  - the previous year: the current run's latest year in the period against the year before it
    (read whatever the period filter, as the headline's like-for-like comparison does).
core.insight.changes turns the rows into new, resolved and moving enterprises and the actions.
"""
from __future__ import annotations

import pandas as pd

from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import band_sql, page_query, score_sql, scoped, year_where


@page_query("national")
def previous_assessment(con, run_id: str = "") -> pd.DataFrame:
    """The stored run made with `run_id`'s configuration on the data before it (0 or 1 row):
    run_id, created_at, data_version, and current_created_at (when `run_id` itself was made). The runs of one configuration differ only in the data version
    they were made on, so the previous load's run is the latest of them made earlier."""
    sql = """
        SELECT p.run_id, p.created_at, p.data_version, c.created_at AS current_created_at
        FROM model_runs p JOIN model_runs c
          ON c.run_id = ? AND p.level = c.level AND p.detectors = c.detectors AND p.features = c.features
             AND p.params = c.params AND p.scope = c.scope
        WHERE p.data_version <> c.data_version AND p.created_at < c.created_at
        ORDER BY p.created_at DESC, p.run_id LIMIT 1"""
    return fetch_df(con, sql, [run_id])


@page_query("scoped")
def risk_changes(con, scope: Scope, flt: Filters = NO_FILTERS, before_run: str = "") -> pd.DataFrame:
    """One row per enterprise the scope and filters keep that has a risk score now or at the baseline:
    enterprise_id, name, province_code, province_zh, province_en, score_now, band_now, year_now,
    reasons_now, score_before, band_before, year_before (nulls where the side has no row).

    `before_run` given: now is the worst year in the period of flt.run_id, before the worst year in
    the period of `before_run`. Empty: now is the latest year of flt.run_id in the period, before
    the year before it in the same run; the latest year is one with monthly reports in the view."""
    cte, params = scoped(scope, flt)
    ywhere_now, yparams_now = year_where(flt, "year")
    ywhere_before, yparams_before = year_where(flt, "year")
    score = score_sql("c")
    by_year = not before_run
    sql = f"""
        {cte},
        a AS (SELECT c.enterprise_id, c.year, {score} AS risk_score, c.reasons
              FROM risk_components c JOIN se USING (enterprise_id) WHERE c.run_id = ?),
        b AS (SELECT c.enterprise_id, c.year, {score} AS risk_score
              FROM risk_components c JOIN se USING (enterprise_id) WHERE c.run_id = ?),
        -- the latest year with monthly reports in the view (trades can give a run a later year of context)
        last AS (SELECT max(year) AS y FROM a WHERE {ywhere_now}
                 AND year <= (SELECT year(max(m.period)) FROM monthly_reports m JOIN su USING (unit_id))),
        n AS (SELECT enterprise_id, risk_score AS score_now, year AS year_now, reasons AS reasons_now,
                     row_number() OVER (PARTITION BY enterprise_id ORDER BY risk_score DESC, year DESC) AS k
              FROM a WHERE {ywhere_now} AND (NOT ? OR year = (SELECT y FROM last))),
        p AS (SELECT enterprise_id, risk_score AS score_before, year AS year_before,
                     row_number() OVER (PARTITION BY enterprise_id ORDER BY risk_score DESC, year DESC) AS k
              FROM b WHERE CASE WHEN ? THEN year = (SELECT y FROM last) - 1 ELSE {ywhere_before} END)
        SELECT se.enterprise_id, e.name, se.province_code, pr.name_zh AS province_zh, pr.name_en AS province_en,
               n.score_now, CASE WHEN n.score_now IS NOT NULL THEN {band_sql('n.score_now')} END AS band_now, n.year_now, n.reasons_now,
               p.score_before, CASE WHEN p.score_before IS NOT NULL THEN {band_sql('p.score_before')} END AS band_before, p.year_before
        FROM se JOIN enterprises e USING (enterprise_id) JOIN provinces pr ON pr.code = se.province_code
        LEFT JOIN (SELECT * FROM n WHERE k = 1) n USING (enterprise_id)
        LEFT JOIN (SELECT * FROM p WHERE k = 1) p USING (enterprise_id)
        WHERE (n.enterprise_id IS NOT NULL OR p.enterprise_id IS NOT NULL)
          AND EXISTS (SELECT 1 FROM su WHERE su.enterprise_id = se.enterprise_id)
        ORDER BY se.enterprise_id"""
    return fetch_df(con, sql, [*params, flt.run_id, before_run or flt.run_id, *yparams_now, *yparams_now,
                               by_year, by_year, *yparams_before])
