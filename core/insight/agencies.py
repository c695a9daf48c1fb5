"""Intermediaries: the consultants, testing labs and verifiers behind the flagged enterprises.

The 2022 cases were agency cases (domain.md §1.2): a consultant forged lab-report dates and
invented total moisture for its clients, a lab dated one batch of coal as twelve monthly
tests, verifiers signed off without checking. So each agency is profiled on the evidence a
reviewer would weigh, from the named queries of core.store (section "intermediaries"):

  association - how many of its clients are flagged (critical or high band in the stored run,
            worst year in the period) against the base rate of the view: the one-sided binomial
            tail p = P(X >= flagged | clients, base rate), with Benjamini-Hochberg q-values across
            the agencies of one kind (many agencies are tested at once);
  pattern - the same critical or high rule at several of its clients in one year (a consultant's
            invented moisture shows as one rule at five clients): the smallest binomial tail
            P(X >= k | clients that year, the rule-year's rate in the view) over its rule-years
            with k >= PATTERN_MIN, times the number of rule-years tested, then BH across agencies;
  copies  - clients whose seven lab results (core.engine.features.FINGERPRINT) another client of the
            same agency also reports;
  batch   - (labs) clients with at least rules.BATCH_MIN_MONTHS months of one year on one test
            date; the lab's busiest test date (client-months) is shown with it;
  numbers - (labs) clients with a year of at least rules.BATCH_MIN_MONTHS reports numbered right
            after the previous month's report (issued in one run, not month by month);
  understated - (verifiers) client-years passed although the reported and the verified figure
            are more than rules.VERIFICATION_GAP below the monthly deposits.

score (0-100) combines the strength of each signal like independent witnesses:

    score = 100 x (1 - prod_s (1 - WEIGHT[s] x strength_s))

A count n has strength n / (n + HALF[s]) (a single batch client or understated pass is half
strength, copies need a pair). A tested signal (association, pattern) has strength
(-log10(q) - 1) / 2 clipped to [0, 1]: nothing at q >= 0.1, half at 0.01, full at 0.001 (what
chance explains is no evidence; the association also needs a flagged share above the base
rate). The weights say how directly a signal points at the agency: a copied report, a batch
dated as monthly tests or an understated report passed is the agency's own act (0.9); one rule
at several clients in one year is nearly so (0.8); a high flag rate among clients is
circumstantial (0.6); report numbers in a run are weak alone (0.5: honest small labs number
consecutively too). So a lab with six batch-tested clients outranks a lab whose clients merely
happen to be flagged more often than usual.

enterprise_context gives the risk score's context component per enterprise-year from the same
score, computed for each agency with the enterprise itself left out (see its docstring).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats

from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.engine import rules
from core.store import intermediaries

KINDS = ("consultant", "lab", "verifier")
# Signals: which kinds they apply to, weight and half-strength count (module docstring).
SIGNALS = ("association", "pattern", "copies", "batch", "numbers", "understated")
SIGNAL_KINDS = {"association": KINDS, "pattern": KINDS, "copies": KINDS, "batch": ("lab",), "numbers": ("lab",),
                "understated": ("verifier",)}
WEIGHT = {"association": 0.6, "pattern": 0.8, "copies": 0.9, "batch": 0.9, "numbers": 0.5, "understated": 0.9}
HALF = {"copies": 2.0, "batch": 1.0, "numbers": 2.0, "understated": 1.0}
Q_ZERO, Q_FULL = 1.0, 3.0  # -log10 of the q-values where a tested signal starts (0.1) and is full (0.001)

PROFILE_COLUMNS = [
    "kind", "agency_id", "name", "province", "clients", "flagged_clients", "flagged_share", "base_rate", "lift",
    "p_value", "q_value", "pattern_clients", "pattern_rule", "pattern_year", "pattern_q", "copy_clients",
    "batch_clients", "max_batch_months", "max_same_test_date", "busiest_date", "busiest_clients", "run_clients",
    "run_reports", "flagged_years", "passed_flagged_years", "pass_rate_flagged", "understated_passes", "score",
    "signals",
]


# --- the profile ---------------------------------------------------------------------------------

def profile(con, scope: Scope, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row per consultant, lab and verifier serving enterprises in the scope and filters in the
    period (PROFILE_COLUMNS), highest score first within each kind. Flags refer to flt.run_id; without
    a run nothing is flagged and only the signatures count."""
    return profile_from_summary(intermediaries.agency_summary(con, scope, flt),
                                intermediaries.agency_patterns(con, scope, flt))


