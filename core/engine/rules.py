"""The rule catalogue: checks a reviewer can read, each tied to a documented red flag.

Every rule is plain data (id, severity, bilingual title and explanation, the domain basis)
plus one pure function from the features to its hits. A hit names the enterprise, the
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
from core.engine.features import SURVEILLANCE_KINDS, Features

HIT_COLUMNS = ["rule_id", "severity", "enterprise_id", "period", "unit_id", "evidence"]

# Thresholds, named so the catalogue and the what-if page can show and vary them.
CC_DROP = 0.025  # carbon content at least 2.5 % below the plant's own median
NCV_DRY_JUMP = 0.05  # implied dry NCV at least 5 % above the plant's own median
COAL_RATE_DROP = 0.10  # supply coal rate at least 10 % below the unit's own median
MIN_MONTHS = 3  # a pattern must hold for at least this many months of a year
LATE_DAYS_HIGH = 30
CC_SWING = 0.04
INTENSITY_Z = -4.0


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title_en: str
    title_zh: str
    explain_en: str  # str.format template over the evidence
    explain_zh: str
    basis: str  # where the red flag is documented (../shared/reference/domain.md)
    check: Callable[[Features], pd.DataFrame]

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def explain(self, evidence: dict | str, lang: str) -> str:
        ev = json.loads(evidence) if isinstance(evidence, str) else evidence
        return (self.explain_zh if lang == "zh" else self.explain_en).format(**ev)


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


def lab_report_late(f: Features) -> pd.DataFrame:
    pm = f.plant_months
    lag = (pd.to_datetime(pm.report_date) - (pm.period + pd.offsets.MonthEnd(0))).dt.days
    sel = pm[(pm.period >= pd.Timestamp("2022-04-01")) & (lag > mrv.DEPOSIT_DAYS)].assign(lag_days=lag)
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
    """Market-surveillance alerts (core.trading) of the kinds and scores in features.SURVEILLANCE_KINDS,
    one hit per enterprise of the alert that is in the features' scope, in the month it began."""

    a = f.surveillance
    if a is None or a.empty:
        return _hits(pd.DataFrame(), [])
    a = a[a.kind.map(SURVEILLANCE_KINDS).le(a.score)]
    a = a.assign(enterprise_id=a.enterprises, n_trades=a.trade_ids.map(len)).explode("enterprise_id")
    a = a[a.enterprise_id.isin(set(f.enterprise_years.enterprise_id))]
    a = a.assign(period=_ym(pd.to_datetime(a.first_ts)), first_trade=a.trade_ids.map(lambda t: t[0] if len(t) else None))
    return _hits(a, ["alert_id", "kind", "score", "n_trades", "volume_t", "first_trade"])


