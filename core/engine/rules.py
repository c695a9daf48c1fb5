"""The rule catalogue: checks a reviewer can read, each tied to a documented red flag.

Every rule is plain data (id, severity, the domain basis) plus one pure function from the
features to its hits; its title and the explanation written from a hit's evidence are words,
kept in the catalogues (core/words/locales/<lang>/rules.toml, `rule.<id>.title` and
`rule.<id>.explain`, read through core.words.labels). A hit names the enterprise, the
period (YYYY-MM for a month, YYYY for a year), the unit where one applies, and the evidence
values the explanation is written from, so every flag on screen says which rule fired and
on what values. Severities follow the grading of EPA's ECMPS checks: critical (data cannot
be trusted), high, medium, info.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from core.contract import mrv
from core.contract.scoring import BATCH_MIN_MONTHS, SEVERITIES, SEVERITY_WEIGHT, VERIFICATION_GAP  # noqa: F401
from core.engine.features import SURVEILLANCE_KINDS, Features, carbon_level_shifts, deposit_months

HIT_COLUMNS = ["rule_id", "severity", "enterprise_id", "period", "unit_id", "evidence"]

# Thresholds, named so the catalogue and the what-if page can show and vary them.
CC_DROP = 0.025  # carbon content at least 2.5 % below the plant's own median
NCV_DRY_JUMP = 0.05  # implied dry NCV at least 5 % above the plant's own median
COAL_RATE_DROP = 0.10  # supply coal rate at least 10 % below the unit's own median
MIN_MONTHS = 3  # a pattern must hold for at least this many months of a year
LATE_DAYS_HIGH = 30  # a deposit this late came after the next month's was due: it missed a monthly review
# R19 grades a year by the months its deposits leave unsecured (features.deposit_months): one whole
# month taken on trust is high, a quarter of the year (the annual report rests on nine months) critical.
UNSECURED_HIGH, UNSECURED_CRITICAL = 1.0, 3.0
CC_SWING = 0.04
# R20: a step down in carbon content at least CC_DROP deep that stays down (features.carbon_level_shifts),
# SHIFT_Z robust standard errors below the level before, while the coal's NCV moved less than NCV_SAME.
SHIFT_Z = -4.0
NCV_SAME = 0.05
INTENSITY_Z = -4.0


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    basis: str  # where the red flag is documented (../shared/reference/domain.md)
    check: Callable[[Features], pd.DataFrame]


def _hits(df: pd.DataFrame, evidence: list[str], unit: bool = False) -> pd.DataFrame:
    """Rows (enterprise_id, period, [unit_id], evidence columns) -> hit rows with JSON evidence."""
    if df.empty:
        return pd.DataFrame(columns=["enterprise_id", "period", "unit_id", "evidence"])
    if unit:
        evidence = ["unit_id", *evidence]
    ev = df[evidence].astype(object).where(df[evidence].notna(), None)
    ev = [json.dumps({k: _plain(v) for k, v in zip(evidence, row)}, ensure_ascii=False)
          for row in ev.itertuples(index=False)]
    return pd.DataFrame({"enterprise_id": df.enterprise_id.to_numpy(), "period": df.period.astype(str).to_numpy(),
                         "unit_id": df.unit_id.to_numpy() if unit else None, "evidence": ev})


def _plain(v):
    if isinstance(v, (np.floating, float)):
        return round(float(v), 6)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(v).date())
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return v


def _ym(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%Y-%m")


def _months_list(s: pd.Series) -> str:
    return ", ".join(sorted(_ym(s).str[5:]))


def _per_year(pm: pd.DataFrame, mask: pd.Series, stats: dict) -> pd.DataFrame:
    """Enterprise-years with at least MIN_MONTHS months matching `mask`, with summary evidence."""
    sel = pm[mask]
    g = sel.groupby(["enterprise_id", "year"])
    out = g.agg(n_months=("period", "nunique"), months=("period", _months_list), **stats).reset_index()
    if out.empty:  # keep the summary columns so callers can filter an empty result
        out = pd.DataFrame(columns=["enterprise_id", "year", "n_months", "months", *stats])
    out = out[out.n_months >= MIN_MONTHS]
    return out.assign(period=out.year.astype(str))


# ----------------------------------------------------------------------------- checks

def batch_test_date(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    sel = pm[pm.same_test_date_months >= BATCH_MIN_MONTHS]
    g = sel.groupby(["enterprise_id", "year", "test_date"])
    out = g.agg(n_months=("period", "nunique"), months=("period", _months_list),
                first_no=("lab_report_no", "min"), last_no=("lab_report_no", "max"),
                lab_id=("lab_id", "first")).reset_index()
    out["test_date"] = out.test_date.astype(str).str[:10]
    return _hits(out.assign(period=out.year.astype(str)), ["n_months", "test_date", "months", "first_no",
                                                           "last_no", "lab_id"])


def numbers_contradict_dates(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    sel = pm[pm.numbers_contradict_dates]
    out = sel.groupby(["enterprise_id", "year"]).agg(
        n_months=("period", "nunique"), months=("period", _months_list), lab_id=("lab_id", "first"),
        first_no=("lab_report_no", "min"), last_no=("lab_report_no", "max")).reset_index()
    out = out[out.n_months >= 2]
    return _hits(out.assign(period=out.year.astype(str)), ["n_months", "months", "lab_id", "first_no", "last_no"])


def consecutive_numbers(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    clients = pm.groupby(["lab_id", "year"]).enterprise_id.transform("nunique")
    out = _per_year(pm, pm.consecutive_no & (clients >= 3),
                    {"lab_id": ("lab_id", "first"), "first_no": ("lab_report_no", "min"),
                     "last_no": ("lab_report_no", "max")})
    out = out[out.n_months >= BATCH_MIN_MONTHS]
    return _hits(out, ["n_months", "months", "lab_id", "first_no", "last_no"])


def copied_lab_values(f: Features) -> pd.DataFrame:
    """Within one plant the repeats are flagged (the first month is the original); between plants
    every plant sharing the report is flagged, as nothing tells which one holds the original."""
    pm = f.plant_months
    copied = pm[pm.copies > 0]
    shared = copied.groupby("fingerprint").enterprise_id.transform("nunique") > 1
    first = (copied.copy_of_enterprise == copied.enterprise_id) & (copied.copy_of_period == copied.period)
    sel = copied[shared | ~first]
    other = copied[["fingerprint", "enterprise_id", "period"]].rename(
        columns={"enterprise_id": "other_enterprise", "period": "other_period"})
    pairs = sel.merge(other, on="fingerprint")
    pairs = pairs[(pairs.other_enterprise != pairs.enterprise_id) | (pairs.other_period != pairs.period)]
    pairs = pairs.sort_values(["enterprise_id", "period", "other_period"]).drop_duplicates(["enterprise_id", "period"])
    pairs["source"] = pairs.other_enterprise + " " + _ym(pairs.other_period)
    out = pairs.groupby(["enterprise_id", "year"]).agg(
        n_months=("period", "nunique"), months=("period", _months_list), source=("source", "first"),
        ncv=("ncv", "first"), carbon_content=("carbon_content", "first"),
        moisture=("total_moisture_pct", "first")).reset_index()
    return _hits(out.assign(period=out.year.astype(str)), ["n_months", "months", "source", "ncv", "carbon_content",
                                                           "moisture"])


def carbon_below_band(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    mask = (pm.carbon_content < mrv.CC_BAND[0]) & (pm.cc_own_dev <= -CC_DROP)
    out = _per_year(pm, mask, {"min_cc": ("carbon_content", "min"), "own_median": ("cc_own_median", "first")})
    out["band_low"] = mrv.CC_BAND[0]
    return _hits(out, ["n_months", "months", "min_cc", "own_median", "band_low"])


def carbon_stepped_down(f: Features) -> pd.DataFrame:
    """A plant's carbon content stepped down and stayed down with its coal's heating value unchanged:
    one hit per year of the months after the step (at least MIN_MONTHS of them in that year)."""
    pm = f.plant_months
    sh = carbon_level_shifts(pm)
    sh = sh[(sh.cc_shift <= -CC_DROP) & (sh.shift_z <= SHIFT_Z) & (sh.ncv_shift.abs() < NCV_SAME)]
    sel = pm.merge(sh, on="enterprise_id")
    sel = sel[sel.period >= sel.shift_from]
    out = _per_year(sel, pd.Series(True, index=sel.index), {
        "shift_from": ("shift_from", "first"), "drop": ("cc_shift", "first"), "cc_before": ("cc_before", "first"),
        "cc_after": ("cc_after", "first"), "months_after": ("n_after", "first"), "z": ("shift_z", "first"),
        "ncv_change": ("ncv_shift", "first"), "lab_before": ("lab_before", "first"),
        "lab_after": ("lab_after", "first")})
    if len(out):  # a month measured before April 2022 may name no lab
        out = out.assign(shift_from=_ym(out.shift_from), lab_before=out.lab_before.fillna("—"),
                         lab_after=out.lab_after.fillna("—"))
    return _hits(out, ["n_months", "months", "shift_from", "drop", "cc_before", "cc_after", "months_after", "z",
                       "ncv_change", "lab_before", "lab_after"])


def moisture_inconsistent(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    mask = pm.ncv_dry_own_dev >= NCV_DRY_JUMP
    out = _per_year(pm, mask, {"max_moisture": ("total_moisture_pct", "max"),
                               "own_moisture": ("moisture_own_median", "first"),
                               "max_ncv_dry_dev": ("ncv_dry_own_dev", "max"),
                               "min_cc_dev": ("cc_own_dev", "min")})
    return _hits(out, ["n_months", "months", "max_moisture", "own_moisture", "max_ncv_dry_dev", "min_cc_dev"])


def coal_rate_low(f: Features) -> pd.DataFrame:
    um = f.unit_months
    mask = (um.coal_rate_own_dev <= -COAL_RATE_DROP) & (um.operating_hours >= 100)
    sel = um[mask]
    g = sel.groupby(["enterprise_id", "unit_id", "year"])
    out = g.agg(n_months=("period", "nunique"), months=("period", _months_list),
                min_rate=("coal_rate", "min"), own_median=("coal_rate_own_median", "first"),
                peer_p5=("coal_rate_p5", "median"), peer_p50=("coal_rate_p50", "median")).reset_index()
    out = out[out.n_months >= MIN_MONTHS]
    return _hits(out.assign(period=out.year.astype(str)),
                 ["n_months", "months", "min_rate", "own_median", "peer_p5", "peer_p50"], unit=True)


def intensity_low(f: Features) -> pd.DataFrame:
    um = f.unit_months
    mask = (um.intensity_peer_z <= INTENSITY_Z) & (um.operating_hours >= 100)
    sel = um[mask]
    out = sel.groupby(["enterprise_id", "unit_id", "year"]).agg(
        n_months=("period", "nunique"), months=("period", _months_list),
        min_z=("intensity_peer_z", "min"), min_intensity=("intensity", "min")).reset_index()
    out = out[out.n_months >= MIN_MONTHS]
    return _hits(out.assign(period=out.year.astype(str)), ["n_months", "months", "min_z", "min_intensity"],
                 unit=True)


def carbon_swing(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    sel = pm[pm.cc_mom.abs() >= CC_SWING]
    return _hits(sel.assign(period=_ym(sel.period), change=sel.cc_mom), ["change", "carbon_content"])


def verified_below_deposits(f: Features) -> pd.DataFrame:
    ey = f.enterprise_years
    sel = ey[(ey.verification_gap >= VERIFICATION_GAP) & (ey.conclusion == "pass")]
    return _hits(sel.assign(period=sel.year.astype(str)),
                 ["deposited_t", "verified_t", "verification_gap", "verifier_id"])


def verification_failed(f: Features) -> pd.DataFrame:
    ey = f.enterprise_years
    sel = ey[ey.conclusion == "fail"]
    return _hits(sel.assign(period=sel.year.astype(str)), ["reported_t", "verified_t", "verifier_id"])


def _late(f: Features, lo: int, hi: float) -> pd.DataFrame:
    um = f.unit_months
    sel = um[(um.late_days > lo) & (um.late_days <= hi)]
    out = sel.groupby(["enterprise_id", "period"]).agg(late_days=("late_days", "max"),
                                                      submitted_at=("submitted_at", "max")).reset_index()
    out["submitted_at"] = out.submitted_at.astype(str).str[:16]
    return _hits(out.assign(period=_ym(out.period)), ["late_days", "submitted_at"])


def deposit_late(f: Features) -> pd.DataFrame:
    return _late(f, LATE_DAYS_HIGH, np.inf)


def deposit_slightly_late(f: Features) -> pd.DataFrame:
    return _late(f, 0, LATE_DAYS_HIGH)


def deposit_missing(f: Features) -> pd.DataFrame:
    m = f.missing
    out = m.groupby(["enterprise_id", "period"]).agg(units=("unit_id", lambda s: ", ".join(sorted(s)))).reset_index()
    return _hits(out.assign(period=_ym(out.period)), ["units"])


def deposits_unsecured(f: Features) -> pd.DataFrame:
    """以月保年 (domain.md §6.1): the months of a year its deposits leave the regulator to take on
    trust, summed (features.deposit_months: late months weighed by their days late against the time
    left before the annual report, missing or outstanding months in full). The hit's severity is
    graded from that sum: high from UNSECURED_HIGH month, critical from UNSECURED_CRITICAL; a year
    below one month has none (its late months keep their own R09 or R16)."""
    d = deposit_months(f.unit_months, f.missing)
    d = d[d.unsecured > 0]
    out = d.groupby(["enterprise_id", "year"]).agg(
        unsecured=("unsecured", "sum"), late_months=("late_days", "count"), missing_months=("missing", "sum"),
        max_late_days=("late_days", "max"), outstanding=("outstanding", "sum"), months=("period", _months_list),
        report_due=("report_due", "first")).reset_index()
    out = out[out.unsecured >= UNSECURED_HIGH]
    if out.empty:
        return _hits(out, [])
    out = out.assign(unsecured=out.unsecured.round(2), max_late_days=out.max_late_days.fillna(0).astype(int),
                     missing_months=out.missing_months.astype(int), outstanding=out.outstanding.astype(int),
                     report_due=out.report_due.dt.strftime("%Y-%m-%d"))
    hits = _hits(out.assign(period=out.year.astype(str)), ["unsecured", "months", "late_months", "max_late_days",
                                                            "missing_months", "outstanding", "report_due"])
    return hits.assign(severity=np.where(out.unsecured.to_numpy() >= UNSECURED_CRITICAL, "critical", "high"))


def lab_report_late(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    # The lag is a column before the rows are picked: assigning a Series to an empty selection gives
    # it the Series' index, i.e. one hit without enterprise or period per plant-month (issue 13).
    pm = pm.assign(lag_days=(pd.to_datetime(pm.report_date) - (pm.period + pd.offsets.MonthEnd(0))).dt.days)
    sel = pm[(pm.period >= pd.Timestamp("2022-04-01")) & (pm.lag_days > mrv.DEPOSIT_DAYS)]
    sel = sel.assign(report_date=sel.report_date.astype(str).str[:10])
    return _hits(sel.assign(period=_ym(sel.period)), ["lag_days", "report_date", "lab_id"])


def _trade_rule(kind: str) -> Callable[[Features], pd.DataFrame]:
    def check(f: Features) -> pd.DataFrame:
        t = f.related_trades
        sel = t[t.kind == kind].copy()
        sel["period"] = _ym(sel.ts_1)
        sel["counterparty"] = sel.account_a + " ↔ " + sel.account_b
        cols = ["trade_1", "trade_2", "counterparty", "volume_1", "volume_2", "price_1", "price_2", "ref_close"]
        return _hits(sel, cols)
    check.__name__ = kind
    return check


def surveillance_alert(f: Features) -> pd.DataFrame:
    """Market-surveillance alerts (core.insight.trading) of the kinds in features.SURVEILLANCE_KINDS from
    their clarity there (the alert's score before its size factor), one hit per enterprise of the alert
    that is in the features' scope, in the month it began."""

    a = f.surveillance
    if a is None or a.empty:
        return _hits(pd.DataFrame(), [])
    a = a[a.kind.map(SURVEILLANCE_KINDS).le(a.clarity)]
    a = a.assign(enterprise_id=a.enterprises, n_trades=a.trade_ids.map(len)).explode("enterprise_id")
    a = a[a.enterprise_id.isin(set(f.enterprise_years.enterprise_id))]
    a = a.assign(period=_ym(pd.to_datetime(a.first_ts)), first_trade=a.trade_ids.map(lambda t: t[0] if len(t) else None))
    return _hits(a, ["alert_id", "kind", "score", "n_trades", "volume_t", "first_trade"])


CATALOGUE: tuple[Rule, ...] = (
    Rule("R01", "critical", "domain.md §1.2 (Liaoning Dongmei: monthly reports with false dates for one batch), §6.2",
         batch_test_date),
    Rule("R02", "high", "domain.md §1.2 (中碳能投 altered report dates and numbers), §6.3 item 3",
         numbers_contradict_dates),
    Rule("R03", "medium", "domain.md §1.2, §6.2 (one batch given away by numbers)", consecutive_numbers),
    Rule("R04", "critical", "domain.md §6.3 items 1, 2, 5 (forged reports and raw data)", copied_lab_values),
    Rule("R05", "high", "domain.md §3.1 (CC 0.0255-0.0280, stable per coal), §1.2 (carbon results changed)",
         carbon_below_band),
    Rule("R06", "high", "domain.md §1.2 (invented total moisture), §2.2 (basis conversion), §6.3 item 6",
         moisture_inconsistent),
    Rule("R07", "critical", "domain.md §6.3 item 7 (mis-reporting coal burned), §3.2 (coal rates by class)",
         coal_rate_low),
    Rule("R08", "critical", "domain.md §1.2 (SinoCarbon, Qingdao Xinuo: verification as a formality), §6.3 item 4",
         verified_below_deposits),
    # One month late or missing is a lapse a reminder settles; how many months a year is left
    # unsecured, and how close to the annual report, is what a regulator weighs (R19).
    Rule("R09", "medium", "domain.md §2.3 (monthly deposit within 40 days), §6.1", deposit_late),
    Rule("R10", "medium", "domain.md §2.3, §6.1 (以日保月、以月保年)", deposit_missing),
    Rule("R11", "medium", "domain.md §2.3 (CMA/CNAS report within 40 days)", lab_report_late),
    Rule("R12", "medium", "domain.md §3.1 (a unit's carbon content should be stable month to month)",
         carbon_swing),
    Rule("R13", "medium", "domain.md §3.2 (intensity by class), anchors.md (peer bands)", intensity_low),
    Rule("R14", "high", "domain.md §5.3 (related-party transfers), anchors.md (EP3 wash trades)",
         _trade_rule("round_trip")),
    Rule("R15", "high", "domain.md §5.2 (block ±30 %), §5.3 (negotiated intra-group prices)",
         _trade_rule("off_market_group")),
    Rule("R16", "info", "domain.md §2.3", deposit_slightly_late),
    Rule("R17", "info", "domain.md §2.3 (verification)", verification_failed),
    Rule("R18", "high",
         "domain.md §5.3 (related-party transfers, deadline rushes, a thin VWAP close), anchors.md C (SMARTS, EP3)",
         surveillance_alert),
    Rule("R19", "critical", "domain.md §6.1 (以日保月、以月保年), §2.3 (deposit within 40 days, annual report by 31 March)",
         deposits_unsecured),  # graded per hit: high from one unsecured month, critical from three
    Rule("R20", "high", "domain.md §3.1 (carbon per unit heat varies little within a coal type), §1.2 (carbon "
         "results changed; a lab's reports), §2.3 (NCV on the report for cross-validation), §6.3 items 1, 3",
         carbon_stepped_down),
)

RULES = {r.id: r for r in CATALOGUE}


def evaluate(f: Features, rule_ids: list[str] | None = None) -> pd.DataFrame:
    """Run the catalogue (or the named rules) and return every hit, most severe first."""
    frames = []
    for r in CATALOGUE:
        if rule_ids is not None and r.id not in rule_ids:
            continue
        h = r.check(f)
        if len(h):  # a graded rule sets each hit's severity itself; the others all carry the catalogue's
            frames.append(h.assign(rule_id=r.id, severity=h["severity"] if "severity" in h else r.severity))
    if not frames:
        return pd.DataFrame(columns=HIT_COLUMNS)
    hits = pd.concat(frames, ignore_index=True)[HIT_COLUMNS]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return hits.sort_values(["severity", "enterprise_id", "period"], key=lambda s: s.map(order) if s.name ==
                            "severity" else s, kind="stable").reset_index(drop=True)