def profile_from(clients_: pd.DataFrame, busiest: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """The profile from the rows of intermediaries.agency_clients, agency_busiest_dates and agency_patterns."""
    return profile_from_summary(summary_from(clients_, busiest), patterns)


def summary_from(clients_: pd.DataFrame, busiest: pd.DataFrame) -> pd.DataFrame:
    """intermediaries.agency_summary counted from the rows of agency_clients and agency_busiest_dates."""
    if clients_.empty:
        return clients_.iloc[0:0]
    c = clients_.assign(copy=clients_["copied_months"] > 0, batch=clients_["batch_years"] > 0,
                        run=clients_["run_reports"] > 0)
    g = c.groupby(["kind", "agency_id"], sort=False)
    out = g.agg(name=("agency_name", "first"), province=("agency_province", "first"),
                clients=("enterprise_id", "size"), flagged_clients=("flagged", "sum"),
                base_rate=("base_rate", "first"), copy_clients=("copy", "sum"), batch_clients=("batch", "sum"),
                max_batch_months=("batch_months", "max"), run_clients=("run", "sum"),
                run_reports=("run_reports", "sum"), flagged_years=("flagged_years", "sum"),
                passed_flagged_years=("passed_flagged_years", "sum"),
                understated_passes=("understated_passes", "sum")).reset_index()
    return out.merge(busiest, on="agency_id", how="left")  # labs only


def profile_from_summary(summary: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """The profile from the rows of intermediaries.agency_summary and agency_patterns."""
    if summary.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROFILE_COLUMNS})
    out = summary.merge(best_patterns(patterns), on=["kind", "agency_id"], how="left")
    out["pattern_clients"] = out["pattern_clients"].fillna(0).astype(int)
    out["pattern_q"] = out.groupby("kind")["pattern_p"].transform(lambda p: bh_q(p.fillna(1.0)))
    out["name"] = out["name"].fillna(out["agency_id"])
    out["flagged_share"] = out["flagged_clients"] / out["clients"]
    out["lift"] = out["flagged_share"] / out["base_rate"].where(out["base_rate"] > 0)
    out["p_value"] = tail_p(out["flagged_clients"], out["clients"], out["base_rate"])
    out["q_value"] = out.groupby("kind")["p_value"].transform(bh_q)
    verifier = out["kind"] == "verifier"
    out["pass_rate_flagged"] = (out["passed_flagged_years"] / out["flagged_years"].where(out["flagged_years"] > 0)
                                ).where(verifier)
    for col in ("flagged_years", "passed_flagged_years", "understated_passes"):
        out[col] = out[col].where(verifier)
    strengths = _strengths(out)
    out["score"] = (100 * combine(strengths)).round(1)
    out["signals"] = [json.dumps(s, ensure_ascii=False) for s in _signals(out, strengths)]
    out = out.sort_values(["kind", "score", "q_value", "agency_id"], ascending=[True, False, True, True],
                          key=lambda s: s.map(KINDS.index) if s.name == "kind" else s)
    return out[PROFILE_COLUMNS].reset_index(drop=True)


