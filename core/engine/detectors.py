"""Outlier detectors on one contract, and their ensemble.

The registry is plain data: a name, a factory, a cost class and whether the detector
needs scaled inputs. `score_matrix(X)` scores any numeric matrix with the named
detectors (None = the default ensemble) and returns one finite ensemble score per row,
higher = more abnormal, with every detector's scores on one comparable scale beside it.

Ensemble, documented: each detector's raw scores are robust-standardised
((s - median) / (1.4826 MAD), clipped to [-5, 30]) and the ensemble is their mean
(the "average of standardised scores" of Aggarwal & Sathe, Outlier Ensembles, 2017).
Standardising puts detectors of very different raw scales on one footing; averaging
keeps the variance low; the robust scale and the clip stop one detector's heavy tail
from deciding alone. The default members are not picked by hand: `core.engine.benchmark` runs
every combination of 2 to 5 candidates beside the 8 classic PyOD detectors on the public ADBench
classical sets (PyOD's protocol) and keeps the one at or above the classic detectors' mean on the
most sets (`python -m core.cli detector-bench FOLDER`; the table is docs/detectors.md): ECOD
(extreme values of single features), HBOS (histograms), CBLOF (distance to the large clusters) and
a neighbour method over a bounded random sample (sknn: local outliers at O(n x 2,000), so it runs
on every unit-month). Rows that break a linear relation between raw columns are PCA's and GMM's
strength, not this ensemble's; the features turn the relations that matter into ratios against
peers and against a unit's own history, where they are single-feature extremes
(tests/unit/test_detectors.py plants each kind). Neighbour methods over all rows (KNN, LOF) cost
O(n^2): they run on enterprise-level aggregates or within peer groups.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

MAD_TO_SD = 1.4826
CLIP = (-5.0, 30.0)
NEIGHBOUR_LIMIT = 60_000  # rows above which a neighbour method must run per group
MIN_ROWS = 10  # fewer rows than this tell a detector nothing about what is normal
PCA_EIGEN_FLOOR = 1e-3  # eigenvalues below 0.1 % of the total variance are raised to it


def _iforest(seed):
    from pyod.models.iforest import IForest
    return IForest(n_estimators=100, n_jobs=2, random_state=seed)


def _ecod(seed):
    from pyod.models.ecod import ECOD
    return ECOD()


def _copod(seed):
    from pyod.models.copod import COPOD
    return COPOD()


def _hbos(seed):
    from pyod.models.hbos import HBOS
    return HBOS(n_bins=20)


def _pca(seed):
    from pyod.models.pca import PCA

    class SafePCA(PCA):
        """PyOD's PCA contract (fit, decision_scores_, decision_function, threshold_, labels_), scored
        as the classic eigenvalue-weighted distance sum_j (x . v_j)^2 / lambda_j on standardised data
        (Shyu et al. 2003). Weighting is what makes PCA see rows that break a correlation; PyOD's
        weighted=True divides by eigenvalues that are zero on collinear features (emissions = activity
        x factor) and returns +inf (GUIDE §3), and weighted=False reduces to the row's norm. Here the
        eigenvalues are floored at 0.1 % of the total variance: finite, and exact collinearity
        (whose projections are rounding noise) contributes nothing."""

        def fit(self, X, y=None):
            super().fit(X, y)  # weighted=False: PyOD's own scores stay finite, then replaced
            self.decision_scores_ = self._weighted(self.scaler_.transform(np.asarray(X, dtype=float)))
            self._process_decision_scores()
            return self

        def decision_function(self, X):
            return self._weighted(self.scaler_.transform(np.asarray(X, dtype=float)))

        def _weighted(self, Z):
            lam = self.detector_.explained_variance_
            lam = np.maximum(lam, PCA_EIGEN_FLOOR * lam.sum())
            proj = (Z - self.detector_.mean_) @ self.components_.T
            return np.sum(proj ** 2 / lam, axis=1)

    return SafePCA(weighted=False, standardization=True, random_state=seed)


def _cblof(seed):
    from pyod.models.cblof import CBLOF
    # the textbook alpha=0.9, beta=5 finds no large/small split on unimodal data and raises
    return CBLOF(n_clusters=10, alpha=0.8, beta=1.2, random_state=seed)


def _gmm(seed):
    from pyod.models.gmm import GMM
    # 2 full-covariance components: 2.5 s on 433k x 10 (4 components: 16 s, no better)
    return GMM(n_components=2, covariance_type="full", reg_covar=1e-4, max_iter=50, random_state=seed)


def _knn(seed):
    from pyod.models.knn import KNN
    return KNN(n_neighbors=10, method="mean", n_jobs=2)


def _lof(seed):
    from pyod.models.lof import LOF
    return LOF(n_neighbors=20, n_jobs=2)


def _sknn(seed):
    from pyod.models.base import BaseDetector
    from sklearn.neighbors import NearestNeighbors

    class SampledKNN(BaseDetector):
        """PyOD's detector contract (fit, decision_scores_, decision_function, threshold_, labels_):
        the mean distance of a row to its k nearest neighbours among a bounded random reference
        sample of the rows it was fitted on, instead of among all of them. Distance to a small
        random sample ranks outliers about as well as distance to the whole data set, often better
        (Wu & Jermaine, Outlier detection by sampling with accuracy guarantees, KDD 2006; Sugiyama &
        Borgwardt, Rapid distance-based outlier detection via sampling, NeurIPS 2013), and costs
        O(n x sample) instead of O(n^2): a neighbour method that runs on every unit-month. A row of
        the sample is scored against the others (its own zero distance left out)."""

        def __init__(self, n_neighbors: int = 10, sample_size: int = 2_000, random_state=None,
                     contamination: float = 0.1):
            super().__init__(contamination=contamination)
            self.n_neighbors, self.sample_size, self.random_state = n_neighbors, sample_size, random_state

        def fit(self, X, y=None):
            X = np.asarray(X, dtype=np.float64)
            n = len(X)
            m = min(n, self.sample_size)
            rng = np.random.default_rng(self.random_state)
            self.sample_ = np.sort(rng.choice(n, m, replace=False)) if m < n else np.arange(n)
            self.k_ = max(1, min(self.n_neighbors, m - 1))
            # brute force: against a sample of 2,000 rows it is 5x faster than a tree (433k x 10: 2.5 s)
            self.index_ = NearestNeighbors(n_neighbors=self.k_ + 1, algorithm="brute").fit(X[self.sample_])
            dist, _ = self.index_.kneighbors(X, n_neighbors=self.k_ + 1)
            scores = dist[:, :self.k_].mean(axis=1)
            scores[self.sample_] = dist[self.sample_, 1:].mean(axis=1)  # without itself
            self.decision_scores_ = scores
            self._process_decision_scores()
            return self

        def decision_function(self, X):
            dist, _ = self.index_.kneighbors(np.asarray(X, dtype=np.float64), n_neighbors=self.k_)
            return dist.mean(axis=1)

    return SampledKNN(n_neighbors=10, sample_size=2_000, random_state=seed)


@dataclass(frozen=True)
class Detector:
    name: str
    factory: Callable[[int], object]
    cost: str  # "fast" (< 1 s per 100k rows), "medium", "neighbour" (quadratic)
    needs_scaling: bool
    kind: str  # what it sees best; its name for readers: core.words.labels.detector_label


REGISTRY: dict[str, Detector] = {d.name: d for d in (
    Detector("iforest", _iforest, "medium", False, "global"),
    Detector("ecod", _ecod, "medium", False, "extreme values"),
    Detector("copod", _copod, "medium", False, "extreme values"),
    Detector("hbos", _hbos, "fast", False, "extreme values"),
    Detector("pca", _pca, "fast", False, "dependency-breaking"),
    Detector("cblof", _cblof, "fast", True, "cluster"),
    Detector("gmm", _gmm, "medium", True, "density"),
    Detector("knn", _knn, "neighbour", True, "local"),
    Detector("lof", _lof, "neighbour", True, "local"),
    Detector("sknn", _sknn, "medium", True, "local"),
)}
DEFAULT_ENSEMBLE = ("ecod", "hbos", "cblof", "sknn")  # chosen by core.engine.benchmark: docs/detectors.md


@dataclass
class ScoreResult:
    ensemble: np.ndarray  # one finite score per row, higher = more abnormal (mean robust z)
    scores: dict[str, np.ndarray]  # per detector, robust-standardised (comparable scale)
    raw: dict[str, np.ndarray]  # per detector, as PyOD returned them (repaired if needed)
    repaired: dict[str, int]  # non-finite raw scores replaced, per detector
    failed: dict[str, str]  # detectors that could not run on this matrix, and why
    seconds: dict[str, float]
    agreement: pd.DataFrame  # Spearman correlation between detectors' scores
    top_overlap: pd.DataFrame  # share of each detector's top 1 % that another detector also puts in its top 1 %
    notes: list[str] = field(default_factory=list)

    @property
    def detectors(self) -> list[str]:
        return list(self.scores)

    def percentile(self) -> np.ndarray:
        """Ensemble score as a percentile rank in [0, 1] (ties share the lower rank)."""
        return pd.Series(self.ensemble).rank(method="min", pct=True).to_numpy()

    def threshold(self, contamination: float) -> float:
        if not 0 < contamination < 0.5:
            raise ValueError("contamination must be between 0 and 0.5")
        return float(np.quantile(self.ensemble, 1 - contamination))


def standardise(s: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Robust z of scores s: (s - median) / (1.4826 MAD), clipped; the median and MAD are those of
    `reference` when given (a detector's scores on the rows it was fitted on), else of s."""
    ref = s if reference is None else reference
    med = np.median(ref)
    mad = np.median(np.abs(ref - med)) * MAD_TO_SD
    if not np.isfinite(mad) or mad <= 0:
        sd = np.std(ref)
        mad = sd if sd > 0 else 1.0
    return np.clip((s - med) / mad, *CLIP)


