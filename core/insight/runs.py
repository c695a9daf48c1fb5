"""Assessment runs: features -> rules + detectors -> risk components, persisted.

A run is identified by a hash of everything that determines its result (detectors,
features, level, seed, scope, data version). Running the same inputs again reads the
stored result back instead of refitting; a new load changes the data version and so
the key. Everything a run produces is written in one transaction: the run row, the
score of every scored row (ensemble, percentile, each detector on the comparable scale),
explanations for the top rows, every rule hit, and the risk components per enterprise-year.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import numpy as np
import pandas as pd

from core.contract import clock
from core.contract.access import Scope
from core.engine import detectors, features, risk, rules
from core.insight import agencies, trading
from core.store import audit, db, detection
from core.store import runs as run_store

LEVELS = ("unit_month", "enterprise_year")
EXPLAIN_TOP = 0.02  # explanations are stored for the top 2 % of rows by ensemble score
# Enterprise-year aggregates of the unit-month features, for neighbour methods (LOF, KNN).
AGGREGATES = {
    "coal_rate_own_dev": "min", "coal_rate_peer_z": "min", "intensity_peer_z": "min", "cc_own_dev": "min",
    "cc_peer_z": "min", "ncv_dry_own_dev": "max", "moisture_own_diff": "max", "cc_mom": "min",
    "load_factor": "mean", "hours_share": "mean",
}


@dataclass(frozen=True)
class RunConfig:
    detectors: tuple[str, ...] = detectors.DEFAULT_ENSEMBLE
    features: tuple[str, ...] = tuple(features.MODEL_FEATURES)
    level: str = "unit_month"
    seed: int = 0
    scope: Scope = field(default_factory=Scope.national)

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        unknown = set(self.detectors) - set(detectors.REGISTRY)
        if unknown or not self.detectors:
            raise ValueError(f"unknown or no detectors: {', '.join(sorted(unknown)) or '(none)'}")
        unknown = set(self.features) - set(features.MODEL_FEATURES)
        if unknown or not self.features:
            raise ValueError(f"unknown or no features: {', '.join(sorted(unknown)) or '(none)'}")

    def scope_label(self) -> str:
        return self.scope.text

    def key(self, data_version: str) -> str:
        payload = json.dumps({"d": sorted(self.detectors), "f": sorted(self.features), "l": self.level,
                              "s": self.seed, "scope": self.scope_label(), "v": data_version}, sort_keys=True)
        return hashlib.sha1(payload.encode()).hexdigest()[:16]


@dataclass
class Run:
    run_id: str
    config: RunConfig
    created_at: datetime  # Beijing wall-clock time, as stored (core.contract.clock)
    duration_s: float
    n_rows: int
    failed: dict
    agreement: dict
    from_store: bool


_INPUTS: dict[tuple, tuple[features.Features, pd.DataFrame]] = {}


def build_features(con, scope: Scope, alerts: pd.DataFrame | None = None) -> features.Features:
    """The detection features of the scope's data: the store's inputs handed to the engine, with
    the market-surveillance alerts (`alerts`: trading.scan of the scope, scanned here if None)."""
    if alerts is None:
        alerts = trading.scan(con, scope)
    surveillance = alerts[alerts["kind"].isin(list(features.SURVEILLANCE_KINDS))].reset_index(drop=True)
    return features.build(detection.unit_month_inputs(con, scope), detection.enterprise_year_inputs(con, scope),
                          detection.missing_deposit_months(con, scope), detection.related_party_trades(con, scope),
                          surveillance)


def _inputs(con, scope: Scope) -> tuple[features.Features, pd.DataFrame]:
    """Features and surveillance alerts of the current data, memoised per connection, data
    version and scope: one market scan per assessment feeds both the rules and the context."""
    key = (id(con), db.data_version(con), scope)
    if key not in _INPUTS:
        _INPUTS.clear()  # one data version at a time: the frames are large
        alerts = trading.scan(con, scope)
        _INPUTS[key] = (build_features(con, scope, alerts), alerts)
    return _INPUTS[key]


def get_features(con, scope: Scope) -> features.Features:
    """Features of the current data, memoised per connection, data version and scope."""
    return _inputs(con, scope)[0]


def find(con, run_id: str) -> Run | None:
    row = run_store.run_row(con, run_id)
    if row.empty:
        return None
    r = row.iloc[0]
    cfg_scope = Scope.from_text(r.scope)
    params = json.loads(r.params)
    cfg = RunConfig(tuple(r.detectors.split(",")), tuple(r.features.split(",")), r.level, params["seed"], cfg_scope)
    return Run(r.run_id, cfg, r.created_at, float(r.duration_s), int(r.n_rows), json.loads(r.failed),
               json.loads(r.agreement), True)


def latest_assessment(con) -> Run | None:
    """The default national run of the current data, if it has been made."""
    return find(con, RunConfig().key(db.data_version(con)))


def run(con, config: RunConfig | None = None, *, progress: Callable[[str, float], None] | None = None,
        force: bool = False, model_required: bool = False, user=None) -> Run:
    """Make (or read back) the run for `config` on the current data. Data the detectors cannot learn
    from (too few rows, nothing varies) is ranked by the rules alone, with a note, so an assessment
    always completes; `model_required` (an analyst's model run) refuses it with the reason instead.
    Every run asked for is audited, as `user`'s (None: the system, e.g. the demo's assessment),
    a run read back from the store too (what was asked, by whom)."""
    config = config or RunConfig()
    say = progress or (lambda msg, frac: None)
    version = db.data_version(con)
    run_id = config.key(version)
    if not force:
        stored = find(con, run_id)
        if stored is not None:
            say("stored", 1.0)
            _audit(con, user, stored)
            return stored
    t0 = time.perf_counter()
    say("features", 0.05)
    f, alerts = _inputs(con, config.scope)
    say("rules", 0.25)
    hits = rules.evaluate(f)
    X, names, keys = _matrix(f, config)

    def on_detector(name, i, n):
        say(f"detector:{name}", 0.3 + 0.6 * i / max(n, 1))

    if detectors.scorable(X) or model_required:
        result = detectors.score_matrix(X, config.detectors, seed=config.seed, progress=on_detector)
    else:  # too little data, or none of it varies: the rules alone rank it (issue 13)
        result = detectors.unscored(len(X), config.detectors,
                                    f"{X.shape[0]} rows and {X.shape[1]} varying features (need "
                                    f"{detectors.MIN_ROWS} rows and 1 feature)")
    say("risk", 0.92)
    pct = result.percentile()
    unit_score = result.ensemble if config.level == "unit_month" else _spread(f, keys, result.ensemble)
    say("context", 0.93)
    comp = risk.components(f, hits, unit_score, context=context_inputs(con, config.scope, hits, alerts))
    scores = _score_rows(keys, result, pct, X, names)
    duration = time.perf_counter() - t0
    say("saving", 0.97)
    info = Run(run_id, config, clock.now(), duration, len(X), result.failed,
               {"spearman": result.agreement.round(4).to_dict(), "top1pct_overlap": result.top_overlap.round(4).to_dict(),
                "seconds": {k: round(v, 3) for k, v in result.seconds.items()}, "features": names,
                "detectors": result.detectors, "notes": result.notes,
                "repaired": result.repaired}, False)
    _save(con, info, version, scores, hits, comp)
    _audit(con, user, info)
    say("done", 1.0)
    return info


def _audit(con, user, r: Run) -> None:
    audit.record_apart(con, user, "model_run", r.run_id, scope=r.config.scope, detail={
        "detectors": list(r.config.detectors), "features": len(r.config.features), "level": r.config.level,
        "from_store": bool(r.from_store), "rows": int(r.n_rows), "seconds": round(float(r.duration_s), 1)})


def context_inputs(con, scope: Scope, hits: pd.DataFrame, alerts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The context component per enterprise-year (core.engine.risk): the worse of its intermediaries'
    suspicion (from this run's rule hits on their other clients) and its market-surveillance
    alerts (without 'flagged net seller', which would feed on this run's own flags; `alerts`: the
    scope's trading.scan without an assessment, scanned here if None)."""
    a = agencies.enterprise_context(con, scope, "", hits=hits)
    t = trading.context_from(trading.scan(con, scope) if alerts is None else alerts, scope)
    a = pd.DataFrame({"enterprise_id": a["enterprise_id"], "year": a["year"].astype(int),
                      "agency": a["agencies"].astype(float), "agency_reason": a["reason"]})
    t = pd.DataFrame({"enterprise_id": t["enterprise_id"], "year": t["year"].astype(int),
                      "trading": t["trading"].astype(float), "kind": t["top_kind"]})
    both = a.merge(t, on=["enterprise_id", "year"], how="outer")
    both[["agency", "trading"]] = both[["agency", "trading"]].fillna(0.0)
    by_agency = both["agency"] >= both["trading"]
    both["context"] = np.where(by_agency, both["agency"], both["trading"])
    both["context_reason"] = [
        json.dumps({"source": "agency", "detail": json.loads(r)} if ag else {"source": "trading", "kind": k},
                   ensure_ascii=False) if c > 0 else None
        for ag, r, k, c in zip(by_agency, both["agency_reason"], both["kind"], both["context"])]
    return both[["enterprise_id", "year", "context", "context_reason"]]


