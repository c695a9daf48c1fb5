"""The detectors on public benchmark data, side by side with their ensemble.

Data: ADBench's classical sets (Han et al., "ADBench: Anomaly Detection Benchmark", NeurIPS 2022):
the `.npz` files (arrays `X`, `y` with 1 = anomaly) under `adbench/datasets/Classical/` of
github.com/Minqi824/ADBench, read from a folder given on the command line (`python -m core.cli
detector-bench FOLDER`); never stored in this repository.

Protocol, PyOD's published benchmark (pyod docs, "Benchmarks"): per set and trial a random
stratified 60 % / 40 % split, X standardised with the training part's mean and standard deviation,
every detector fitted on the training part without labels and scored on the test part, ROC-AUC on
the test part, the mean over trials. Sets with more than `max_rows` rows are first subsampled
(stratified, seeded) so that a run stays within minutes on two cores: the quadratic neighbour
methods (KNN, LOF) would take hours on donors (619k rows) or http (567k). The ensemble is the
product's own (core.engine.detectors): each member's test scores robust-standardised by its
training scores, then averaged (`combine`).

CLASSIC are the 8 classic PyOD detectors of the registry, the yardstick. The default ensemble is
chosen here, not by hand (`choose`): among the combinations of 2 to 5 CANDIDATES (members that cost
at most O(n x sample), so that it runs on every unit-month), the one at or above the classic mean
on the most sets, ties broken by the higher mean ROC-AUC.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from core.engine import detectors

CLASSIC = ("iforest", "ecod", "copod", "hbos", "pca", "cblof", "knn", "lof")
CANDIDATES = ("iforest", "ecod", "copod", "hbos", "pca", "cblof", "gmm", "sknn")
MEMBERS = (2, 5)  # smallest and largest combination tried


@dataclass
class BenchResult:
    """ROC-AUC per set (rows) and detector or combination (columns, a combination named by its
    members joined with '+'), each the mean over trials; what was run, and its cost."""

    auc: pd.DataFrame
    sets: pd.DataFrame  # set, rows, used_rows, features, anomaly_share
    trials: int
    max_rows: int
    seed: int
    seconds: dict[str, float] = field(default_factory=dict)  # fit + score time per detector, all sets
    failed: dict[str, list[str]] = field(default_factory=dict)  # detector -> sets it could not run on


def combo_name(members) -> str:
    return "+".join(members)


def load_sets(folder: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Every `*.npz` of the folder with X (2-D, numeric) and y (0/1), in the ADBench numbering
    order; a file without them, or with no anomaly or no inlier, is refused with its name."""
    folder = Path(folder)
    files = sorted(folder.glob("*.npz"), key=lambda p: (int(p.stem.split("_")[0]) if p.stem.split("_")[0].isdigit()
                                                           else 10**6, p.stem))
    if not files:
        raise FileNotFoundError(f"no .npz files in {folder}: give the folder adbench/datasets/Classical/ of the "
                                "ADBench repository (github.com/Minqi824/ADBench)")
    out = []
    for path in files:
        with np.load(path, allow_pickle=False) as data:
            if "X" not in data or "y" not in data:
                raise ValueError(f"{path.name}: needs arrays X and y (ADBench's format)")
            X, y = np.asarray(data["X"], dtype=np.float64), np.asarray(data["y"]).astype(int).ravel()
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"{path.name}: X must be rows x features with one label per row")
        if not 0 < y.sum() < len(y):
            raise ValueError(f"{path.name}: needs both anomalies (y = 1) and inliers (y = 0)")
        out.append((path.stem, X, y))
    return out


def _subsample(X, y, max_rows: int, rng) -> tuple[np.ndarray, np.ndarray]:
    if len(X) <= max_rows:
        return X, y
    keep = []
    for label in (0, 1):  # stratified: the anomaly share is kept
        idx = np.flatnonzero(y == label)
        k = max(1, round(max_rows * len(idx) / len(y)))
        keep.append(rng.choice(idx, min(k, len(idx)), replace=False))
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]


def _split(y, rng, test_share: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """A stratified random split: test_share of each class to the test part."""
    test = []
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == label))
        test.append(idx[:max(1, round(len(idx) * test_share))])
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(len(y)), test)
    return train, test


