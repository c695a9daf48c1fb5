"""Consultants, laboratories and verifiers: their clients per year, patterns, test dates and
busiest dates, and a run's flagged enterprise-years (core.insight.agencies ranks them).

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import scoring
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import (
    EMISSIONS_T,
    band_sql,
    page_query,
    period_where,
    quoted,
    risk_years,
    scoped,
    score_sql,
    year_where,
)


@page_query("scoped")
def agency_flag_rates(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per consultant, lab and verifier: kind, agency_id, name, clients (enterprises in scope
    and filters it served in the period, as _agency_links counts them), flagged_clients
    (critical or high), flagged_share, base_rate (the share over the view's enterprises); most
    flagged clients first. core.agencies.profile adds the evidence and its significance."""
    links, params = _agency_links(scope, flt)
    rc, rparams = risk_years(flt)
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
    its lab, test date, report number and results), `ver` (the period's verifications) and
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
        pm AS (SELECT pu.enterprise_id, m.period, year(m.period) AS year, m.lab_id, m.test_date, m.lab_report_no,
                      m.ncv, m.carbon_content, m.carbon_ar_pct, m.total_moisture_pct, m.moisture_ad_pct,
                      m.hydrogen_pct, m.sulfur_pct
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
        -- each report's series, number and fingerprint, computed once on the plant-months (inside `pm`
        -- DuckDB computed them for all 433k unit-months before the join, and again for each use)
        pe AS MATERIALIZED (
            SELECT enterprise_id, period, year, lab_id, test_date, regexp_replace(lab_report_no, '\\d+$', '') AS series,
                   TRY_CAST(regexp_extract(lab_report_no, '(\\d+)$', 1) AS BIGINT) AS seq, {AGENCY_FINGERPRINT} AS fp
            FROM pm),
        -- deposits of every unit (not only the filtered ones): what the annual report should add up to
        dep AS (SELECT u.enterprise_id, year(m.period) AS year, sum({EMISSIONS_T}) AS computed_t
                FROM monthly_reports m JOIN units u USING (unit_id)
                WHERE u.enterprise_id IN (SELECT enterprise_id FROM ver) GROUP BY ALL),
        -- identical full lab results at two clients of one agency, in months that agency covers
        -- (only fingerprints that two plants share can be copies: a small set, checked first; nearly
        -- every fingerprint is unique, so the repeated ones are picked out before plants are compared)
        dup AS (SELECT fp FROM pe WHERE fp IN (SELECT fp FROM pe WHERE fp IS NOT NULL GROUP BY fp HAVING count(*) > 1)
                GROUP BY fp HAVING min(enterprise_id) < max(enterprise_id)),
        pd AS (SELECT * FROM pe SEMI JOIN dup USING (fp)),
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
               FROM (SELECT lab_id AS agency_id, enterprise_id, year, test_date, count(*) AS n FROM pe
                     WHERE lab_id IS NOT NULL AND test_date IS NOT NULL GROUP BY ALL)
               GROUP BY ALL),
        -- report numbers running on from the client's previous month in the same lab and series (a plant
        -- has one report a month: the previous month's is the one right before it in that series if any)
        cn AS (SELECT 'lab' AS kind, a.lab_id AS agency_id, a.enterprise_id, a.year, count(*) AS consecutive_reports
               FROM pe a JOIN pe b ON b.enterprise_id = a.enterprise_id AND b.period = a.period - INTERVAL 1 MONTH
               WHERE b.lab_id = a.lab_id AND b.series = a.series AND a.seq = b.seq + 1
               GROUP BY ALL),
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


def _client_years(scope: Scope, flt: Filters) -> tuple[str, list]:
    """The CTEs of `_agency_years`, `rc` (risk_years), `yb` (each enterprise-year's band in the run
    flt.run_id) and `base`: what agency_clients and agency_summary count a client-year with."""
    cte, params = _agency_years(scope, flt)
    rc, rparams = risk_years(flt)
    ywhere, yparams = year_where(flt, "c.year")
    score = score_sql("c")
    return (
        f"""{cte}, {rc},
        yb AS (SELECT c.enterprise_id, c.year, {band_sql(score)} AS band
               FROM risk_components c JOIN se USING (enterprise_id) WHERE c.run_id = ? AND {ywhere}),
        {_VIEW_BASE}""",
        [*params, *rparams, flt.run_id, *yparams],
    )


# The clients agency_clients and agency_summary count (`cl`: one row per agency and client): those in
# the scope with a province on the register, with the agency's register entry and the client's risk.
_CLIENT_JOINS = """JOIN se USING (enterprise_id) JOIN enterprises e USING (enterprise_id)
        JOIN provinces pr ON pr.code = se.province_code
        LEFT JOIN agencies a ON a.agency_id = cl.agency_id LEFT JOIN rc USING (enterprise_id) CROSS JOIN base"""


@page_query("scoped")
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