def _robust_centre_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column medians and interquartile ranges (1 where a column does not vary)."""
    med = np.median(X, axis=0)
    iqr = np.subtract(*np.percentile(X, [75, 25], axis=0))
    iqr[~(iqr > 0)] = 1.0
    return med, iqr


def robust_scale(X: np.ndarray) -> np.ndarray:
    med, iqr = _robust_centre_scale(X)
    return (X - med) / iqr


def _repair(raw: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace non-finite scores: +inf/nan -> the largest finite score (flagged, never dropped), -inf -> smallest."""
    bad = ~np.isfinite(raw)
    if not bad.any():
        return raw, 0
    finite = raw[~bad]
    hi, lo = (finite.max(), finite.min()) if finite.size else (1.0, 0.0)
    out = raw.copy()
    out[np.isnan(raw) | (raw == np.inf)] = hi
    out[raw == -np.inf] = lo
    return out, int(bad.sum())


def fit_scores(name: str, X: np.ndarray, seed: int = 0) -> np.ndarray:
    """One detector's raw training scores on X (higher = more abnormal)."""
    d = REGISTRY[name]
    model = d.factory(seed)
    model.fit(robust_scale(X) if d.needs_scaling else X)
    return np.asarray(model.decision_scores_, dtype=np.float64)


