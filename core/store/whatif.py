"""What-if scenarios: emissions with default carbon content, unreliable agencies, penalty prices,
the re-weighted risk ranking, and the saved scenarios.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import mrv, scoring
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store import audit
from core.store.db import fetch_df
from core.store.sql import (
    EMISSIONS_T,
    band_sql,
    scoped_reports,
    score_sql,
    year_where,
)

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


def save_scenario(con, row: list, user=None) -> None:
    """Insert a saved scenario (scenario_id, name, kind, params, created_at, data_version, scope,
    filters), or rename it and refresh its time and data version when its id is stored already;
    the audit entry (by `user`, with the name before and after) commits with it."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        before = cur.execute("SELECT name FROM scenarios WHERE scenario_id = ?", [row[0]]).fetchone()
        cur.execute(
            "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scenario_id) DO UPDATE SET "
            "name = excluded.name, created_at = excluded.created_at, data_version = excluded.data_version", row)
        audit.record(cur, user, "scenario_save", row[0], scope=Scope.from_text(row[6]) if row[6] else None,
                     detail={"kind": row[2], "params": row[3], "filters": row[7]},
                     before={"name": before[0]} if before else None, after={"name": row[1]})
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def scenario_row(con, scenario_id: str) -> pd.DataFrame:
    """The stored scenario of `scenario_id` (empty when there is none)."""
    return fetch_df(con, "SELECT * FROM scenarios WHERE scenario_id = ?", [scenario_id])
