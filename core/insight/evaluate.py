"""How well a run ranks known cases: the demo's planted ground truth or the decisions of cases.

Two label sources (LABEL_SOURCES): "planted", the `case_labels` table (the demo's planted cases,
or a user's imported past inspections), and "decided", the last decision of every enterprise case
(core.store.cases.decided_labels). An enterprise counts as positive when its labels hold a
confirmed outcome, negative otherwise (dismissed or never inspected). Rankings are by enterprise:
its worst year for the risk composite, its worst row for a detector. Reported, for the composite
and for every detector side by side: ROC-AUC, average precision, precision at k, and recall
within a review budget (a share of all enterprises), overall and per pattern.

Decided cases are a biased sample: only inspected enterprises have a decision, and what is
inspected is mostly what a ranking put on top. So for decided labels every ranking also reports,
next to precision@k, `decided@k` (how many of its top k have a decision at all) and
`precision_decided@k` (the confirmed share among those), and per_pattern counts confirmed cases
(not enterprises) of each pattern found within the review budget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from core.contract.access import Scope
from core.insight import runs
from core.store import cases as case_store
from core.store import runs as run_store

LABEL_SOURCES = ("planted", "decided")


@dataclass
class Evaluation:
    n_enterprises: int
    n_positive: int
    budget: float
    budget_k: int
    table: pd.DataFrame  # one row per ranking: auc, ap, precision@k..., recall@budget
    per_pattern: pd.DataFrame  # pattern, cases, found within the budget, recall (risk composite)
    ranking: pd.DataFrame  # the composite ranking with a label column
    labels: str = "planted"  # the label source (LABEL_SOURCES)
    n_labels: int = 0  # label rows in scope (planted: case_labels rows; decided: decided cases)
    n_decided: int = 0  # enterprises with a label of either outcome (decided: inspected and decided)


def labels(con, scope: Scope | None = None, source: str = "planted", at: str = "") -> pd.DataFrame:
    """The labels of `source` in `scope`: enterprise_id, period, pattern, outcome (and case_id for
    decided cases). `at` is the cases' version (core.store.cases.version) for a cached caller."""
    return _labels(con, scope or Scope.national(), source, at)


def _labels(con, scope: Scope, source: str, at: str = "") -> pd.DataFrame:
    if source == "planted":
        return run_store.case_labels(con, scope)
    if source == "decided":
        return case_store.decided_labels(con, scope, at)
    raise ValueError(f"unknown label source {source!r}: one of {', '.join(LABEL_SOURCES)}")


def _metrics(name: str, scores: pd.Series, positive: pd.Series, ks: tuple[int, ...], budget_k: int,
             decided: pd.Series | None = None) -> dict:
    y = positive.reindex(scores.index, fill_value=False).to_numpy()
    d = None if decided is None else decided.reindex(scores.index, fill_value=False).to_numpy()
    s = scores.to_numpy(dtype=float)
    order = np.argsort(-s, kind="stable")
    row = {"ranking": name,
           "roc_auc": roc_auc_score(y, s) if 0 < y.sum() < len(y) else np.nan,
           "avg_precision": average_precision_score(y, s) if y.sum() else np.nan}
    for k in ks:
        row[f"precision@{k}"] = y[order[:k]].mean() if k <= len(y) else np.nan
        if d is not None:
            n_decided = int(d[order[:k]].sum()) if k <= len(y) else np.nan
            row[f"decided@{k}"] = n_decided
            row[f"precision_decided@{k}"] = (y[order[:k]].sum() / n_decided if k <= len(y) and n_decided
                                             else np.nan)
    row["recall@budget"] = y[order[:budget_k]].sum() / max(y.sum(), 1)
    return row


def evaluate(con, run: runs.Run, *, budget: float = 0.05, ks: tuple[int, ...] = (50, 100),
             weights: dict | None = None, scope: Scope | None = None, labels: str = "planted",
             at: str = "") -> Evaluation:
    """The run's rankings measured against the labels of `labels` (LABEL_SOURCES) in `scope`
    (default: the run's). LookupError when no confirmed label is in scope."""
    if not 0 < budget <= 1:
        raise ValueError("the review budget is a share of enterprises in (0, 1]")
    source = labels
    scope = scope or run.config.scope
    lab = _labels(con, scope, source, at)
    confirmed = lab[lab.outcome == "confirmed"]
    if confirmed.empty:
        if source == "decided":
            raise LookupError(f"no confirmed decision in scope ({len(lab)} decided cases, none confirmed): confirm "
                              "an enterprise case with the pattern found to evaluate against decided cases")
        raise LookupError("no confirmed case labels in scope: load case_labels (past inspection outcomes) to evaluate")
    rank = runs.ranked(con, run.run_id, weights, scope).set_index("enterprise_id")
    positive = pd.Series(True, index=confirmed.enterprise_id.unique())
    decided = pd.Series(True, index=lab.enterprise_id.unique()) if source == "decided" else None
    budget_k = max(1, math.ceil(budget * len(rank)))
    rows = [_metrics("risk composite", rank.risk_score, positive, ks, budget_k, decided),
            _metrics("rules only", rank.rules, positive, ks, budget_k, decided)]
    for name, s in _detector_scores(con, run, scope).items():
        rows.append(_metrics(name, s.reindex(rank.index, fill_value=s.min()), positive, ks, budget_k, decided))
    top = set(rank.index[:budget_k])
    if source == "decided":  # confirmed cases of each pattern, each case counted
        per = confirmed.drop_duplicates("case_id").assign(found=lambda d: d.enterprise_id.isin(top))
        per_pattern = per.groupby("pattern").agg(cases=("case_id", "nunique"), found=("found", "sum")).reset_index()
    else:
        per = confirmed.drop_duplicates(["enterprise_id", "pattern"]).assign(found=lambda d: d.enterprise_id.isin(top))
        per_pattern = per.groupby("pattern").agg(cases=("enterprise_id", "nunique"), found=("found", "sum")).reset_index()
    per_pattern["recall"] = per_pattern.found / per_pattern.cases
    ranking = rank.reset_index().assign(confirmed=lambda d: d.enterprise_id.isin(positive.index))
    if decided is not None:
        ranking["decided"] = ranking.enterprise_id.isin(decided.index)
    table = pd.DataFrame(rows)
    table = table.astype({c: "Int64" for c in table.columns if c.startswith("decided@")})  # counts, <NA> past the end
    return Evaluation(len(rank), int(len(positive)), budget, budget_k, table, per_pattern, ranking,
                      labels=source, n_labels=len(lab), n_decided=int(lab.enterprise_id.nunique()))


def _detector_scores(con, run: runs.Run, scope: Scope) -> dict[str, pd.Series]:
    """Each enterprise's worst row per detector, and for the ensemble, from the stored scores."""
    names = run.agreement.get("detectors", list(run.config.detectors))
    df = run_store.worst_detector_scores(con, run.run_id, len(names), scope)
    out = {"model ensemble": df.ensemble}
    out.update({f"detector {n}": df[f"d{i}"] for i, n in enumerate(names)})
    return out
