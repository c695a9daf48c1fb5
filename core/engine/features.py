"""Features of the detection engine, per unit-month, per plant-month of lab results, and per
enterprise-year, computed from frames handed in (the store's detection inputs, core.insight.runs
fetches them).

Every deviation is robust (median and MAD), so the few falsified months cannot hide
themselves by moving the reference they are compared with:
- peer deviation: robust z within the peer group (allocation class x capacity band x grid
  region x year), the comparison a provincial reviewer makes first;
- own-history deviation: relative to the unit's (or plant's) own median over all its months;
- consistency: the lab's as-received values brought back to a dry basis with the reported
  total moisture should be as stable as the coal itself (domain.md §2.2 basis conversion);
- report-date signals: one test date for many months, consecutive report numbers;
- copy fingerprints: identical lab results in different months or at different plants.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.contract import mrv
from core.contract.scoring import MIN_HOURS  # noqa: F401  (months below it are not a reference)

MAD_TO_SD = 1.4826
LAB_COLUMNS = ["ncv", "carbon_content", "carbon_ar_pct", "total_moisture_pct", "moisture_ad_pct", "hydrogen_pct",
               "sulfur_pct", "ncv_dry", "c_dry"]
# A copied report repeats every result on it, not just the headline values: seven fields together
# make chance coincidences between honest plants negligible (four collide by chance at national scale).
FINGERPRINT = ["ncv", "carbon_content", "carbon_ar_pct", "total_moisture_pct", "moisture_ad_pct", "hydrogen_pct",
               "sulfur_pct"]
# Alert kinds of core.insight.trading that the rules engine reads (R18), each from this clarity (0-100:
# the alert's score before its size factor - tonnes rank the alert list but do not make a pattern more
# or less true) up: the chains and marked closes are rare and specific; a pre-deadline rush needs a high
# one because ordinary compliance buying is bunched before deadlines too (domain.md §5.3).
SURVEILLANCE_KINDS = {"cycle": 50.0, "marking_close": 50.0, "deadline_concentration": 60.0}
PEER_KEYS = ["unit_class", "capacity_band", "grid_region", "year"]
# Deposit discipline (domain.md §2.3, §6.1): a late month weighs its days late against the time the
# regulator has before relying on it, at most three deposit cycles (by then three later months fell due).
LATE_FULL_DAYS = 90
# Level shifts of carbon content (carbon_level_shifts): both sides of a split hold at least half a year
# of measured months, and the month-to-month noise is taken as at least 0.25 % (a plant reporting the
# same value month after month has none, which would make any split infinitely significant).
SHIFT_MIN_MONTHS = 6
SHIFT_SIGMA_FLOOR = 0.0025

# Numeric features offered to the outlier detectors, with their meaning (shown on screen).
MODEL_FEATURES = {
    "coal_rate_peer_z": "supply coal rate, robust z within peers",
    "coal_rate_own_dev": "supply coal rate vs the unit's own median (relative)",
    "intensity_peer_z": "tCO2 per MWh supplied, robust z within peers",
    "cc_own_dev": "carbon content vs the plant's own median (relative)",
    "cc_peer_z": "carbon content, robust z among measured plants of the year",
    "ncv_dry_own_dev": "dry-basis NCV implied by the reported moisture vs own median (relative)",
    "moisture_own_diff": "total moisture vs the plant's own median (points)",
    "cc_mom": "carbon content change against the previous month (relative)",
    "load_factor": "load factor",
    "hours_share": "operating hours / hours in the month",
}


def robust_z(x: pd.Series, groups: list[pd.Series] | None = None, mask: pd.Series | None = None) -> pd.Series:
    """(x - median) / (1.4826 MAD) within groups; the reference uses only rows in `mask`.
    A zero MAD (constant group) falls back to 1 % of the median so the z stays finite."""
    ref = x.where(mask) if mask is not None else x
    if groups:
        g = ref.groupby(groups, dropna=False)
        med = g.transform("median")
        mad = (ref - med).abs().groupby(groups, dropna=False).transform("median")
    else:
        med = pd.Series(ref.median(), index=x.index)
        mad = pd.Series((ref - med).abs().median(), index=x.index)
    scale = (mad * MAD_TO_SD).where(mad > 0, med.abs() * 0.01).replace(0, np.nan)
    return (x - med) / scale


def _own_median(x: pd.Series, key: pd.Series, mask: pd.Series | None = None) -> pd.Series:
    ref = x.where(mask) if mask is not None else x
    return ref.groupby(key).transform("median")


@dataclass
class Features:
    unit_months: pd.DataFrame  # one row per deposited unit-month
    plant_months: pd.DataFrame  # one row per enterprise-month with measured coal lab results
    enterprise_years: pd.DataFrame
    missing: pd.DataFrame  # unit-months missing inside a unit's deposit span
    related_trades: pd.DataFrame
    # market-surveillance alerts (core.insight.trading.scan) of the kinds the rules use (SURVEILLANCE_KINDS)
    surveillance: pd.DataFrame | None = None

    def model_matrix(self, columns: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """The unit-month matrix for the detectors: NaN -> 0 (no deviation), constant and
        near-duplicate columns dropped (they break PCA and carry no information)."""
        cols = list(columns or MODEL_FEATURES)
        unknown = set(cols) - set(MODEL_FEATURES)
        if unknown:
            raise ValueError(f"unknown features: {', '.join(sorted(unknown))}")
        X = self.unit_months[cols].astype(float).replace([np.inf, -np.inf], np.nan).fillna(0.0)
        X = X.clip(-50, 50)  # a deviation beyond 50 robust SDs tells nothing more
        keep = [c for c in cols if X[c].std() > 1e-12]
        corr = X[keep].corr().abs() if len(keep) > 1 else pd.DataFrame()
        kept: list[str] = []
        for c in keep:
            if all(corr.loc[c, k] < 0.999 for k in kept):
                kept.append(c)
        return X[kept].to_numpy(dtype=np.float64), kept


def build(unit_months: pd.DataFrame, enterprise_years: pd.DataFrame, missing: pd.DataFrame,
          related_trades: pd.DataFrame, surveillance: pd.DataFrame | None = None) -> Features:
    """The features of the frames handed in (core.store.queries: unit_month_inputs,
    enterprise_year_inputs, missing_deposit_months, related_party_trades; surveillance: the
    alerts of core.insight.trading.scan of the kinds in SURVEILLANCE_KINDS)."""
    um = _unit_month_features(unit_months)
    pm = _plant_month_features(um)
    um = um.merge(pm[["enterprise_id", "period", "cc_own_dev", "cc_peer_z", "ncv_dry_own_dev",
                      "moisture_own_diff", "cc_mom"]], on=["enterprise_id", "period"], how="left")
    ey = _enterprise_year_features(enterprise_years, um, pm)
    return Features(um, pm, ey, missing, related_trades, surveillance)


def _unit_month_features(um: pd.DataFrame) -> pd.DataFrame:
    um = um.copy()
    running = um.operating_hours >= MIN_HOURS
    hours_in_month = pd.to_datetime(um.period).dt.days_in_month * 24
    um["hours_share"] = um.operating_hours / hours_in_month
    peers = [um[k] for k in PEER_KEYS]
    um["coal_rate_peer_z"] = robust_z(um.coal_rate, peers, running)
    um["intensity_peer_z"] = robust_z(um.intensity, peers, running)
    um["coal_rate_own_median"] = _own_median(um.coal_rate, um.unit_id, running)
    um["coal_rate_own_dev"] = um.coal_rate / um.coal_rate_own_median - 1
    g = um[running].groupby(PEER_KEYS).coal_rate
    stats = g.quantile([0.05, 0.5, 0.95]).unstack().set_axis(["coal_rate_p5", "coal_rate_p50", "coal_rate_p95"],
                                                                 axis=1)
    return um.merge(stats, left_on=PEER_KEYS, right_index=True, how="left")


def _plant_month_features(um: pd.DataFrame) -> pd.DataFrame:
    """Lab results are per plant and month (one composite coal sample): one row each."""
    lab = um[(um.fuel_type == "coal") & (um.carbon_content_source == "measured")]
    pm = (lab.sort_values(["enterprise_id", "period", "unit_id"])
          .drop_duplicates(["enterprise_id", "period"])
          [["enterprise_id", "province_code", "period", "year", "lab_id", "lab_report_no", "report_series",
            "report_seq", "sample_date", "test_date", "report_date", *LAB_COLUMNS]]
          .reset_index(drop=True))
    e = pm.enterprise_id
    pm["cc_own_median"] = _own_median(pm.carbon_content, e)
    pm["cc_own_dev"] = pm.carbon_content / pm.cc_own_median - 1
    pm["cc_peer_z"] = robust_z(pm.carbon_content, [pm.year])
    pm["ncv_dry_own_median"] = _own_median(pm.ncv_dry, e)
    pm["ncv_dry_own_dev"] = pm.ncv_dry / pm.ncv_dry_own_median - 1
    pm["c_dry_own_dev"] = pm.c_dry / _own_median(pm.c_dry, e) - 1
    pm["moisture_own_median"] = _own_median(pm.total_moisture_pct, e)
    pm["moisture_own_diff"] = pm.total_moisture_pct - pm.moisture_own_median
    prev = pm.groupby("enterprise_id").carbon_content.shift(1)
    consecutive = pm.groupby("enterprise_id").period.diff().dt.days.between(27, 32)
    pm["cc_mom"] = (pm.carbon_content / prev - 1).where(consecutive)
    # How many months of the same plant and year were tested on this month's test date.
    pm["same_test_date_months"] = pm.groupby(["enterprise_id", "year", "test_date"]).period.transform("nunique")
    # Consecutive report numbers: this month's number is the previous month's + 1 (same lab series).
    pm["seq_step"] = pm.groupby(["enterprise_id", "report_series"]).report_seq.diff()
    pm["consecutive_no"] = (pm.seq_step == 1) & consecutive
    pm["numbers_contradict_dates"] = pm.consecutive_no & (_other_reports_between(pm) > 0)
    # Copy fingerprint: the same full set of lab results in another month or at another plant.
    fp = pm[FINGERPRINT].round(6)
    pm["fingerprint"] = fp.groupby(list(fp.columns), dropna=False).ngroup()
    pm["copies"] = pm.groupby("fingerprint").period.transform("size") - 1
    first = pm.sort_values(["period", "enterprise_id"]).drop_duplicates("fingerprint")
    pm = pm.merge(first[["fingerprint", "enterprise_id", "period"]].rename(
        columns={"enterprise_id": "copy_of_enterprise", "period": "copy_of_period"}), on="fingerprint", how="left")
    return pm


def _other_reports_between(pm: pd.DataFrame) -> np.ndarray:
    """For each report, how many reports the same lab dated strictly between the plant's previous
    report and this one. A lab numbers reports as it issues them, so consecutive numbers with
    other clients' reports dated in between mean the numbers or the dates were rewritten."""
    prev = pm.groupby(["enterprise_id", "report_series"]).report_date.shift(1)
    out = np.zeros(len(pm), dtype=np.int64)
    dates = pm.report_date.to_numpy("datetime64[D]")
    for lab, idx in pm.groupby("lab_id").indices.items():
        sorted_dates = np.sort(dates[idx])
        cur, before = dates[idx], prev.to_numpy("datetime64[D]")[idx]
        ok = ~np.isnat(before)
        n = np.searchsorted(sorted_dates, cur, "left") - np.searchsorted(sorted_dates, before, "right")
        out[idx] = np.where(ok, np.maximum(n, 0), 0)
    return out