@page_query("scoped")
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
    that serves none in it. The lists are Arrow lists (db.fetch_df arrow_lists): 11k rows of three
    lists each pickle in 3 ms for the page cache instead of 200 ms."""
    cte, params = _client_years(scope, flt)
    n = scoring.BATCH_MIN_MONTHS
    sql = f"""
        {cte},
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
        FROM cl {_CLIENT_JOINS}
        ORDER BY cl.kind, cl.agency_id, rc.risk_score DESC NULLS LAST, cl.enterprise_id"""
    return fetch_df(con, sql, [*params, agency_id, agency_id], arrow_lists=True)


@page_query("scoped")
def agency_summary(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row per consultant, lab and verifier with a client in the scope, filters and period (the
    clients of agency_clients): kind, agency_id, name, province (the agency's own; NULL for an agency
    missing from the register), clients, flagged_clients, base_rate, copy_clients (clients with a
    copied month), batch_clients (clients with a year of at least scoring.BATCH_MIN_MONTHS months on
    one test date), max_batch_months, run_clients (clients with run_reports), run_reports,
    flagged_years, passed_flagged_years, understated_passes (sums over its clients), and for a lab
    the busiest test date of agency_busiest_dates (max_same_test_date, busiest_date, busiest_clients;
    NULL otherwise). The counts core.insight.agencies.profile ranks, in one statement: the three
    queries it was built from recomputed the plant-months each, and 11k client rows were shipped to
    be counted in pandas."""
    cte, params = _client_years(scope, flt)
    n = scoring.BATCH_MIN_MONTHS
    sql = f"""
        {cte}, {_BUSIEST},
        cl AS (SELECT ay.kind, ay.agency_id, ay.enterprise_id, sum(ay.copied_months) > 0 AS copy,
                      max(ay.batch_months) AS batch_months,
                      coalesce(sum(ay.consecutive_reports) FILTER (WHERE ay.consecutive_reports >= {n}), 0)::BIGINT
                          AS run_reports,
                      count(*) FILTER (WHERE yb.band IN {_FLAGGED_BANDS}) AS flagged_years,
                      count(*) FILTER (WHERE yb.band IN {_FLAGGED_BANDS} AND ay.passed) AS passed_flagged_years,
                      count(*) FILTER (WHERE ay.understated) AS understated_passes
               FROM ay LEFT JOIN yb USING (enterprise_id, year)
               GROUP BY ALL),
        ag AS (SELECT cl.kind, cl.agency_id, any_value(a.name) AS name, any_value(a.province_code) AS province,
                      count(*) AS clients, count(*) FILTER (WHERE rc.band IN {_FLAGGED_BANDS}) AS flagged_clients,
                      any_value(base.base_rate) AS base_rate, count(*) FILTER (WHERE cl.copy) AS copy_clients,
                      count(*) FILTER (WHERE cl.batch_months >= {n}) AS batch_clients,
                      max(cl.batch_months) AS max_batch_months,
                      count(*) FILTER (WHERE cl.run_reports > 0) AS run_clients,
                      sum(cl.run_reports)::BIGINT AS run_reports, sum(cl.flagged_years)::BIGINT AS flagged_years,
                      sum(cl.passed_flagged_years)::BIGINT AS passed_flagged_years,
                      sum(cl.understated_passes)::BIGINT AS understated_passes
               FROM cl {_CLIENT_JOINS}
               GROUP BY cl.kind, cl.agency_id)
        SELECT ag.*, busiest.* EXCLUDE (agency_id)
        FROM ag LEFT JOIN busiest USING (agency_id)  -- by id alone, as the profile always joined it
        ORDER BY ag.kind, ag.agency_id"""
    return fetch_df(con, sql, params)


@page_query("scoped")
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


@page_query("scoped")
def agency_test_dates(con, scope: Scope, flt: Filters = NO_FILTERS, agency_id: str | None = None) -> pd.DataFrame:
    """Per lab (all, or the one `agency_id` names), test date and tested month: agency_id, test_date,
    period, client_months (its clients' months of that period tested that day), clients (names, at
    most 5), batch (some client has at least scoring.BATCH_MIN_MONTHS months of one year on that
    date), date_client_months (client-months on that test date, all periods). Honest monthly testing
    is a diagonal of dates a few weeks after each month; a batch is a column of many months on one
    date. `clients` is an Arrow list (db.fetch_df arrow_lists): for every lab, 115k rows of names
    took 3x the query's own time to convert and pickle as numpy arrays."""
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
    return fetch_df(con, sql, [*params, agency_id, agency_id, scoring.BATCH_MIN_MONTHS], arrow_lists=True)


@page_query("scoped")
def agency_busiest_dates(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per lab, the test date carrying most client-months in the period: agency_id,
    max_same_test_date (client-months tested that day), busiest_date, busiest_clients (distinct
    clients among them)."""
    links, params = _agency_links(scope, flt)
    return fetch_df(con, f"{links}, {_BUSIEST} SELECT * FROM busiest ORDER BY agency_id", params)


# CTE `busiest` (needs `pm`): per lab, its test date carrying most client-months (agency_busiest_dates).
_BUSIEST = """busiest AS (
    SELECT agency_id, n AS max_same_test_date, test_date AS busiest_date, k AS busiest_clients
    FROM (SELECT lab_id AS agency_id, test_date, count(*) AS n, count(DISTINCT enterprise_id) AS k FROM pm
          WHERE lab_id IS NOT NULL AND test_date IS NOT NULL GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY n DESC, k DESC, test_date) = 1)"""


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


AGENCY_QUERIES = (agency_client_years, agency_clients, agency_summary, agency_patterns, agency_test_dates,
                  agency_busiest_dates)
