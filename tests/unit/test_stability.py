"""Stability of the review list (issue 13.5): the same data and seed give the same ranking, and a
perturbation within measurement error (1 % of the monthly rows) keeps at least 90 % of the top 5 %.

Both on demo databases built by the product's own path (demo files -> loader -> DuckDB -> the
default assessment). The small demo of tests/conftest.py has 66 enterprises, whose top 5 % is 4
(90 % of them would mean all); scale 0.15 has 330 and a top 5 % of 17, so one place may change hands.
The national size (2,200 enterprises, a top 5 % of 110) is marked slow: about a minute for both tests
(build included), against under 20 s at scale 0.15.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import demo
from core.contract.access import Scope
from core.insight import evaluate, runs
from core.store import db, loader
from core.store import runs as run_store

BUDGET = 0.05      # the review budget of `core.cli evaluate`: a share of all enterprises
MIN_KEPT = 0.90    # issue 13.5: share of the top 5 % still in the top 5 % after the perturbation
JITTER_SHARE = 0.01

# Measurement error of each jittered quantity, the half-width of a uniform draw. domain.md names the
# standards (§2.3: coal sampled, tested and converted under Table 1 of the 2022 guide) but gives no
# precision figures; these are the standards' own:
# - coal weighing: GB 17167-2006, dynamic scales for fuel entering a plant, accuracy class 0.5, i.e.
#   ±0.5 % (unconfirmed, from memory);
# - NCV: GB/T 213-2008 (ISO 1928, modified), repeatability limit 0.12 MJ/kg = GJ/t (reproducibility
#   0.30), about 0.6 % of a 20 GJ/t coal;
# - element carbon: GB/T 476-2008, repeatability limit 0.50 percentage points (unconfirmed, from
#   memory), about 0.9 % of the 50-62 % of thermal coal (domain.md §3.1).
FUEL_REL = 0.005
NCV_ABS = 0.12
CAR_ABS = 0.50

SCALES = [
    pytest.param((0.15, 7), id="scale-0.15"),
    pytest.param((1.0, 2022), id="national", marks=pytest.mark.slow),
]


def jitter_monthly(folder: Path, seed: int, share: float = JITTER_SHARE) -> pd.Index:
    """Jitter `share` of the monthly rows in the contract folder `folder`, in place, within
    measurement error, and return the rows changed. On each drawn row: fuel consumed within ±0.5 %
    (weighing); for coal, NCV within ±0.12 GJ/t (lab repeatability); where the carbon content is
    measured, as-received carbon within ±0.5 points (lab repeatability), the carbon content
    recomputed as CC = C_ar / NCV (domain.md §2.2). A default carbon content is a fixed value, not a
    measurement, and stays; gas NCV is metered per 10^4 Nm3 on another scale and stays too. Reported
    emissions are recomputed with E = FC x NCV x CC x OF x 44/12 (domain.md §2.2), as the plant's own
    arithmetic would, so the rules see measurement noise and not an arithmetic slip. Values are
    rounded to the demo's decimals."""
    path = folder / "monthly_reports.parquet"  # demo.write's default format
    m = pd.read_parquet(path)
    rng = np.random.default_rng(seed)
    rows = m.index[np.sort(rng.choice(len(m), size=max(1, round(share * len(m))), replace=False))]
    r = m.loc[rows]
    n = len(r)
    coal = r.fuel_type.eq("coal").to_numpy()
    measured = (r.carbon_content_source.eq("measured") & r.carbon_ar_pct.notna()).to_numpy()
    fuel = (r.fuel_consumed * (1 + rng.uniform(-FUEL_REL, FUEL_REL, n))).round(2)
    ncv = r.ncv.where(~coal, (r.ncv + rng.uniform(-NCV_ABS, NCV_ABS, n)).round(3))
    car = r.carbon_ar_pct.where(~measured, (r.carbon_ar_pct + rng.uniform(-CAR_ABS, CAR_ABS, n)).round(2))
    cc = r.carbon_content.where(~measured, (car / 100 / ncv).round(5))
    emissions = (fuel * ncv * cc * r.oxidation_rate.fillna(0.99) * 44 / 12).round(2)
    changed = pd.DataFrame({"fuel_consumed": fuel, "ncv": ncv, "carbon_ar_pct": car, "carbon_content": cc,
                            "reported_emissions_t": emissions}, index=rows)
    for col in changed:
        m[col] = m[col].astype(float)
        m.loc[rows, col] = changed[col]
    m.to_parquet(path, index=False)
    return rows


def _load(files: Path, path: Path, source: str) -> None:
    con = db.connect(path)
    try:
        loader.load_folder(con, files, source=source)  # all rows or none: a rejected jitter would raise
    finally:
        con.close()