def _standardise_columns(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, sd = train.mean(axis=0), train.std(axis=0)
    sd[~(sd > 0)] = 1.0
    return (train - mean) / sd, (test - mean) / sd


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC of the scores against the labels (scikit-learn's; tied scores count half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def combinations(candidates=CANDIDATES, sizes=MEMBERS) -> list[tuple[str, ...]]:
    return [c for k in range(sizes[0], sizes[1] + 1) for c in itertools.combinations(candidates, k)]


def run(folder: Path, names=None, *, trials: int = 3, max_rows: int = 10_000, seed: int = 0,
        combos: list[tuple[str, ...]] | None = None,
        progress: Callable[[str], None] | None = None) -> BenchResult:
    """Every detector of `names` (default: CLASSIC and the CANDIDATES) and every combination of
    `combos` (default: all of CANDIDATES with 2-5 members, and the current default ensemble) on
    every set of `folder`, by the protocol of the module docstring."""
    names = list(dict.fromkeys(names or (*CLASSIC, *CANDIDATES)))
    combos = list(dict.fromkeys(combos if combos is not None
                                else [*combinations(), tuple(detectors.DEFAULT_ENSEMBLE)]))
    missing = {m for c in combos for m in c} - set(names)
    if missing:
        raise ValueError(f"combinations use detectors that are not run: {', '.join(sorted(missing))}")
    sets = load_sets(folder)
    rng = np.random.default_rng(seed)
    rows, info, seconds, failed = [], [], dict.fromkeys(names, 0.0), {}
    for set_name, X_all, y_all in sets:
        X, y = _subsample(X_all, y_all, max_rows, rng)
        info.append({"set": set_name, "rows": len(X_all), "used_rows": len(X), "features": X.shape[1],
                     "anomaly_share": round(float(y.mean()), 4)})
        sums: dict[str, list[float]] = {}
        for trial in range(trials):
            if progress:
                progress(f"{set_name} trial {trial + 1}/{trials}")
            train, test = _split(y, rng)
            Xtr, Xte = _standardise_columns(X[train], X[test])
            z: dict[str, np.ndarray] = {}
            for name in names:
                t0 = time.perf_counter()
                try:
                    fitted, new = detectors.fit_then_score(name, Xtr, Xte, seed + trial)
                except Exception:  # reported per set, like score_matrix's failed detectors
                    failed.setdefault(name, [])
                    if set_name not in failed[name]:
                        failed[name].append(set_name)
                    continue
                finally:
                    seconds[name] += time.perf_counter() - t0
                z[name] = detectors.standardise(new, fitted)
                sums.setdefault(name, []).append(roc_auc(y[test], new))
            for combo in combos:
                members = [z[m] for m in combo if m in z]  # as score_matrix: failed members left out
                if members:
                    sums.setdefault(combo_name(combo), []).append(roc_auc(y[test], detectors.combine(members)))
        rows.append({"set": set_name, **{k: float(np.mean(v)) for k, v in sums.items()}})
    auc = pd.DataFrame(rows).set_index("set")
    return BenchResult(auc, pd.DataFrame(info), trials, max_rows, seed, seconds, failed)


def compare(result: BenchResult, ensemble=None) -> pd.DataFrame:
    """Per set: the classic detectors' mean and best, the ensemble's ROC-AUC and whether it is at
    or above the classic mean."""
    name = combo_name(ensemble or detectors.DEFAULT_ENSEMBLE)
    classic = result.auc[[c for c in CLASSIC if c in result.auc]]
    out = pd.DataFrame({"classic_mean": classic.mean(axis=1), "classic_best": classic.max(axis=1),
                        "best_detector": classic.idxmax(axis=1), "ensemble": result.auc[name]})
    out["at_or_above_mean"] = out["ensemble"] >= out["classic_mean"]
    return out


def summary(result: BenchResult, ensemble=None) -> dict:
    """The figures the default is judged on: the share of sets where the ensemble is at or above
    the classic mean; its mean ROC-AUC against the best single classic detector's (the one with
    the best mean over the sets) and against each set's best (an oracle no method can know)."""
    per_set = compare(result, ensemble)
    classic = result.auc[[c for c in CLASSIC if c in result.auc]]
    best_single = classic.mean().idxmax()
    return {"ensemble": combo_name(ensemble or detectors.DEFAULT_ENSEMBLE), "sets": len(per_set),
            "at_or_above_classic_mean": int(per_set["at_or_above_mean"].sum()),
            "share_at_or_above_classic_mean": round(float(per_set["at_or_above_mean"].mean()), 3),
            "ensemble_mean_auc": round(float(per_set["ensemble"].mean()), 4),
            "classic_mean_auc": round(float(per_set["classic_mean"].mean()), 4),
            "best_single_detector": best_single, "best_single_mean_auc": round(float(classic[best_single].mean()), 4),
            "gap_to_best_single": round(float(classic[best_single].mean() - per_set["ensemble"].mean()), 4),
            "gap_to_per_set_best": round(float((per_set["classic_best"] - per_set["ensemble"]).mean()), 4)}


def choose(result: BenchResult, combos: list[tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The default ensemble by the rule of the module docstring: most sets at or above the classic
    mean, then the higher mean ROC-AUC, then fewer members (cheaper), then the name."""
    combos = combos or combinations()
    classic_mean = result.auc[[c for c in CLASSIC if c in result.auc]].mean(axis=1)

    def key(combo):
        col = result.auc[combo_name(combo)]
        return (-int((col >= classic_mean).sum()), -float(col.mean()), len(combo), combo_name(combo))
    return min((c for c in combos if combo_name(c) in result.auc), key=key)


def markdown(result: BenchResult, ensemble=None) -> str:
    """The side-by-side table: one row per set, the classic detectors, the candidates, the ensemble."""
    name = combo_name(ensemble or detectors.DEFAULT_ENSEMBLE)
    singles = [c for c in dict.fromkeys((*CLASSIC, *CANDIDATES)) if c in result.auc]
    per_set = compare(result, ensemble)
    head = ["set", "rows (used)", *singles, "classic mean", f"ensemble ({name})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    info = result.sets.set_index("set")
    for s, r in result.auc.iterrows():
        rows = f"{info.loc[s, 'rows']:,}" + (f" ({info.loc[s, 'used_rows']:,})" if info.loc[s, "used_rows"] < info.loc[s, "rows"] else "")
        cells = [f"{r[c]:.3f}" if pd.notna(r.get(c)) else "–" for c in singles]
        mark = "" if per_set.loc[s, "at_or_above_mean"] else " ↓"
        lines.append("| " + " | ".join([s, rows, *cells, f"{per_set.loc[s, 'classic_mean']:.3f}",
                                        f"**{per_set.loc[s, 'ensemble']:.3f}**{mark}"]) + " |")
    means = [f"{result.auc[c].mean():.3f}" for c in singles]
    lines.append("| " + " | ".join(["mean", "", *means, f"{per_set['classic_mean'].mean():.3f}",
                                    f"**{per_set['ensemble'].mean():.3f}**"]) + " |")
    return "\n".join(lines)
