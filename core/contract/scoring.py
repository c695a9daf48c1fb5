"""The published method of the risk score: its components, weights, bands and the one formula.

    risk = 100 x (w_rules x rules + w_model x model + w_motive x motive + w_context x context) / sum(w)

The formula is written once, as an arithmetic expression (`score_expression`) that DuckDB
evaluates over stored components and pandas evaluates (`DataFrame.eval`) over computed
ones, so the screen, the exports and the what-if page cannot drift apart. How each component
is computed is core.engine.risk; the severities and thresholds here are shared by the rules
(core.engine.rules) and the store's queries (core.store), which must agree on them.
"""
from __future__ import annotations

import math

import numpy as np

# Rule severities, graded as EPA's ECMPS checks; the weight is the chance the rule alone is right.
SEVERITIES = ("critical", "high", "medium", "info")
SEVERITY_WEIGHT = {"critical": 0.9, "high": 0.6, "medium": 0.25, "info": 0.05}
SERIOUS = SEVERITIES[:2]  # "flagged" by a rule: critical or high

DEFAULT_WEIGHTS = {"rules": 0.6, "model": 0.2, "motive": 0.1, "context": 0.1}
COMPONENTS = tuple(DEFAULT_WEIGHTS)
# Bands on the 0-100 score: one critical rule alone (54) is critical; one high rule (36) is high.
BANDS = (("critical", 50.0), ("high", 30.0), ("medium", 12.0), ("low", 0.0))
BAND_NAMES = tuple(name for name, _ in BANDS)
FLAGGED_BANDS = BAND_NAMES[:2]  # critical, high
MODEL_Z_FLOOR, MODEL_Z_FULL = 3.0, 8.0
DEFICIT_SATURATION = 0.20

# Thresholds that both the rules and the store's queries apply.
BATCH_MIN_MONTHS = 4  # months of one year on one lab test date before it is batch testing
VERIFICATION_GAP = 0.05  # verified tonnes this share below the monthly deposits
MIN_HOURS = 100  # months below this are outages or start-ups: kept, but not used as a reference


def normalise_weights(weights: dict | None) -> dict[str, float]:
    """The weights divided by their sum; refuses unknown names, negatives and all-zero."""
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    if set(w) != set(COMPONENTS):
        raise ValueError(f"weights must name exactly {', '.join(COMPONENTS)}")
    if any((not math.isfinite(v)) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    total = sum(w.values())
    return {k: float(v) / total for k, v in w.items()}


def score_expression(weights: dict | None = None, alias: str | None = None) -> str:
    """The composite as one arithmetic expression over the component columns (prefixed with
    `alias.` for SQL). The weights are our own validated floats, never user text."""
    w = normalise_weights(weights)
    prefix = f"{alias}." if alias else ""
    return "100 * (" + " + ".join(f"{w[k]!r} * {prefix}{k}" for k in COMPONENTS) + ")"


def band_of(score) -> np.ndarray:
    """The band of each score, by BANDS."""
    s = np.asarray(score, dtype=float)
    out = np.full(s.shape, BANDS[-1][0], dtype=object)
    for name, lo in reversed(BANDS[:-1]):
        out[s >= lo] = name
    return out