def leading(prof: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The intermediaries to look at first, of every kind: the profile's rows with a positive score,
    highest score first (then smallest q-value, then id). One ranking for the Overview, its summary,
    the briefing deck and the Intermediaries page (which shows the same score per kind), so that a
    leader and a provincial officer are never given two answers to "which agency first?"."""
    hit = prof[pd.to_numeric(prof["score"], errors="coerce").fillna(0) > 0]
    return hit.sort_values(["score", "q_value", "agency_id"], ascending=[False, True, True],
                           kind="stable").head(n).reset_index(drop=True)


def leading_from_summary(summary: pd.DataFrame, patterns: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """leading() of the profile built from intermediaries.agency_summary and agency_patterns."""
    return leading(profile_from_summary(summary, patterns), n)


def tail_p(k, n, base) -> np.ndarray:
    """One-sided binomial tail P(X >= k) for X ~ Bin(n, base): how surprising k flagged clients of n
    would be if the agency's clients were flagged at the base rate (1 when k = 0)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    b = np.clip(np.nan_to_num(np.asarray(base, dtype=float), nan=0.0), 0.0, 1.0)
    return np.clip(stats.binom.sf(k - 1, n, b), 0.0, 1.0)


def bh_q(p) -> np.ndarray:
    """Benjamini-Hochberg q-values (the false discovery rate at which each p would be declared)."""
    p = np.asarray(p, dtype=float)
    return stats.false_discovery_control(p, method="bh") if len(p) else p


def saturate(n, half: float) -> np.ndarray:
    """A count's strength in [0, 1): n / (n + half)."""
    n = np.clip(np.nan_to_num(np.asarray(n, dtype=float)), 0.0, None)
    return n / (n + half)


def significance_strength(q) -> np.ndarray:
    """(-log10(q) - Q_ZERO) / (Q_FULL - Q_ZERO), clipped to [0, 1]: nothing at q >= 0.1, half at
    q = 0.01, full at q <= 0.001 (what chance explains is no evidence)."""
    q = np.clip(np.nan_to_num(np.asarray(q, dtype=float), nan=1.0), 1e-300, 1.0)
    return np.clip((-np.log10(q) - Q_ZERO) / (Q_FULL - Q_ZERO), 0.0, 1.0)


def association_strength(share, base, q) -> np.ndarray:
    """significance_strength(q) when the flagged share is above the base rate, else 0."""
    above = np.asarray(share, dtype=float) > np.nan_to_num(np.asarray(base, dtype=float), nan=1.0)
    return np.where(above, significance_strength(q), 0.0)


PATTERN_MIN = 2  # clients with one rule in one year before it is a pattern


def best_patterns(cells: pd.DataFrame) -> pd.DataFrame:
    """Per agency, its most surprising pattern among intermediaries.agency_patterns cells: pattern_rule,
    pattern_year, pattern_clients, pattern_members and pattern_p = m x the smallest binomial tail
    P(X >= clients | served, rate) over its cells of at least PATTERN_MIN clients, m = the number of
    its cells (Bonferroni over the rule-years it was tested on)."""
    cols = ["kind", "agency_id", "pattern_rule", "pattern_year", "pattern_clients", "pattern_members", "pattern_p"]
    if cells.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    c = cells.assign(p=tail_p(cells["clients"], cells["served"], cells["rate"]))
    tests = c.groupby(["kind", "agency_id"]).size().rename("m")
    best = (c[c["clients"] >= PATTERN_MIN].sort_values(["p", "year", "rule_id"])
            .drop_duplicates(["kind", "agency_id"]).join(tests, on=["kind", "agency_id"]))
    best = best.assign(pattern_p=np.minimum(1.0, best["p"] * best["m"]))
    return best.rename(columns={"rule_id": "pattern_rule", "year": "pattern_year", "clients": "pattern_clients",
                                "members": "pattern_members"})[cols]


def combine(strengths: pd.DataFrame) -> np.ndarray:
    """1 - prod(1 - WEIGHT x strength) over the signals (columns of `strengths`)."""
    keep = np.ones(len(strengths))
    for s in strengths.columns:
        keep = keep * (1 - WEIGHT[s] * strengths[s].to_numpy(dtype=float))
    return 1 - keep


def _strengths(a: pd.DataFrame, q: pd.Series | None = None) -> pd.DataFrame:
    """Each signal's strength per agency row (0 where a signal does not apply to the kind)."""
    counts = {"copies": a["copy_clients"], "batch": a["batch_clients"], "numbers": a["run_clients"],
              "understated": a["understated_passes"]}
    out = {"association": association_strength(a["flagged_share"], a["base_rate"], a["q_value"] if q is None else q),
           "pattern": np.where(a["pattern_clients"] >= PATTERN_MIN, significance_strength(a["pattern_q"]), 0.0)}
    out.update({s: saturate(n, HALF[s]) for s, n in counts.items()})
    frame = pd.DataFrame(out, index=a.index)
    for s in SIGNALS:
        frame[s] = frame[s].where(a["kind"].isin(SIGNAL_KINDS[s]), 0.0).fillna(0.0)
    return frame


def _plain(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(f"{float(v):.6g}")
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return v


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


_SIGNAL_VALUES = {  # signal -> its values: name in the signal's JSON -> profile column
    "association": {"flagged": "flagged_clients", "clients": "clients", "share": "flagged_share", "base": "base_rate",
                    "p": "p_value", "q": "q_value"},
    "pattern": {"clients": "pattern_clients", "rule": "pattern_rule", "year": "pattern_year", "q": "pattern_q"},
    "copies": {"clients": "copy_clients"},
    "batch": {"clients": "batch_clients", "months": "max_batch_months", "date_months": "max_same_test_date",
              "date": "busiest_date"},
    "numbers": {"clients": "run_clients", "reports": "run_reports"},
    "understated": {"passes": "understated_passes"},
}
_COUNTS = {"flagged", "clients", "months", "date_months", "reports", "passes", "year"}


def _signals(a: pd.DataFrame, strengths: pd.DataFrame) -> list[list[dict]]:
    """What fired (strength > 0), with the values the explanation is written from, strongest first."""
    out: list[list[dict]] = [[] for _ in range(len(a))]
    rows = a.reset_index(drop=True)
    st_ = strengths.reset_index(drop=True)
    for i in np.flatnonzero(st_.to_numpy().max(axis=1) > 0):  # most rows fire nothing: skip them fast
        fired = []
        for sig, values in _SIGNAL_VALUES.items():
            strength = float(st_.at[i, sig])
            if strength > 0:
                f = {"signal": sig}
                for name, col in values.items():
                    v = rows.at[i, col]
                    f[name] = _int(v) if name in _COUNTS else _plain(v)
                f["strength"] = round(strength, 3)
                fired.append(f)
        out[i] = sorted(fired, key=lambda f: -WEIGHT[f["signal"]] * f["strength"])
    return out


# --- the drill-down ------------------------------------------------------------------------------

CLIENT_SIGNALS = ("flagged", "pattern", "copies", "batch", "numbers", "understated")


def clients(con, scope: Scope, flt: Filters = NO_FILTERS, agency_id: str = "") -> pd.DataFrame:
    """The agency's clients in the scope, filters and period, highest risk first: enterprise_id,
    name, province_code, province_zh, province_en, risk_score, band, risk_year, flagged, years (list),
    first_period, last_period, months, signals (list of CLIENT_SIGNALS that involve this client),
    copy_partners, batch_months, batch_date, run_reports, understated_years. Empty for an unknown
    agency or one serving no client in the scope (the id is bound, never spliced)."""
    rows = intermediaries.agency_clients(con, scope, flt, agency_id=str(agency_id))
    return clients_from(rows, intermediaries.agency_patterns(con, scope, flt, agency_id=str(agency_id)))


def clients_from(rows: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """clients() from the rows of intermediaries.agency_clients and agency_patterns for one agency."""
    rows = rows.reset_index(drop=True)
    best = best_patterns(patterns)
    members = set(best["pattern_members"].iloc[0]) if len(best) else set()
    involved = {
        "flagged": rows["flagged"].astype(bool),
        "pattern": rows["enterprise_id"].isin(members),
        "copies": rows["copied_months"] > 0,
        "batch": (rows["batch_years"] > 0) & (rows["kind"] == "lab"),
        "numbers": (rows["run_reports"] > 0) & (rows["kind"] == "lab"),
        "understated": rows["understated_passes"] > 0,
    }
    signals = [[s for s in CLIENT_SIGNALS if involved[s].iat[i]] for i in range(len(rows))]
    cols = ["enterprise_id", "name", "province_code", "province_zh", "province_en", "risk_score", "band",
            "risk_year", "flagged", "years", "first_period", "last_period", "months", "copy_partners",
            "batch_months", "batch_date", "run_reports", "understated_years"]
    return rows[cols].assign(signals=signals)


# --- the context component of the risk score -----------------------------------------------------

def enterprise_context(con, scope: Scope, run_id: str, hits: pd.DataFrame | None = None) -> pd.DataFrame:
    """How suspect each enterprise-year's intermediaries are: enterprise_id, year, agencies (0-1),
    agency_id (the most suspect of its lab(s), consultant and verifier that year), reason (JSON:
    kind, agency_id, score, basis 'year' or 'all', and the signals, computed without the
    enterprise; None when agencies is 0). Enterprise-years without any agency have no row (0).

        agencies(e, y) = max over the agencies a serving e in year y of
                         max(score_a,y^(-e), OTHER_YEARS x score_a^(-e)) / 100

    score_a,y^(-e) is the profile's score (module docstring) of agency a over its client-years of
    year y, and score_a^(-e) over all years of the scope, both with enterprise e left out: the
    other clients' flags (flagged = a critical or high rule that year in `run_id`, or in `hits`
    when given: the rule hits of a run not stored yet; rules only, so the context never feeds on
    itself), copies, batches, numbered runs and understated passes, against the base rate of the
    year (or of all years). The association's q-value is the left-out p-value times the agency's
    Benjamini-Hochberg factor among the agencies (agency-years) of its kind (count / rank of its
    full p-value). So an enterprise's own flags and its own copied or batch-tested reports never
    raise its own context; what its agency did for other clients does, most in the same year.

    Against risk._context (other clients' flag share above the base rate of the year): a lab whose
    other clients were batch-tested, or a verifier that passed other understated reports, counts
    even when few of its clients are flagged, and one flagged client out of two is weak evidence,
    not certainty. On the scale-1 demo (seed 2022) the ranking AUC for the planted
    intermediary_ring enterprise-years is 0.997 (baseline 0.997), for verifier_gap 0.89 (0.69)."""
    years = intermediaries.agency_client_years(con, scope, NO_FILTERS)
    flagged = (intermediaries.run_flagged_years(con, scope, run_id) if hits is None else _flagged_from_hits(hits))
    return context_from(years, flagged)


def _flagged_from_hits(hits: pd.DataFrame) -> pd.DataFrame:
    # A hit without an enterprise or a readable year cannot be put on an enterprise-year: left out
    # rather than fatal (issue 13: such hits once reached astype(int) as NaN).
    year = pd.to_numeric(hits["period"].astype(str).str[:4], errors="coerce")
    known = hits["enterprise_id"].notna() & year.notna()
    h = hits[known].assign(year=year[known].astype(int), flagged=hits.loc[known, "severity"].isin(rules.SEVERITIES[:2]))
    out = h.groupby(["enterprise_id", "year"], as_index=False)["flagged"].any()
    serious = h[h["flagged"]].groupby(["enterprise_id", "year"])["rule_id"].agg(lambda r: sorted(set(r)))
    return out.join(serious.rename("rules"), on=["enterprise_id", "year"])


CONTEXT_COLUMNS = ["enterprise_id", "year", "agencies", "agency_id", "reason"]


OTHER_YEARS = 0.5  # an agency's record over all years counts half as much as its record in the year itself


def context_from(years: pd.DataFrame, flagged: pd.DataFrame) -> pd.DataFrame:
    """enterprise_context from intermediaries.agency_client_years (unfiltered) and the flagged enterprise-years."""
    if years.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONTEXT_COLUMNS})
    ay = years.merge(flagged[["enterprise_id", "year", "flagged", "rules"]], on=["enterprise_id", "year"], how="left")
    ay["flagged"] = ay["flagged"].fillna(False).astype(bool)
    ay["rules"] = [list(r) if isinstance(r, (list, np.ndarray)) else [] for r in ay["rules"].tolist()]
    agency = ["kind", "agency_id"]
    same_year = _left_out(ay, [*agency, "year"])
    all_years = _left_out(ay, agency)
    ey = ay[[*agency, "enterprise_id", "year"]].drop_duplicates()
    ey = ey.merge(same_year, on=[*agency, "year", "enterprise_id"]).merge(
        all_years, on=[*agency, "enterprise_id"], suffixes=("", "_all"))
    ey["pooled"] = OTHER_YEARS * ey["score_all"] > ey["score"]
    ey["score"] = np.where(ey["pooled"], OTHER_YEARS * ey["score_all"], ey["score"])
    # each enterprise-year takes its most suspect agency of that year
    ey = ey.sort_values(["score", "kind", "agency_id"], ascending=[False, True, True]).drop_duplicates(
        ["enterprise_id", "year"])
    ey["reason"] = [None if sc <= 0 else _reason(k, a, sc, r_all if p else r, "all" if p else "year")
                    for k, a, sc, r, r_all, p in zip(ey["kind"].tolist(), ey["agency_id"].tolist(),
                                                     ey["score"].tolist(), ey["signals"].tolist(),
                                                     ey["signals_all"].tolist(), ey["pooled"].tolist())]
    out = ey.assign(agencies=(ey["score"] / 100).round(4)).sort_values(["enterprise_id", "year"])
    return out[CONTEXT_COLUMNS].reset_index(drop=True)


def _reason(kind: str, agency_id: str, score: float, signals: list, basis: str) -> str:
    return json.dumps({"kind": kind, "agency_id": agency_id, "score": round(float(score), 1), "basis": basis,
                       "signals": signals}, ensure_ascii=False)


def _left_out(ay: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per agency group (`keys`: the agency, or the agency and a year) and client: the agency's score
    and signals over the group's client-years with the client left out."""
    if "year" in keys:
        base = ay.drop_duplicates(["enterprise_id", "year"]).groupby("year")["flagged"].mean()
        base_of = lambda frame: frame["year"].map(base)  # noqa: E731
    else:
        rate = ay.drop_duplicates(["enterprise_id", "year"])["flagged"].mean()
        base_of = lambda frame: pd.Series(rate, index=frame.index)  # noqa: E731
    # per client: its client-years, flagged ones and the signatures it takes part in
    pair = ay.groupby([*keys, "enterprise_id"], as_index=False).agg(
        n=("flagged", "size"), k=("flagged", "sum"), batch=("batch_months", "max"),
        run=("consecutive_reports", "max"), understated=("understated", "sum"))
    copied = ay[ay["copy_partners"].notna()]  # few rows: the slow list union only where needed
    partners = copied.groupby([*keys, "enterprise_id"])["copy_partners"].agg(
        lambda s: sorted({p for ps in s for p in ps})).rename("partners")
    pair = pair.join(partners, on=[*keys, "enterprise_id"])
    pair["partners"] = [p if isinstance(p, list) else [] for p in pair["partners"].tolist()]
    pair["batch"] = (pair["batch"] >= rules.BATCH_MIN_MONTHS).astype(int)
    pair["run"] = (pair["run"] >= rules.BATCH_MIN_MONTHS).astype(int)
    pair["copy"] = pair["partners"].map(len).gt(0).astype(int)
    tot = pair.groupby(keys).agg(N=("n", "sum"), K=("k", "sum"), B=("batch", "sum"), R=("run", "sum"),
                                 U=("understated", "sum"), C=("copy", "sum")).reset_index()
    # Benjamini-Hochberg factor of each group among the groups of its kind (number / rank of its p)
    tot["p"] = tail_p(tot["K"], tot["N"], base_of(tot))
    tot["factor"] = tot.groupby("kind")["p"].transform(lambda p: len(p) / p.rank(method="max"))
    pair = pair.merge(tot, on=keys)
    # leave the client out: its own years, flags and signatures, and copies only it was party to
    loo = pd.DataFrame({
        "kind": pair["kind"], "clients": pair["N"] - pair["n"], "flagged_clients": pair["K"] - pair["k"],
        "copy_clients": pair["C"] - pair["copy"] - _lonely_partners(pair, keys),
        "batch_clients": pair["B"] - pair["batch"], "run_clients": pair["R"] - pair["run"],
        "understated_passes": pair["U"] - pair["understated"], "base_rate": base_of(pair)})
    loo["pattern_clients"], loo["pattern_q"], loo["pattern_rule"], loo["pattern_year"] = _pattern_left_out(
        ay, keys, pair, tot)
    loo["flagged_share"] = loo["flagged_clients"] / loo["clients"].where(loo["clients"] > 0)
    loo["p_value"] = tail_p(loo["flagged_clients"], loo["clients"], loo["base_rate"])
    loo["q_value"] = np.where(loo["clients"] > 0, np.clip(loo["p_value"] * pair["factor"], 0, 1), 1.0)
    strengths = _strengths(loo)
    sig = loo.assign(max_batch_months=None, max_same_test_date=None, busiest_date=None, run_reports=None)
    return pair[[*keys, "enterprise_id"]].assign(score=(100 * combine(strengths)).round(1),
                                                 signals=_signals(sig, strengths))


def _pattern_left_out(ay: pd.DataFrame, keys: list[str], pair: pd.DataFrame, groups: pd.DataFrame
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """best_patterns per agency group (`keys`; `groups` lists them all) with each client of `pair` left
    out: the clients of the group's most surprising pattern without it and that pattern's q (the
    Bonferroni p times the group's Benjamini-Hochberg factor among the groups of its kind, from the
    full p), and that pattern's rule and year; (0, 1, None, None) where fewer than PATTERN_MIN others
    share a rule-year. Per group, one clients x rule-years matrix: membership M, served-that-year S;
    left out, k - M of n - S."""
    clients, q = np.zeros(len(pair), dtype=int), np.ones(len(pair))
    # the rule and year of that pattern, so that a context reason names them (issue 13: it said "None")
    rule, year = np.full(len(pair), None, dtype=object), np.full(len(pair), None, dtype=object)
    by_year = "year" in keys
    group = [*keys, *([] if by_year else ["year"])]
    ex = ay[[*group, "enterprise_id", "rules"]].explode("rules").dropna(subset=["rules"])
    if ex.empty:
        return clients, q, rule, year
    cells = ex.groupby([*group, "rules"])["enterprise_id"].agg(list).rename("members").reset_index()
    cells["k"] = cells["members"].map(len)
    hot = cells[cells["k"] >= PATTERN_MIN][keys].drop_duplicates()
    if hot.empty:
        return clients, q, rule, year
    cells = cells.merge(hot, on=keys)
    # the rate of each rule-year over the scope's client-years
    years = ay.drop_duplicates(["enterprise_id", "year"])
    per_year = years.groupby("year").size()
    counts = years[["year", "rules"]].explode("rules").dropna().groupby(["year", "rules"]).size()
    rate = counts / per_year.reindex(counts.index.get_level_values("year")).to_numpy()
    cells["rate"] = rate.reindex(pd.MultiIndex.from_frame(cells[["year", "rules"]])).to_numpy()
    pair_at = pair.groupby(keys).indices
    ay_at = ay.groupby(keys).indices
    # plain arrays once: a pandas string column converts on every access (seconds at 10x scale)
    pair_e = pair["enterprise_id"].to_numpy(dtype=object)
    ay_e, ay_y = ay["enterprise_id"].to_numpy(dtype=object), ay["year"].to_numpy()
    c_members, c_year = cells["members"].tolist(), cells["year"].to_numpy()
    c_k, c_rate = cells["k"].to_numpy(), cells["rate"].to_numpy()
    c_rule = cells["rules"].to_numpy(dtype=object)
    full_p: dict[tuple, float] = {}
    found: dict[tuple, tuple] = {}
    for g, ci in cells.groupby(keys).indices.items():
        at = pair_at[g]
        who = pd.Index(pair_e[at])
        M = np.zeros((len(who), len(ci)), dtype=np.int64)
        for j, c in enumerate(ci):
            M[who.get_indexer(c_members[c]), j] = 1
        if by_year:  # every client of an agency-year was served that year
            S = np.ones_like(M)
        else:
            rows = ay_at[g]
            cols = pd.Index(np.unique(c_year[ci]))
            Y = np.zeros((len(who), len(cols)), dtype=np.int64)
            yi = cols.get_indexer(ay_y[rows])
            ok = yi >= 0
            Y[who.get_indexer(ay_e[rows][ok]), yi[ok]] = 1
            S = Y[:, cols.get_indexer(c_year[ci])]
        k, n, r = c_k[ci], S.sum(axis=0), c_rate[ci]
        p0 = np.where(k >= PATTERN_MIN, tail_p(k, n, r), 1.0)
        full_p[g] = min(1.0, p0.min() * len(k))
        found[g] = (at, k - M, n - S, r, ci)
    full = pd.Series(1.0, index=pd.MultiIndex.from_frame(groups[keys]))
    full.loc[list(full_p)] = list(full_p.values())
    factor = full.groupby(level="kind").transform(lambda p: len(p) / p.rank(method="max"))
    for g, (at, K, N, r, ci) in found.items():
        P = np.ones(K.shape)
        cand = K >= PATTERN_MIN
        P[cand] = tail_p(K[cand], N[cand], np.broadcast_to(r, K.shape)[cand])
        j = P.argmin(axis=1)
        best_p, best_k = P[np.arange(len(at)), j], K[np.arange(len(at)), j]
        has = best_k >= PATTERN_MIN
        clients[at] = np.where(has, best_k, 0)
        q[at] = np.where(has, np.minimum(1.0, best_p * (K >= 1).sum(axis=1) * factor[g]), 1.0)
        rule[at] = np.where(has, c_rule[ci[j]], None)
        year[at] = np.where(has, c_year[ci[j]].astype(object), None)
    return clients, q, rule, year


def _lonely_partners(pair: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each client of an agency group: how many other clients of the group share copied results
    with this client only (leaving the client out, they have no copy left)."""
    out = np.zeros(len(pair), dtype=int)
    copied = pair[pair["copy"] > 0]
    if copied.empty:
        return out
    group = lambda frame: list(zip(*(frame[k].tolist() for k in keys)))  # noqa: E731
    partners = {(g, e): set(p) for g, e, p in zip(group(copied), copied["enterprise_id"].tolist(),
                                                   copied["partners"])}
    index = {key: i for i, key in enumerate(zip(group(pair), pair["enterprise_id"].tolist()))}
    for (g, e), ps in partners.items():
        out[index[(g, e)]] = sum(1 for p in ps if partners.get((g, p)) == {e})
    return out


