"""The SQL every store module shares: scope and filter fragments, the scoped CTEs, the
contract's emission formula, the deposit deadline and the risk score.

Fragments come with their parameters: a fragment is our own text with `?` placeholders and
the values are always bound, never formatted in. The access scope is applied through the
enterprise's province here and nowhere else (`scope_where`, `scoped`).
"""
from __future__ import annotations

import datetime as dt

from core.contract import mrv, scoring
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters

Fragment = tuple[str, list]

# What a page query takes after the connection; Page.query (core/ui/page.py) passes it and caches
# the result per scope, filters, parameters and data version.
PAGE_QUERY_KINDS = {
    "scoped": "scope and filters",
    "unfiltered": "scope only (what the filters themselves offer)",
    "filtered": "filters only (the published market has no province)",
    "national": "nothing (load metadata and row counts are national by nature)",
}


def page_query(kind: str):
    """Mark a store function as a page query of `kind` (PAGE_QUERY_KINDS)."""
    if kind not in PAGE_QUERY_KINDS:
        raise ValueError(f"unknown page-query kind {kind!r}")

    def mark(fn):
        fn.page_query = kind
        return fn
    return mark
TRUE: Fragment = ("TRUE", [])

# The contract's emission formula (DATA_CONTRACT.md), over monthly_reports aliased `m`:
# E = fuel_consumed x NCV x carbon content x oxidation rate (default 0.99) x 44/12, in tCO2.
EMISSIONS_T = (
    "(m.fuel_consumed * m.ncv * m.carbon_content"
    f" * coalesce(m.oxidation_rate, {mrv.OXIDATION_DEFAULT}) * 44.0 / 12.0)"
)


def scope_where(scope: Scope, column: str = "province_code") -> Fragment:
    """A WHERE fragment restricting `column` (a province code) to the scope."""
    if scope.provinces is None:
        return TRUE
    if not scope.provinces:
        return "FALSE", []
    return f"list_contains(?::VARCHAR[], {column})", [sorted(scope.provinces)]


# --- the risk score -----------------------------------------------------------------------

def score_sql(alias: str, weights: dict | None = None) -> str:
    """The composite (core.contract.scoring.score_expression) over a risk_components row `alias`."""
    return scoring.score_expression(weights, alias)


def band_sql(score: str) -> str:
    """The band of a SQL score expression, by scoring.BANDS."""
    cases = " ".join(f"WHEN {score} >= {lo!r} THEN '{name}'" for name, lo in scoring.BANDS[:-1])
    return f"CASE {cases} ELSE '{scoring.BANDS[-1][0]}' END"


def quoted(values) -> str:
    """Our own constants as a SQL list literal: ('critical', 'high')."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Severity rank for "worst of": 0 = critical (scoring.SEVERITIES order); our own constants.
SEVERITY_RANK = "CASE h.severity " + " ".join(
    f"WHEN '{s}' THEN {i}" for i, s in enumerate(scoring.SEVERITIES)) + f" ELSE {len(scoring.SEVERITIES)} END"


# --- deadlines ------------------------------------------------------------------------------

def deposit_deadline_sql(period_col: str = "period") -> str:
    """mrv.deposit_deadline as a SQL expression over a DATE column."""
    annual = " ".join(f"WHEN year({period_col}) = {y} THEN DATE '{d.isoformat()}'"
                      for y, d in mrv.ANNUAL_REPORT_DEADLINE.items())
    return (f"(CASE WHEN {period_col} >= DATE '{mrv.MONTHLY_DEPOSIT_FROM.isoformat()}' "
            f"THEN last_day({period_col}) + INTERVAL {mrv.DEPOSIT_DAYS} DAY {annual} "
            f"ELSE last_day({period_col}) + INTERVAL {mrv.DEPOSIT_DAYS} DAY END)::DATE")


# --- the global filters as WHERE fragments ----------------------------------------------------

def _range(column: str, lo, hi, *, hi_op: str = "<=") -> Fragment:
    """`column` between lo and hi (either may be None = open)."""
    conds, params = [], []
    if lo is not None:
        conds.append(f"{column} >= ?")
        params.append(lo)
    if hi is not None:
        conds.append(f"{column} {hi_op} ?")
        params.append(hi)
    return (" AND ".join(conds) if conds else "TRUE"), params


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def period_where(flt: Filters, column: str) -> Fragment:
    """`column` (a DATE month) inside the period range."""
    return _range(column, flt.period_from, flt.period_to)


def day_where(flt: Filters, column: str) -> Fragment:
    """`column` (a DATE or TIMESTAMP) inside the months of the period range."""
    return _range(column, flt.period_from, _next_month(flt.period_to) if flt.period_to else None, hi_op="<")


def year_where(flt: Filters, column: str) -> Fragment:
    """`column` (a year) inside the years the period range touches."""
    return _range(column, flt.year_from, flt.year_to)


def unit_where(flt: Filters, u: str = "u") -> Fragment:
    """Units aliased `u`: the unit classes and capacity range."""
    conds, params = [], []
    if flt.unit_classes:
        conds.append(f"list_contains(?::VARCHAR[], {u}.unit_class)")
        params.append(list(flt.unit_classes))
    cap, cparams = _range(f"{u}.capacity_mw", None if flt.capacity_min is None else float(flt.capacity_min),
                          None if flt.capacity_max is None else float(flt.capacity_max))
    if cparams:
        conds.append(cap)
        params.extend(cparams)
    return (" AND ".join(conds) if conds else "TRUE"), params


def enterprise_where(flt: Filters, e: str = "e") -> Fragment:
    """Enterprises aliased `e` that the filters keep. Risk bands and rules refer to the
    filters' stored assessment run (`Filters.with_run`); without one, nothing matches them."""
    conds: list[str] = []
    params: list = []

    def add(sql: str, *p) -> None:
        conds.append(sql)
        params.extend(p)

    if flt.provinces:
        add(f"list_contains(?::VARCHAR[], {e}.province_code)", list(flt.provinces))
    if flt.groups:
        add(f"list_contains(?::VARCHAR[], {e}.group_name)", list(flt.groups))
    if flt.consultants:
        add(f"list_contains(?::VARCHAR[], {e}.consultant_id)", list(flt.consultants))
    if flt.unit_classes or flt.capacity_min is not None or flt.capacity_max is not None:
        usql, up = unit_where(flt, "fu")
        add(f"EXISTS (SELECT 1 FROM units fu WHERE fu.enterprise_id = {e}.enterprise_id AND {usql})", *up)
    if flt.labs:
        psql, pp = period_where(flt, "fm.period")
        add("EXISTS (SELECT 1 FROM monthly_reports fm JOIN units fu2 USING (unit_id) "
            f"WHERE fu2.enterprise_id = {e}.enterprise_id AND list_contains(?::VARCHAR[], fm.lab_id) "
            f"AND {psql})", list(flt.labs), *pp)
    if flt.verifiers:
        ysql, yp = year_where(flt, "fv.year")
        add("EXISTS (SELECT 1 FROM verifications fv WHERE fv.enterprise_id = "
            f"{e}.enterprise_id AND list_contains(?::VARCHAR[], fv.verifier_id) AND {ysql})",
            list(flt.verifiers), *yp)
    if flt.needs_run():
        if flt.run_id is None:
            add("FALSE")  # no assessment: nothing can be in a band or have fired a rule
        else:
            if flt.bands:
                ysql, yp = year_where(flt, "fc.year")
                add(f"(SELECT {band_sql('max(' + score_sql('fc') + ')')} FROM risk_components fc "
                    f"WHERE fc.run_id = ? AND fc.enterprise_id = {e}.enterprise_id AND {ysql}) "
                    "IN (SELECT unnest(?::VARCHAR[]))", flt.run_id, *yp, list(flt.bands))
            if flt.rules:
                ysql, yp = year_where(flt, "TRY_CAST(left(fh.period, 4) AS INTEGER)")
                add("EXISTS (SELECT 1 FROM rule_hits fh WHERE fh.run_id = ? AND fh.enterprise_id = "
                    f"{e}.enterprise_id AND list_contains(?::VARCHAR[], fh.rule_id) AND {ysql})",
                    flt.run_id, list(flt.rules), *yp)
    return (" AND ".join(conds) if conds else "TRUE"), params


