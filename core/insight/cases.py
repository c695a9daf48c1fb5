"""What a case keeps of its flag: the frozen evidence at opening (core.store.cases writes it), built
from the frames a page already has on screen, so that the case shows what the officer saw when it
was opened, whatever later runs or loads change.

A snapshot is plain JSON: `run_id`, `flag_year`, `source`, and by subject
- enterprise: `risk` (the worst year's score, band, components, rule ids, reasons as stored by the
  engine), `hits` (rule id, period, unit, severity, evidence), `scores` (the model's worst
  unit-months with their explanation);
- market alert: `alert` (the scan's row) and `trades` (its evidence trades);
- intermediary: `agency` (its profile row) and `clients` (its flagged clients).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from core.contract import cases as rules

SCORES_KEPT = 5   # the model's worst unit-months a snapshot keeps
HITS_KEPT = 40    # rule hits a snapshot keeps (the dossier shows them all)
TRADES_KEPT = 50  # evidence trades of a market alert
CLIENTS_KEPT = 60


def _plain(v):
    """A value JSON can hold: numpy scalars as Python, NaN/NaT as None, times as ISO text."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else round(float(v), 6)
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, (pd.Timestamp,)):
        return None if pd.isna(v) else v.isoformat()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v if isinstance(v, (str, int, bool)) else str(v)


def records(df: pd.DataFrame | None, columns: list[str] | None = None, limit: int | None = None) -> list[dict]:
    if df is None or df.empty:
        return []
    part = df[[c for c in (columns or df.columns) if c in df.columns]]
    part = part.head(limit) if limit else part
    return [{k: _plain(v) for k, v in row.items()} for row in part.to_dict("records")]