CATALOGUE: tuple[Rule, ...] = (
    Rule("R01", "critical", "One test date for many monthly lab reports", "多个月度检测报告同一检测日期",
         "{n_months} monthly coal reports ({months}) carry one test date, {test_date} (lab {lab_id}, "
         "reports {first_no} to {last_no}): tested in one batch, presented as monthly tests.",
         "{n_months}个月（{months}月）的煤质检测报告检测日期相同，均为{test_date}（检测机构{lab_id}，报告编号"
         "{first_no}至{last_no}）：疑为一次性集中送检冒充月度检测。",
         "domain.md §1.2 (Liaoning Dongmei: monthly reports with false dates for one batch), §6.2", batch_test_date),
    Rule("R02", "high", "Report numbers contradict report dates", "报告编号与报告日期矛盾",
         "In {n_months} months ({months}) the lab report number follows on the previous month's although the "
         "lab ({lab_id}) issued other clients' reports in between ({first_no} to {last_no}): numbers or dates "
         "were rewritten.",
         "{n_months}个月（{months}月）的报告编号与上月连续，但检测机构{lab_id}在两份报告之间为其他客户出具过报告"
         "（{first_no}至{last_no}）：编号或日期疑被改写。",
         "domain.md §1.2 (中碳能投 altered report dates and numbers), §6.3 item 3", numbers_contradict_dates),
    Rule("R03", "medium", "Consecutive lab report numbers across months", "跨月检测报告编号连续",
         "{n_months} monthly reports ({months}) carry consecutive numbers ({first_no} to {last_no}) at a lab "
         "({lab_id}) that serves several plants.",
         "{n_months}个月（{months}月）的检测报告编号连续（{first_no}至{last_no}），而该检测机构（{lab_id}）同时服务多家企业。",
         "domain.md §1.2, §6.2 (one batch given away by numbers)", consecutive_numbers),
    Rule("R04", "critical", "Lab results copied", "检测结果复制",
         "{n_months} months ({months}) report exactly the same lab results as {source} (NCV {ncv} GJ/t, carbon "
         "content {carbon_content} tC/GJ, moisture {moisture} %).",
         "{n_months}个月（{months}月）的检测结果与{source}完全相同（低位发热量{ncv} GJ/t、单位热值含碳量"
         "{carbon_content} tC/GJ、全水分{moisture}%）。",
         "domain.md §6.3 items 1, 2, 5 (forged reports and raw data)", copied_lab_values),
    Rule("R05", "high", "Measured carbon content below the plausible band", "实测含碳量低于合理区间",
         "{n_months} months ({months}) report carbon content down to {min_cc} tC/GJ, below the band's "
         "{band_low} and at least 2.5 % under the plant's own median of {own_median}.",
         "{n_months}个月（{months}月）单位热值含碳量低至{min_cc} tC/GJ，低于合理区间下限{band_low}，"
         "且较本厂中位数{own_median}低2.5%以上。",
         "domain.md §3.1 (CC 0.0255-0.0280, stable per coal), §1.2 (carbon results changed)", carbon_below_band),
    Rule("R06", "high", "Total moisture inconsistent with NCV", "全水分与发热量不一致",
         "In {n_months} months ({months}) the reported total moisture (up to {max_moisture} % against a usual "
         "{own_moisture} %) implies a dry-basis NCV {max_ncv_dry_dev:.1%} above the coal's own, while carbon "
         "content moved by {min_cc_dev:+.1%}: moisture used only to convert the carbon result.",
         "{n_months}个月（{months}月）报告的全水分（最高{max_moisture}%，平时{own_moisture}%）折算的干基发热量比本厂"
         "常值高{max_ncv_dry_dev:.1%}，而含碳量变化{min_cc_dev:+.1%}：疑为编造全水分以折算收到基碳含量。",
         "domain.md §1.2 (invented total moisture), §2.2 (basis conversion), §6.3 item 6", moisture_inconsistent),
    Rule("R07", "critical", "Coal rate implausibly low", "供电煤耗异常偏低",
         "Unit {unit_id}: in {n_months} months ({months}) the supply coal rate fell to {min_rate:.0f} gce/kWh, "
         "at least 10 % under its own median of {own_median:.0f} (peers: P5 {peer_p5:.0f}, median "
         "{peer_p50:.0f}): coal consumption understated against generation.",
         "机组{unit_id}：{n_months}个月（{months}月）供电煤耗低至{min_rate:.0f} gce/kWh，较自身中位数{own_median:.0f}"
         "低10%以上（同类机组P5 {peer_p5:.0f}，中位数{peer_p50:.0f}）：疑少报燃煤消耗量。",
         "domain.md §6.3 item 7 (mis-reporting coal burned), §3.2 (coal rates by class)", coal_rate_low),
    Rule("R08", "critical", "Verified emissions below the monthly deposits", "核查排放量低于月度存证合计",
         "Verifier {verifier_id} passed {verified_t:,.0f} t although the monthly deposits add up to "
         "{deposited_t:,.0f} t ({verification_gap:.1%} less, unexplained).",
         "核查机构{verifier_id}核定{verified_t:,.0f}吨并出具符合结论，而月度存证合计{deposited_t:,.0f}吨"
         "（少{verification_gap:.1%}，无说明）。",
         "domain.md §1.2 (SinoCarbon, Qingdao Xinuo: verification as a formality), §6.3 item 4",
         verified_below_deposits),
    Rule("R09", "high", "Monthly deposit far past the deadline", "月度存证严重逾期",
         "Deposited {late_days} days after the deadline (at {submitted_at}).",
         "逾期{late_days}天存证（存证时间{submitted_at}）。",
         "domain.md §2.3 (monthly deposit within 40 days), §6.1", deposit_late),
    Rule("R10", "high", "Monthly deposit missing", "月度存证缺失",
         "No deposit for unit(s) {units} although they deposited before and after.",
         "机组{units}本月无存证，而前后月份均有存证。",
         "domain.md §2.3, §6.1 (以日保月、以月保年)", deposit_missing),
    Rule("R11", "medium", "Lab report after the 40-day limit", "检测报告超过40天时限",
         "Lab {lab_id} dated the report {report_date}, {lag_days} days after month end (limit 40 from April 2022).",
         "检测机构{lab_id}的报告日期为{report_date}，月末后{lag_days}天（2022年4月起时限为40天）。",
         "domain.md §2.3 (CMA/CNAS report within 40 days)", lab_report_late),
    Rule("R12", "medium", "Large month-on-month swing in carbon content", "含碳量月度大幅波动",
         "Carbon content changed by {change:+.1%} against the previous month (to {carbon_content} tC/GJ).",
         "单位热值含碳量较上月变化{change:+.1%}（至{carbon_content} tC/GJ）。",
         "domain.md §3.1 (a unit's carbon content should be stable month to month)", carbon_swing),
    Rule("R13", "medium", "Emission intensity far below peers", "排放强度远低于同类机组",
         "Unit {unit_id}: in {n_months} months ({months}) tCO2 per MWh supplied was down to {min_intensity:.3f}, "
         "a robust z of {min_z:.1f} within its peer group.",
         "机组{unit_id}：{n_months}个月（{months}月）单位供电排放低至{min_intensity:.3f} tCO2/MWh，同类机组稳健Z值{min_z:.1f}。",
         "domain.md §3.2 (intensity by class), anchors.md (peer bands)", intensity_low),
    Rule("R14", "high", "Round-trip trade within a few days", "短期内对倒交易",
         "Trade {trade_1} ({volume_1:,.0f} t at {price_1}) was reversed by {trade_2} ({volume_2:,.0f} t at "
         "{price_2}) between {counterparty}.",
         "交易{trade_1}（{volume_1:,.0f}吨，{price_1}元）在数日内被{trade_2}（{volume_2:,.0f}吨，{price_2}元）反向冲回，"
         "账户{counterparty}。",
         "domain.md §5.3 (related-party transfers), anchors.md (EP3 wash trades)", _trade_rule("round_trip")),
    Rule("R15", "high", "Off-market block trade inside a group", "集团内部偏离市价的大宗交易",
         "Block trade {trade_1} of {volume_1:,.0f} t at {price_1} CNY/t between accounts of one group "
         "({counterparty}); previous close {ref_close}.",
         "同一集团账户之间（{counterparty}）的大宗交易{trade_1}：{volume_1:,.0f}吨，成交价{price_1}元/吨，前收盘价{ref_close}元/吨。",
         "domain.md §5.2 (block ±30 %), §5.3 (negotiated intra-group prices)", _trade_rule("off_market_group")),
    Rule("R16", "info", "Monthly deposit slightly late", "月度存证轻微逾期",
         "Deposited {late_days} days after the deadline (at {submitted_at}).",
         "逾期{late_days}天存证（存证时间{submitted_at}）。",
         "domain.md §2.3", deposit_slightly_late),
    Rule("R17", "info", "Verification concluded 'fail'", "核查结论为不符合",
         "Verifier {verifier_id} concluded fail (reported {reported_t:,.0f} t, verified {verified_t:,.0f} t).",
         "核查机构{verifier_id}出具不符合结论（报告{reported_t:,.0f}吨，核定{verified_t:,.0f}吨）。",
         "domain.md §2.3 (verification)", verification_failed),
    Rule("R18", "high", "Market surveillance alert", "市场监测预警",
         "Alert {alert_id} ({kind}) scored {score:.0f}: {n_trades} trades, {volume_t:,.0f} t, from trade {first_trade}.",
         "预警{alert_id}（{kind}）得分{score:.0f}：{n_trades}笔交易，{volume_t:,.0f}吨，首笔交易{first_trade}。",
         "domain.md §5.3 (related-party transfers, deadline rushes, a thin VWAP close), anchors.md C (SMARTS, EP3)",
         surveillance_alert),
)

RULES = {r.id: r for r in CATALOGUE}


def evaluate(f: Features, rule_ids: list[str] | None = None) -> pd.DataFrame:
    """Run the catalogue (or the named rules) and return every hit, most severe first."""
    frames = []
    for r in CATALOGUE:
        if rule_ids is not None and r.id not in rule_ids:
            continue
        h = r.check(f)
        if len(h):
            frames.append(h.assign(rule_id=r.id, severity=r.severity))
    if not frames:
        return pd.DataFrame(columns=HIT_COLUMNS)
    hits = pd.concat(frames, ignore_index=True)[HIT_COLUMNS]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return hits.sort_values(["severity", "enterprise_id", "period"], key=lambda s: s.map(order) if s.name ==
                            "severity" else s, kind="stable").reset_index(drop=True)
