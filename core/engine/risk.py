"""One transparent risk score per enterprise and year.

    risk = 100 x (w_rules x rules + w_model x model + w_motive x motive + w_context x context) / sum(w)

each component in [0, 1]:
- rules:   1 - prod(1 - weight(severity)) over the distinct rules that fired that year
           (critical 0.9, high 0.6, medium 0.25, info 0.05): one critical rule weighs 0.9,
           two high rules 0.84; repeats of one rule count once;
- model:   the ensemble score of the year's most abnormal unit-month, in robust SDs above the
           median (core.engine.detectors standardises every detector that way, so the scale does not
           depend on which detectors ran): 0 up to 3 SD, rising to 1 at 8 SD. A percentile would
           not do: the maximum over an enterprise's 30-70 unit-months almost always lands in the
           top decile by chance;
- motive:  allowance deficit as a share of the allocation, saturating at 20 % (the cap of
           the 2019-2022 compliance relief, domain.md §3.3): a shortfall is a reason to shade data;
- context: the circumstances around the enterprise, the worse of
           (a) its intermediaries: the most suspect of its lab, consultant and verifier that year,
               from what the agency did for its *other* clients (core.insight.agencies.enterprise_context:
               flagged clients against the base rate with a significance test, copied values,
               batch testing, passes of understated reports), and
           (b) its trading: market-surveillance alerts involving its accounts that year
               (core.insight.trading.enterprise_context: round trips, cycles, off-market prices, marking
               the close, pre-deadline concentration);
           without those inputs (components(..., context=None)), the share of the agencies' other
           clients with a critical or high rule above the base rate.
The weights are shown on screen and can be changed there; the defaults favour evidence
(rules) over statistics (model) over circumstance (motive, context).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.contract.scoring import (  # noqa: F401
    BANDS,
    COMPONENTS,
    DEFAULT_WEIGHTS,
    DEFICIT_SATURATION,
    MODEL_Z_FLOOR,
    MODEL_Z_FULL,
    SEVERITIES,
    SEVERITY_WEIGHT,
    band_of,
    normalise_weights,
    score_expression,
)
from core.engine.features import Features


def components(f: Features, hits: pd.DataFrame, unit_score: np.ndarray,
               context: pd.DataFrame | None = None) -> pd.DataFrame:
    """Risk components per enterprise-year, with the reasons that produced them. `context`:
    enterprise_id, year, context (0-1), context_reason (JSON) from core.insight.runs.context_inputs."""
    ey = f.enterprise_years[["enterprise_id", "year", "deficit_share", "lab_id", "consultant_id", "verifier_id"]]
    h = hits.assign(year=hits.period.str[:4].astype(int))
    # rules: distinct rules per enterprise-year
    distinct = h.drop_duplicates(["enterprise_id", "year", "rule_id"])
    distinct = distinct.assign(keep=1 - distinct.severity.map(SEVERITY_WEIGHT))
    rules = (1 - distinct.groupby(["enterprise_id", "year"]).keep.prod()).rename("rules")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    distinct = distinct.assign(rank=distinct.severity.map(order))
    top = distinct.sort_values(["rank", "rule_id"]).groupby(["enterprise_id", "year"]).agg(
        n_rules=("rule_id", "size"), max_severity=("severity", "first"), rule_ids=("rule_id", list))
    # model: the year's most abnormal unit-month
    um = f.unit_months[["enterprise_id", "year", "unit_id", "period"]].assign(score=unit_score)
    worst = um.sort_values("score").groupby(["enterprise_id", "year"]).tail(1).set_index(["enterprise_id", "year"])
    model = ((worst.score - MODEL_Z_FLOOR) / (MODEL_Z_FULL - MODEL_Z_FLOOR)).clip(0, 1).rename("model")
    # every year with deposits, and every year in which a rule fired (trades run past the last deposit)
    years = pd.concat([ey[["enterprise_id", "year"]], h[["enterprise_id", "year"]]]).drop_duplicates()
    ey = years.merge(ey, on=["enterprise_id", "year"], how="left")
    agencies = f.enterprise_years.sort_values("year").groupby("enterprise_id")[["lab_id", "consultant_id",
                                                                               "verifier_id"]].last()
    ey = ey.fillna({c: ey.enterprise_id.map(agencies[c]) for c in ("lab_id", "consultant_id", "verifier_id")})
    out = ey.set_index(["enterprise_id", "year"]).join([rules, top, model, worst[["unit_id", "period"]]])
    out["rules"] = out.rules.fillna(0.0)
    out["model"] = out.model.fillna(0.0)
    out["n_rules"] = out.n_rules.fillna(0).astype(int)
    out["motive"] = (out.deficit_share.fillna(0) / DEFICIT_SATURATION).clip(0, 1)
    if context is None:
        out["context"], out["context_reason"] = _context(out), None
    else:
        c = context.set_index(["enterprise_id", "year"])[["context", "context_reason"]]
        out = out.join(c)
        out["context"] = out["context"].fillna(0.0).clip(0, 1)
    out["reasons"] = [_reasons(r) for r in out.itertuples()]
    return out.reset_index()[["enterprise_id", "year", "rules", "model", "motive", "context", "n_rules",
                              "max_severity", "reasons"]]


def _context(out: pd.DataFrame) -> pd.Series:
    flagged = out.max_severity.isin(["critical", "high"]).astype(float)
    base = flagged.groupby(level="year").transform("mean")
    worst = pd.Series(0.0, index=out.index)
    for col in ("lab_id", "consultant_id", "verifier_id"):
        key = [out[col].fillna("—"), out.index.get_level_values("year")]
        n = flagged.groupby(key).transform("size")
        k = flagged.groupby(key).transform("sum")
        others = (k - flagged) / (n - 1).where(n > 1)  # leave the enterprise itself out
        lift = ((others - base) / (1 - base)).clip(0, 1).where(out[col].notna(), 0.0).fillna(0.0)
        worst = np.maximum(worst, lift)
    return worst


def _reasons(r) -> str:
    """Machine-readable reasons; the pages render them in the reader's language."""
    rule_ids = r.rule_ids if isinstance(r.rule_ids, list) else []
    return json.dumps({"rules": rule_ids[:5], "model_unit": r.unit_id if r.model > 0 else None,
                       "model_period": str(r.period)[:7] if r.model > 0 else None,
                       "deficit_share": round(float(r.deficit_share), 4) if r.motive > 0 else None,
                       "context": round(float(r.context), 3) if r.context > 0 else None,
                       "context_reason": (json.loads(r.context_reason) if r.context > 0 and
                                          isinstance(r.context_reason, str) else None)})


def composite(comp: pd.DataFrame, weights: dict | None = None) -> pd.DataFrame:
    """Risk score (0-100) and band for each row of a components frame."""
    score = comp.eval(score_expression(weights), engine="python")
    return comp.assign(risk_score=score.round(2), band=band_of(score))


def by_enterprise(comp: pd.DataFrame, weights: dict | None = None) -> pd.DataFrame:
    """Each enterprise's worst year: the review list, highest risk first."""
    scored = composite(comp, weights)
    # ties broken by the enterprise id: the same data give the same list, whatever order rows came in
    worst = scored.sort_values(["risk_score", "year", "enterprise_id"], ascending=[False, False, True],
                               kind="stable").drop_duplicates("enterprise_id")
    return worst.reset_index(drop=True)