# --- the scoped CTEs every page query starts from ---------------------------------------------

def scoped(scope: Scope, flt: Filters = NO_FILTERS) -> Fragment:
    """CTEs `se` and `su`: the enterprises and units the scope may see and the filters keep,
    with their province (unit classes and capacity select units as well as enterprises)."""
    where, params = scope_where(scope, "e.province_code")
    ewhere, eparams = enterprise_where(flt, "e")
    uwhere, uparams = unit_where(flt, "u")
    return (
        f"WITH se AS (SELECT e.enterprise_id, e.province_code FROM enterprises e WHERE {where} AND {ewhere}), "
        f"su AS (SELECT u.*, se.province_code FROM units u JOIN se USING (enterprise_id) WHERE {uwhere})",
        [*params, *eparams, *uparams],
    )


def scoped_reports(scope: Scope, flt: Filters = NO_FILTERS) -> Fragment:
    """CTEs `se`, `su` and `r`: the scope's monthly reports in the filtered period with
    enterprise, province, year and emissions computed by the contract formula."""
    cte, params = scoped(scope, flt)
    pwhere, pparams = period_where(flt, "m.period")
    return (
        f"{cte}, r AS (SELECT m.*, su.enterprise_id, su.province_code, year(m.period) AS year, "
        f"{EMISSIONS_T} AS emissions_t FROM monthly_reports m JOIN su USING (unit_id) WHERE {pwhere})",
        [*params, *pparams],
    )


# --- partial years ------------------------------------------------------------------------------
# A yearly figure is only as whole as the months behind it: a period filter (from=2025-06) or the
# data's own last year (reports to August) leaves a year partial. Each yearly query says how many
# months it covers (so charts and headlines can mark it), and gives the same months a year earlier
# from the data, whatever the period filter, so a partial year is compared like for like.

def reported_months(source: str = "r") -> str:
    """CTE `ym` over the reports `source` (a CTE with `year` and `period`, e.g. `r`): per year, months
    (distinct months reported), first_month and last_month (DATE)."""
    return (f"ym AS (SELECT year, count(DISTINCT period) AS months, min(period) AS first_month, "
            f"max(period) AS last_month FROM {source} GROUP BY year)")


def same_months_before(aggregates: str) -> str:
    """CTE `yb` (needs `su` and `r`): for each year of the view, `aggregates` (SQL over the monthly
    reports aliased `m`, e.g. "sum(...) AS computed_t_before") over the same months one year
    earlier, read from the data whatever the period filter; with year (the view's year) and
    months_before (how many of those months the data holds: the comparison is like for like only
    when it equals the view's months)."""
    return f"""yb AS (
        SELECT year(m.period) + 1 AS year, count(DISTINCT m.period) AS months_before, {aggregates}
        FROM monthly_reports m JOIN su USING (unit_id)
        WHERE (m.period + INTERVAL 1 YEAR)::DATE IN (SELECT DISTINCT period FROM r)
        GROUP BY ALL)"""


def risk_years(flt: Filters) -> tuple[str, list]:
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