def _json_or_text(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return _plain(v)


def enterprise_evidence(run_id: str | None, risk_years: pd.DataFrame, hits: pd.DataFrame, scores: pd.DataFrame,
                        *, source: str) -> tuple[dict, int | None, float | None]:
    """(snapshot, flagged year, risk score) of an enterprise from its dossier frames
    (core.store.dossiers: enterprise_risk_years, enterprise_rule_hits, enterprise_model_scores)."""
    worst = risk_years.iloc[0] if len(risk_years) else None
    year = int(worst["year"]) if worst is not None else None
    risk = None
    if worst is not None:
        risk = {k: _plain(worst[k]) for k in ("year", "risk_score", "band", "rules", "model", "motive", "context",
                                             "n_rules", "max_severity") if k in worst.index}
        risk["reasons"] = _json_or_text(worst.get("reasons"))
    kept_hits = [{**h, "evidence": _json_or_text(h.get("evidence"))}
                 for h in records(hits, ["rule_id", "severity", "period", "unit_id", "evidence"], HITS_KEPT)]
    top = scores.dropna(subset=["score"]).sort_values("score", ascending=False) if len(scores) else scores
    kept_scores = [{**s, "explanation": _json_or_text(s.get("explanation"))}
                   for s in records(top, ["unit_id", "period", "score", "percentile", "explanation"], SCORES_KEPT)]
    snap = {"run_id": run_id, "flag_year": year, "source": source, "risk": risk, "hits": kept_hits,
            "scores": kept_scores}
    return snap, year, (risk or {}).get("risk_score")


def ranking_evidence(run_id: str | None, row: pd.Series, *, source: str = "top_risk") -> dict:
    """A subject of open_case from a row of the enterprise ranking (core.store.risk_views.enterprise_risk):
    what the top-risk table shows of it."""
    year = None if pd.isna(row.get("risk_year")) else int(row["risk_year"])
    risk = {k: _plain(row.get(k)) for k in ("risk_score", "band", "risk_year", "n_rules", "max_severity",
                                           "flagged_months", "emissions_t")}
    risk["rule_ids"] = _plain(list(row["rule_ids"]) if row.get("rule_ids") is not None else [])
    risk["reasons"] = _json_or_text(row.get("reasons"))
    return {"subject_kind": "enterprise", "subject_id": str(row["enterprise_id"]), "subject_name": str(row["name"]),
            "province_code": str(row["province_code"]), "flag_year": year,
            "risk_score": _plain(row.get("risk_score")),
            "snapshot": {"run_id": run_id, "flag_year": year, "source": source, "risk": risk,
                         "agencies": {k: _plain(row.get(k)) for k in ("consultant_id", "lab_id", "verifier_id")}}}


def alert_evidence(run_id: str | None, alert: dict, trades: pd.DataFrame) -> dict:
    """The snapshot of a market alert's case: the alert row and its evidence trades."""
    return {"run_id": run_id, "source": "market_alert", "flag_year": _alert_year(alert),
            "alert": {k: _json_or_text(v) for k, v in alert.items()},
            "trades": records(trades, limit=TRADES_KEPT)}


def _alert_year(alert: dict) -> int | None:
    for k in ("day", "start", "first_day", "ts", "date", "month"):
        v = alert.get(k)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            try:
                return int(pd.Timestamp(v).year)
            except (ValueError, TypeError):
                continue
    return None


def agency_evidence(run_id: str | None, profile: dict, clients: pd.DataFrame, year: int | None) -> dict:
    """The snapshot of an intermediary's case: its profile (flag rate against the base rate, its
    test) and its clients as the Intermediaries page lists them."""
    return {"run_id": run_id, "source": "agency", "flag_year": year,
            "agency": {k: _json_or_text(v) for k, v in profile.items()},
            "clients": records(clients, limit=CLIENTS_KEPT)}


def queue(cases: pd.DataFrame, which: str, user_name: str) -> pd.DataFrame:
    """One queue of the Cases page from core.store.cases.case_list: 'mine' (owned by the user, still
    open), 'open' (every open case of the view), 'overdue', 'decided' (confirmed or dismissed), 'all'."""
    is_open = ~cases["state"].isin(["dismissed", "closed"])
    if which == "mine":
        return cases[is_open & (cases["owner"] == user_name)]
    if which == "open":
        return cases[is_open]
    if which == "overdue":
        return cases[cases["overdue"].fillna(False).astype(bool)]
    if which == "decided":
        return cases[cases["decision"].notna()]
    return cases


QUEUES = ("mine", "open", "overdue", "decided", "all")


def counts(cases: pd.DataFrame, user_name: str) -> dict[str, int]:
    return {q: int(len(queue(cases, q, user_name))) for q in QUEUES}


def fields_of(action: str) -> tuple[str, ...]:
    """What the form of a move asks for (core.contract.cases.MOVES' required fields; confirm's
    measures come after, as their own edit)."""
    if action in rules.MOVES:
        return rules.MOVES[action].requires
    return {"assign": ("owner",), "note": ("note",), "due": ("due_date",), "measures": rules.MEASURES}[action]


def alert_subject(run_id: str | None, alert: pd.Series, trades: pd.DataFrame, allows) -> dict | None:
    """A subject of open_case from a market alert (core.insight.trading.scan's row): its first
    account whose enterprise lies inside the scope (`allows(province_code)`), with the alert and its
    evidence trades as the snapshot; None when no party lies inside the scope."""
    accounts, holders = list(alert.get("accounts", [])), list(alert.get("holders", []))
    provinces = list(alert.get("provinces", []))
    for i, (acc, prov) in enumerate(zip(accounts, provinces)):
        if isinstance(prov, str) and allows(prov):
            year = _alert_year({"ts": alert.get("first_ts")})
            return {"subject_kind": "account", "subject_id": str(acc),
                    "subject_name": str(holders[i]) if i < len(holders) else str(acc), "province_code": prov,
                    "flag_year": year, "risk_score": _plain(alert.get("score")),
                    "snapshot": alert_evidence(run_id, {k: alert.get(k) for k in alert.index if k != "trade_ids"},
                                               trades)}
    return None


def enterprise_subject(profile: pd.Series, snapshot: dict, year: int | None, score: float | None) -> dict:
    """A subject of open_case from an enterprise's profile row and its evidence (enterprise_evidence)."""
    return {"subject_kind": "enterprise", "subject_id": str(profile["enterprise_id"]),
            "subject_name": str(profile["name"]), "province_code": str(profile["province_code"]),
            "flag_year": year, "risk_score": score, "snapshot": snapshot}


def agency_subject(run_id: str | None, agency: pd.Series, clients: pd.DataFrame, year: int | None) -> dict:
    """A subject of open_case from an intermediary's profile row (its flag rate against the base rate)."""
    province = agency.get("province_code", agency.get("province"))
    return {"subject_kind": "agency", "subject_id": str(agency["agency_id"]), "subject_name": str(agency["name"]),
            "province_code": province if isinstance(province, str) else rules.NATIONAL_OFFICE, "flag_year": year,
            "risk_score": None,
            "snapshot": agency_evidence(run_id, {k: agency.get(k) for k in agency.index}, clients, year)}