SHIFT_COLUMNS = ["enterprise_id", "shift_from", "n_before", "n_after", "cc_before", "cc_after", "cc_shift",
                 "shift_z", "ncv_shift", "lab_before", "lab_after"]


def carbon_level_shifts(pm: pd.DataFrame) -> pd.DataFrame:
    """Each plant's step in measured carbon content: the one split of its measured months (in period
    order) into two levels that fits them best, with the step's size and significance.

    The own-median reference of cc_own_dev cannot see a change that holds for most of a plant's months
    (a lab shading its clients from some date on: the median itself is shaded), nor one a few percent
    deep that stays inside the plausible band. Carbon per unit heat is a property of the coal and
    varies little within a coal type (domain.md §3.1), so a level that steps down and stays down is a
    red flag unless the coal changed - which moves its heating value too (the lab report carries the
    NCV "for cross-validation", §2.3). Per plant with at least 2 x SHIFT_MIN_MONTHS measured months,
    over the splits leaving SHIFT_MIN_MONTHS on each side, on log carbon content: the split is the one
    that two levels (the medians before and after) fit best, by least absolute deviations, and its step

        shift = median(after) - median(before),  z = shift / (1.2533 sigma sqrt(1/n_before + 1/n_after)),

    sigma the robust month-to-month noise (1.4826 MAD of the differences / sqrt 2, which one step does
    not move; at least SHIFT_SIGMA_FLOOR), 1.2533 the standard error of a median in SDs. Columns
    SHIFT_COLUMNS: shift_from (first month after the split), cc_shift (relative: cc_after / cc_before
    - 1), shift_z, ncv_shift (the NCV's relative change at the same split), the lab of the last month
    before and of the first month after (a step that comes with a change of lab points at the lab)."""
    rows = []
    m = SHIFT_MIN_MONTHS
    pm = pm.sort_values(["enterprise_id", "period"])
    # plain arrays once: pandas per plant costs more than the arithmetic (2,000 plants at national scale)
    log_cc = np.log(pm["carbon_content"].to_numpy(dtype=float))
    ncv_all = pm["ncv"].to_numpy(dtype=float)
    labs, periods = pm["lab_id"].to_numpy(dtype=object), pm["period"].to_numpy()
    for eid, idx in pm.groupby("enterprise_id", sort=False).indices.items():
        n = len(idx)
        if n < 2 * m:
            continue
        x, ncv = log_cc[idx], ncv_all[idx]
        k = np.arange(m, n - m + 1)
        after = np.arange(n)[None, :] >= k[:, None]
        med_before = _masked_medians(x, ~after, k)
        med_after = _masked_medians(x, after, n - k)
        # where: the split that fits two levels best (least absolute deviations), which dates a step
        # where it is; a z alone would move it earlier while the later median still holds
        cost = np.abs(x[None, :] - np.where(after, med_after[:, None], med_before[:, None])).sum(axis=1)
        j = int(np.argmin(cost))
        sigma = max(MAD_TO_SD * np.median(np.abs(np.diff(x))) / np.sqrt(2), SHIFT_SIGMA_FLOOR)
        z = (med_after[j] - med_before[j]) / (1.2533 * sigma * np.sqrt(1 / k[j] + 1 / (n - k[j])))
        s = int(k[j])
        rows.append((eid, periods[idx[s]], s, n - s, float(np.exp(med_before[j])), float(np.exp(med_after[j])),
                     float(np.exp(med_after[j] - med_before[j]) - 1), float(z),
                     float(np.median(ncv[s:]) / np.median(ncv[:s]) - 1), labs[idx[s - 1]], labs[idx[s]]))
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


