"""The detector benchmark (core.engine.benchmark, `core.cli detector-bench`) as behaviour: its
ROC-AUC, its protocol (stratified subsample and split, fit on train, score on test), the choice
of the default ensemble by its documented rule, and the command on a folder of .npz files."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from core import cli
from core.engine import benchmark, detectors


def planted_set(n=400, d=4, k=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.zeros(n, dtype=int)
    idx = rng.choice(n, k, replace=False)
    X[idx] += 5
    y[idx] = 1
    return X, y


@pytest.fixture
def folder(tmp_path):
    for i, seed in ((1, 0), (2, 1)):
        X, y = planted_set(seed=seed)
        np.savez(tmp_path / f"{i}_planted{seed}.npz", X=X, y=y)
    return tmp_path


def test_roc_auc_ranks_anomalies_against_inliers():
    y = np.array([0, 0, 1, 1])
    assert benchmark.roc_auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert benchmark.roc_auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert benchmark.roc_auc(y, np.ones(4)) == 0.5  # ties share their rank
    rng = np.random.default_rng(3)
    y, s = rng.integers(0, 2, 500), rng.normal(size=500).round(1)  # with ties
    assert benchmark.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_subsample_and_split_keep_the_anomaly_share():
    X, y = planted_set(n=5000, k=250)
    rng = np.random.default_rng(0)
    Xs, ys = benchmark._subsample(X, y, 1000, rng)
    assert len(Xs) == 1000 and ys.mean() == pytest.approx(0.05, abs=0.002)
    train, test = benchmark._split(ys, rng)
    assert not set(train) & set(test) and len(train) + len(test) == len(ys)
    assert len(test) == pytest.approx(0.4 * len(ys), abs=2)
    assert ys[test].mean() == pytest.approx(ys[train].mean(), abs=0.01)


def test_a_run_scores_every_detector_and_the_ensemble_on_every_set(folder):
    ensemble = tuple(detectors.DEFAULT_ENSEMBLE)
    r = benchmark.run(folder, (*benchmark.CLASSIC, *ensemble), trials=2, combos=[ensemble])
    assert list(r.auc.index) == ["1_planted0", "2_planted1"]
    assert set(benchmark.CLASSIC) <= set(r.auc.columns) and benchmark.combo_name(ensemble) in r.auc.columns
    assert ((r.auc >= 0) & (r.auc <= 1)).all().all()
    assert (r.auc[benchmark.combo_name(ensemble)] > 0.95).all()  # planted far outliers
    cmp = benchmark.compare(r)
    assert cmp["at_or_above_mean"].tolist() == (cmp["ensemble"] >= cmp["classic_mean"]).tolist()
    s = benchmark.summary(r)
    assert s["sets"] == 2 and s["best_single_detector"] in benchmark.CLASSIC
    assert s["gap_to_best_single"] == pytest.approx(s["best_single_mean_auc"] - s["ensemble_mean_auc"], abs=1e-3)


def test_the_choice_follows_its_documented_rule():
    """Most sets at or above the classic mean first, then the higher mean ROC-AUC."""
    sets = ["a", "b", "c"]
    classic = {c: [0.7, 0.7, 0.7] for c in benchmark.CLASSIC}
    auc = pd.DataFrame({**classic,
                        "x+y": [0.99, 0.99, 0.60],  # best mean, above the classic mean on 2 sets
                        "x+z": [0.71, 0.71, 0.71],  # lower mean, above it on all 3
                        "y+z": [0.70, 0.70, 0.70]}, index=sets)  # at the mean on 3, lower mean than x+z
    r = benchmark.BenchResult(auc, pd.DataFrame({"set": sets}), 1, 10, 0)
    assert benchmark.choose(r, [("x", "y"), ("x", "z"), ("y", "z")]) == ("x", "z")


def test_load_sets_says_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="ADBench"):
        benchmark.load_sets(tmp_path)
    np.savez(tmp_path / "1_bad.npz", X=np.zeros((5, 2)))
    with pytest.raises(ValueError, match="1_bad.npz: needs arrays X and y"):
        benchmark.load_sets(tmp_path)
    np.savez(tmp_path / "1_bad.npz", X=np.zeros((5, 2)), y=np.zeros(5))
    with pytest.raises(ValueError, match="both anomalies"):
        benchmark.load_sets(tmp_path)


def test_the_command_prints_and_writes_the_table(folder, tmp_path, capsys):
    md, js = tmp_path / "t.md", tmp_path / "t.json"
    assert cli.main(["detector-bench", str(folder), "--trials", "1", "--markdown", str(md), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "| set |" in out and "default ensemble" in out and "chosen by the benchmark" in out
    assert md.read_text(encoding="utf-8").startswith("| set |")
    data = json.loads(js.read_text(encoding="utf-8"))
    assert set(data["auc"]) == {"1_planted0", "2_planted1"} and data["default"]["sets"] == 2
    assert cli.main(["detector-bench", str(tmp_path / "none")]) == 1
    assert "no .npz files" in capsys.readouterr().err


def test_the_sampled_neighbour_detector_is_bounded_and_leaves_itself_out():
    X, y = planted_set(n=3000, k=30)
    model = detectors.REGISTRY["sknn"].factory(0)
    model.fit(X)
    assert len(model.sample_) == 2000 and len(set(model.sample_)) == 2000
    assert (model.decision_scores_[model.sample_] > 0).all()  # never its own zero distance
    assert benchmark.roc_auc(y, model.decision_scores_) > 0.95
    far = model.decision_function(np.full((1, X.shape[1]), 8.0))
    assert far[0] > np.quantile(model.decision_scores_, 0.99)