def _builder(scale: float, seed: int):
    def build(folder: Path) -> None:
        """The demo's contract folder, its database and the default assessment stored in it, as
        `core.cli demo` leaves it."""
        demo.write(folder / "files", scale=scale, seed=seed)
        _load(folder / "files", folder / "demo.duckdb", f"demo scale={scale} seed={seed}")
        con = db.connect(folder / "demo.duckdb")
        try:
            runs.run(con)
        finally:
            con.close()
    return build


@pytest.fixture(scope="module", params=SCALES)
def built(request, built_once) -> Path:
    scale, seed = request.param
    return built_once(f"stability-{scale}-{seed}", _builder(scale, seed))


def _review_list(con) -> list[str]:
    """The top 5 % of the default assessment's ranking, as `core.cli evaluate` draws it."""
    ev = evaluate.evaluate(con, runs.run(con), budget=BUDGET)
    return list(ev.ranking.enterprise_id[:ev.budget_k])


def test_same_data_and_seed_give_the_same_ranking(built, private_copy, monkeypatch):
    """The stored default run (made when the database was built, maybe in another process) and a
    forced rerun on the same data with the same seed agree exactly: every enterprise in the same
    place, every score and reason equal, every detector's worst score per enterprise equal."""
    con = db.connect(private_copy(built / "demo.duckdb", "stability"))
    try:
        stored = runs.latest_assessment(con)
        assert stored is not None and stored.from_store
        before = runs.ranked(con, stored.run_id)
        n_det = len(stored.agreement["detectors"])
        det_before = run_store.worst_detector_scores(con, stored.run_id, n_det, Scope.national())
        # The rerun starts from the data: no features memoised by a build in this process (their key
        # holds id(con), which a new connection may reuse).
        monkeypatch.setattr(runs, "_INPUTS", {})
        again = runs.run(con, force=True)
        assert not again.from_store and again.run_id == stored.run_id and again.config.seed == stored.config.seed
        after = runs.ranked(con, again.run_id)
        det_after = run_store.worst_detector_scores(con, again.run_id, n_det, Scope.national())
    finally:
        con.close()
    assert len(before) > 50
    assert before.enterprise_id.tolist() == after.enterprise_id.tolist()
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    pd.testing.assert_frame_equal(det_before.sort_index(), det_after.sort_index(), check_exact=True)
    assert {k: v for k, v in again.agreement.items() if k != "seconds"} == \
           {k: v for k, v in stored.agreement.items() if k != "seconds"}


def test_a_perturbation_within_measurement_error_keeps_the_top_five_percent(built, private_copy, tmp_path):
    """1 % of the monthly rows jittered within measurement error (jitter_monthly: weighing ±0.5 %,
    NCV ±0.12 GJ/t, as-received carbon ±0.5 points), loaded into a fresh database by the loader and
    assessed by default: at least 90 % of the original top 5 % enterprises are still in the top 5 %."""
    files = tmp_path / "files"
    shutil.copytree(built / "files", files)
    rows = jitter_monthly(files, seed=1)
    _load(files, tmp_path / "jittered.duckdb", "demo, 1 % of monthly rows jittered")

    original = pd.read_parquet(built / "files" / "monthly_reports.parquet")
    jittered = pd.read_parquet(files / "monthly_reports.parquet")
    assert len(rows) == round(JITTER_SHARE * len(original))
    diff = original.fuel_consumed.ne(jittered.fuel_consumed) | original.ncv.ne(jittered.ncv)
    assert set(original.index[diff]) <= set(rows) and diff.sum() >= 0.9 * len(rows)  # a few draws round to nothing
    assert ((jittered.fuel_consumed / original.fuel_consumed - 1).abs() <= FUEL_REL + 1e-4).all()
    assert ((jittered.ncv - original.ncv).abs() <= NCV_ABS + 1e-3).all()
    assert ((jittered.carbon_ar_pct - original.carbon_ar_pct).abs().fillna(0) <= CAR_ABS + 1e-2).all()

    con = db.connect(private_copy(built / "demo.duckdb", "stability"))
    try:
        top = _review_list(con)  # the stored default run
    finally:
        con.close()
    con = db.connect(tmp_path / "jittered.duckdb")
    try:
        top_after = _review_list(con)
    finally:
        con.close()
    assert len(top) == len(top_after) >= 4
    kept = len(set(top) & set(top_after)) / len(top)
    assert kept >= MIN_KEPT, (f"{kept:.0%} of the top {len(top)} kept; lost {sorted(set(top) - set(top_after))}, "
                              f"gained {sorted(set(top_after) - set(top))}")