def _masked_medians(x: np.ndarray, keep: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The median of x over each row's kept positions (`keep`: rows x len(x), `counts` kept per row):
    one sort with the others pushed to the end (np.nanmedian is ten times slower on many small rows)."""
    srt = np.sort(np.where(keep, x[None, :], np.inf), axis=1)
    rows = np.arange(len(counts))
    return (srt[rows, (counts - 1) // 2] + srt[rows, counts // 2]) / 2


def _enterprise_year_features(ey: pd.DataFrame, um: pd.DataFrame, pm: pd.DataFrame) -> pd.DataFrame:
    ey = ey.copy()
    ey["default_share"] = ey.default_unit_months / ey.coal_unit_months.where(ey.coal_unit_months > 0)
    ey["verification_gap"] = (ey.deposited_t - ey.verified_t) / ey.deposited_t.where(ey.deposited_t > 0)
    ey["allowance_position_t"] = ey.allocated_t - ey.verified_t
    ey["deficit_share"] = (-ey.allowance_position_t / ey.allocated_t.where(ey.allocated_t > 0)).clip(lower=0)
    lab = pm.assign(copied=pm.copies > 0).groupby(["enterprise_id", "year"]).agg(
        max_same_test_date=("same_test_date_months", "max"),
        consecutive_numbers=("consecutive_no", "sum"),
        numbers_contradict_dates=("numbers_contradict_dates", "sum"),
        copied_months=("copied", "sum"),
        measured_months=("period", "nunique"),
    ).reset_index()
    late = um.assign(late=um.late_days > 0).groupby(["enterprise_id", "year"]).agg(
        max_late_days=("late_days", "max"),
        late_months=("late", "sum"),
    ).reset_index()
    ey = ey.merge(lab, on=["enterprise_id", "year"], how="left").merge(late, on=["enterprise_id", "year"], how="left")
    for c in ("max_same_test_date", "consecutive_numbers", "numbers_contradict_dates", "copied_months", "measured_months", "late_months"):
        ey[c] = ey[c].fillna(0).astype(int)
    return ey


def deposit_months(unit_months: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """Every enterprise-month whose data the regulator has to take on trust for a while, with how
    much (以日保月、以月保年, domain.md §6.1: the monthly deposits secure the year; §2.3: each month is
    due 40 days after month end, the year's report by 31 March):

    - a month of the monthly regime (mrv.MONTHLY_DEPOSIT_FROM on) deposited late (late_days > 0, the
      latest of its units) weighs late_days / min(LATE_FULL_DAYS, days from its deposit deadline to
      the year's annual report deadline), at most 1: the nearer a month falls due to the annual report,
      the fewer days late it takes to leave the report resting on it unseen (40 days late weigh 0.44
      for May, due 9 July, and about 0.8 for December, due 9 February); a deposit made after the annual
      report fell due weighs 1 (outstanding);
    - a month with a unit's deposit missing between deposited months (`missing`) weighs 1.

    Columns: enterprise_id, year, period, late_days (NaN when only missing), missing, outstanding
    (not deposited when the annual report fell due: deposited after it, or never), report_due,
    unsecured (0-1)."""
    columns = ["enterprise_id", "year", "period", "late_days", "missing", "outstanding", "report_due", "unsecured"]
    um = unit_months[(unit_months.late_days > 0)
                     & (pd.to_datetime(unit_months.period) >= pd.Timestamp(mrv.MONTHLY_DEPOSIT_FROM))]
    late = um.groupby(["enterprise_id", "period"]).agg(late_days=("late_days", "max"),
                                                      submitted_at=("submitted_at", "max")).reset_index()
    gone = missing[["enterprise_id", "period"]].drop_duplicates().assign(missing=True)
    d = late.merge(gone, on=["enterprise_id", "period"], how="outer")
    if d.empty:
        return pd.DataFrame(columns=columns)
    d["period"] = pd.to_datetime(d.period)
    d["year"] = d.period.dt.year
    d["missing"] = d.missing.astype("boolean").fillna(False).astype(bool)
    d["report_due"] = pd.to_datetime(d.year.map(mrv.annual_report_due))
    deadline = d.period + pd.offsets.MonthEnd(0) + pd.Timedelta(days=mrv.DEPOSIT_DAYS)
    slack = (d.report_due - deadline).dt.days.clip(lower=1)
    basis = np.minimum(slack, LATE_FULL_DAYS)
    after = pd.to_datetime(d.submitted_at).dt.normalize() > d.report_due
    d["outstanding"] = d.missing | after.fillna(False)
    d["unsecured"] = (d.late_days / basis).clip(0, 1).fillna(0.0).where(~d.outstanding, 1.0)
    return d.sort_values(["enterprise_id", "period"]).reset_index(drop=True)[columns]