def fit_then_score(name: str, X_fit: np.ndarray, X_new: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One detector fitted on X_fit: its raw scores of X_fit and of X_new (rows it has not seen,
    scaled with X_fit's medians and ranges), both repaired. The benchmark's train/test protocol."""
    d = REGISTRY[name]
    model = d.factory(seed)
    if d.needs_scaling:
        med, iqr = _robust_centre_scale(X_fit)
        X_fit, X_new = (X_fit - med) / iqr, (X_new - med) / iqr
    model.fit(X_fit)
    fitted, _ = _repair(np.asarray(model.decision_scores_, dtype=np.float64))
    new, _ = _repair(np.asarray(model.decision_function(X_new), dtype=np.float64))
    return fitted, new


def combine(standardised: list[np.ndarray]) -> np.ndarray:
    """The ensemble of robust-standardised detector scores: their mean (module docstring)."""
    return np.mean(np.column_stack(standardised), axis=1)


def score_matrix(X, detectors=None, *, groups=None, seed: int = 0,
                 progress: Callable[[str, int, int], None] | None = None) -> ScoreResult:
    """Score a numeric matrix with the named detectors (None = DEFAULT_ENSEMBLE).

    groups: optional labels; neighbour methods (and any detector when given) then run within
    each group and are standardised within it. Non-numeric or non-finite inputs are refused
    with a clear error; non-finite scores are repaired and reported."""
    names = list(detectors) if detectors else list(DEFAULT_ENSEMBLE)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown detector(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    X = np.asarray(X)
    if not scorable(X):
        raise ValueError(f"need a 2-D matrix with at least {MIN_ROWS} rows and 1 column, got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError("the matrix must be numeric (string columns cannot be scored)")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError("the matrix holds NaN or infinite values; fill or drop them before scoring")
    scores, raw, repaired, failed, seconds, notes = {}, {}, {}, {}, {}, []
    for i, name in enumerate(names):
        if progress:
            progress(name, i, len(names))
        t0 = time.perf_counter()
        d = REGISTRY[name]
        try:
            if groups is not None or (d.cost == "neighbour" and len(X) > NEIGHBOUR_LIMIT):
                if groups is None:
                    raise ValueError(f"{name} is a neighbour method: on more than {NEIGHBOUR_LIMIT:,} rows run it "
                                     "within peer groups or on enterprise aggregates")
                r, z = _grouped(name, X, np.asarray(groups), seed)
            else:
                r = fit_scores(name, X, seed)
                r, n_bad = _repair(r)
                repaired[name] = n_bad
                z = standardise(r)
        except Exception as e:  # a detector that cannot fit this data is reported, not fatal
            failed[name] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            seconds[name] = time.perf_counter() - t0
            continue
        repaired.setdefault(name, 0)
        raw[name], scores[name] = r, z
        seconds[name] = time.perf_counter() - t0
    if progress:
        progress("ensemble", len(names), len(names))
    if not scores:
        raise ValueError("no detector could score this matrix: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    ensemble = combine(list(scores.values()))
    if not np.isfinite(ensemble).all():  # cannot happen after standardise; guard the contract anyway
        raise AssertionError("non-finite ensemble score")
    agreement, overlap = _agreement(scores)
    if any(repaired.values()):
        notes.append("repaired non-finite scores: " + ", ".join(f"{k} {v}" for k, v in repaired.items() if v))
    return ScoreResult(ensemble, scores, raw, repaired, failed, seconds, agreement, overlap, notes)


def scorable(X) -> bool:
    """Whether score_matrix can learn from X: at least MIN_ROWS rows and one column (features'
    model_matrix drops the columns that do not vary)."""
    X = np.asarray(X)
    return X.ndim == 2 and X.shape[0] >= MIN_ROWS and X.shape[1] >= 1


def unscored(n_rows: int, detectors=None, reason: str = "") -> ScoreResult:
    """The result for a matrix the detectors cannot learn from (not `scorable`: a single enterprise's
    first months, or every feature constant): every row at the median of every detector (0, nothing
    abnormal), and a note saying why, so the rules still rank such data and the run completes."""
    names = list(detectors) if detectors else list(DEFAULT_ENSEMBLE)
    zero = {n: np.zeros(n_rows) for n in names}
    same = pd.DataFrame(1.0, index=names, columns=names)  # identical scores: the same order
    return ScoreResult(np.zeros(n_rows), zero, dict(zero), {n: 0 for n in names}, {}, {n: 0.0 for n in names},
                       same, same.copy(), [f"not scored by the detectors: {reason}" if reason else "not scored"])


def _grouped(name: str, X: np.ndarray, groups: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    raw = np.zeros(len(X))
    z = np.zeros(len(X))
    for g in pd.unique(groups):
        idx = np.flatnonzero(groups == g)
        if len(idx) < 30:  # too few peers to say anything: neutral score
            continue
        r, _ = _repair(fit_scores(name, X[idx], seed))
        raw[idx] = r
        z[idx] = standardise(r)
    return raw, z


def _agreement(scores: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = list(scores)
    ranks = pd.DataFrame({n: pd.Series(s).rank() for n, s in scores.items()})
    agreement = ranks.corr(method="pearson")  # Pearson on ranks = Spearman
    k = max(1, int(len(ranks) * 0.01))
    tops = {n: set(np.argsort(-scores[n])[:k]) for n in names}
    overlap = pd.DataFrame([[len(tops[a] & tops[b]) / k for b in names] for a in names], index=names, columns=names)
    return agreement, overlap


def explain(X: np.ndarray, feature_names: list[str], rows, k: int = 3,
            center: np.ndarray | None = None) -> list[list[dict]]:
    """Per row, the k features that push it out most: value, column median and robust z."""
    X = np.asarray(X, dtype=np.float64)
    med = np.median(X, axis=0) if center is None else center
    mad = np.median(np.abs(X - med), axis=0) * MAD_TO_SD
    sd = X.std(axis=0)
    scale = np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))
    out = []
    for r in np.atleast_1d(rows):
        z = (X[r] - med) / scale
        top = np.argsort(-np.abs(z))[:k]
        out.append([{"feature": feature_names[j], "value": float(X[r, j]), "median": float(med[j]),
                     "z": float(np.clip(z[j], -99, 99))} for j in top if abs(z[j]) > 0])
    return out
