"""How well a run ranks known cases: the demo's ground truth or a user's past inspections.

An enterprise counts as positive when `case_labels` holds a confirmed outcome for it,
negative otherwise (dismissed or never inspected). Rankings are by enterprise: its worst
year for the risk composite, its worst row for a detector. Reported, for the composite and
for every detector side by side: ROC-AUC, average precision, precision at k, and recall
within a review budget (a share of all enterprises), overall and per pattern.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from core.contract.access import Scope
from core.insight import runs
from core.store import runs as run_store


@dataclass
class Evaluation:
    n_enterprises: int
    n_positive: int
    budget: float
    budget_k: int
    table: pd.DataFrame  # one row per ranking: auc, ap, precision@k..., recall@budget
    per_pattern: pd.DataFrame  # pattern, cases, found within the budget, recall (risk composite)
    ranking: pd.DataFrame  # the composite ranking with a label column


def labels(con, scope: Scope | None = None) -> pd.DataFrame:
    return run_store.case_labels(con, scope or Scope.national())


def _metrics(name: str, scores: pd.Series, positive: pd.Series, ks: tuple[int, ...], budget_k: int) -> dict:
    y = positive.reindex(scores.index, fill_value=False).to_numpy()
    s = scores.to_numpy(dtype=float)
    order = np.argsort(-s, kind="stable")
    row = {"ranking": name,
           "roc_auc": roc_auc_score(y, s) if 0 < y.sum() < len(y) else np.nan,
           "avg_precision": average_precision_score(y, s) if y.sum() else np.nan}
    for k in ks:
        row[f"precision@{k}"] = y[order[:k]].mean() if k <= len(y) else np.nan
    row["recall@budget"] = y[order[:budget_k]].sum() / max(y.sum(), 1)
    return row


def evaluate(con, run: runs.Run, *, budget: float = 0.05, ks: tuple[int, ...] = (50, 100),
             weights: dict | None = None, scope: Scope | None = None) -> Evaluation:
    if not 0 < budget <= 1:
        raise ValueError("the review budget is a share of enterprises in (0, 1]")
    scope = scope or run.config.scope
    lab = labels(con, scope)
    confirmed = lab[lab.outcome == "confirmed"]
    if confirmed.empty:
        raise LookupError("no confirmed case labels in scope: load case_labels (past inspection outcomes) to evaluate")
    rank = runs.ranked(con, run.run_id, weights, scope).set_index("enterprise_id")
    positive = pd.Series(True, index=confirmed.enterprise_id.unique())
    budget_k = max(1, math.ceil(budget * len(rank)))
    rows = [_metrics("risk composite", rank.risk_score, positive, ks, budget_k),
            _metrics("rules only", rank.rules, positive, ks, budget_k)]
    for name, s in _detector_scores(con, run, scope).items():
        rows.append(_metrics(name, s.reindex(rank.index, fill_value=s.min()), positive, ks, budget_k))
    top = set(rank.index[:budget_k])
    per = confirmed.drop_duplicates(["enterprise_id", "pattern"]).assign(found=lambda d: d.enterprise_id.isin(top))
    per_pattern = per.groupby("pattern").agg(cases=("enterprise_id", "nunique"), found=("found", "sum")).reset_index()
    per_pattern["recall"] = per_pattern.found / per_pattern.cases
    ranking = rank.reset_index().assign(confirmed=lambda d: d.enterprise_id.isin(positive.index))
    return Evaluation(len(rank), int(len(positive)), budget, budget_k, pd.DataFrame(rows), per_pattern, ranking)


def _detector_scores(con, run: runs.Run, scope: Scope) -> dict[str, pd.Series]:
    """Each enterprise's worst row per detector, and for the ensemble, from the stored scores."""
    names = run.agreement.get("detectors", list(run.config.detectors))
    df = run_store.worst_detector_scores(con, run.run_id, len(names), scope)
    out = {"model ensemble": df.ensemble}
    out.update({f"detector {n}": df[f"d{i}"] for i, n in enumerate(names)})
    return out