def _matrix(f: features.Features, config: RunConfig):
    if config.level == "unit_month":
        X, names = f.model_matrix(list(config.features))
        keys = f.unit_months[["enterprise_id", "unit_id", "period"]].reset_index(drop=True)
        return X, names, keys
    agg = {c: AGGREGATES[c] for c in config.features}
    ey = f.unit_months.groupby(["enterprise_id", "year"]).agg(agg).reset_index()
    frame = features.Features(ey, f.plant_months, f.enterprise_years, f.missing, f.related_trades)
    X, names = frame.model_matrix(list(config.features))
    keys = ey[["enterprise_id"]].assign(unit_id=None, period=pd.to_datetime(ey.year.astype(str) + "-01-01"))
    return X, names, keys


def _spread(f: features.Features, keys: pd.DataFrame, score: np.ndarray) -> np.ndarray:
    """Enterprise-year scores carried to each of its unit-months (for the risk components)."""
    k = keys.assign(year=keys.period.dt.year, score=score)[["enterprise_id", "year", "score"]]
    return f.unit_months[["enterprise_id", "year"]].merge(k, how="left").score.fillna(0).to_numpy()


def _score_rows(keys, result, pct, X, names) -> pd.DataFrame:
    out = keys.copy()
    out["score"] = result.ensemble
    out["percentile"] = pct
    out["detector_scores"] = list(np.column_stack([result.scores[d] for d in result.detectors]).round(4))
    top = np.flatnonzero(pct >= 1 - EXPLAIN_TOP)
    out["explanation"] = None
    out.loc[top, "explanation"] = [json.dumps(e) for e in detectors.explain(X, names, top)]
    return out


def _save(con, info: Run, version: str, scores: pd.DataFrame, hits: pd.DataFrame, comp: pd.DataFrame) -> None:
    cfg = info.config
    run_store.save(con, [
        info.run_id, info.created_at, cfg.level, ",".join(cfg.detectors), ",".join(cfg.features),
        json.dumps({"seed": cfg.seed, "ensemble": "mean of robust-standardised scores"}), cfg.scope_label(),
        version, info.n_rows, info.duration_s, json.dumps(info.failed), json.dumps(info.agreement)],
        scores.assign(run_id=info.run_id)[run_store.SCORE_COLUMNS],
        hits.assign(run_id=info.run_id)[["run_id", *rules.HIT_COLUMNS]],
        comp.assign(run_id=info.run_id)[["run_id", *comp.columns]])


def ranked(con, run_id: str, weights: dict | None = None, scope: Scope | None = None) -> pd.DataFrame:
    """Every enterprise of a run, highest risk first (its worst year), in `scope`."""
    comp = run_store.components(con, run_id)
    if scope is not None and scope.provinces is not None:
        comp = comp[comp.province_code.isin(scope.provinces)]
    return risk.by_enterprise(comp, weights)
