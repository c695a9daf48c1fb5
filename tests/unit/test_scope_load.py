"""A load in a provincial scope (the Data page of a provincial deployment) holds rows of its
provinces only: anything else is refused with file, row and column, and nothing is changed."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.contract.access import Scope
from core.store import db, loader

MINE = Scope.of(["37"])


@pytest.fixture
def setup(built_once, private_copy, tmp_path):
    from tests.conftest import _build_demo

    folder = built_once("demo", _build_demo)
    path = private_copy(folder / "demo.duckdb", "scope_load")
    files = folder / "files"
    ents = pd.read_parquet(next(files.glob("enterprises.*")))
    units = pd.read_parquet(next(files.glob("units.*")))
    reports = pd.read_parquet(next(files.glob("monthly_reports.*")))
    return path, tmp_path, ents, units, reports


def _write(folder: Path, **frames) -> Path:
    folder.mkdir(exist_ok=True)
    for name, df in frames.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _counts(path):
    con = db.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("enterprises", "units", "monthly_reports", "agencies", "load_log")}
    finally:
        con.close()


def _load(path, folder):
    con = db.connect(path)
    try:
        return loader.load_folder(con, folder, scope=MINE)
    finally:
        con.close()


def test_rows_of_another_province_are_refused_with_where_and_nothing_changes(setup):
    path, tmp, ents, units, reports = setup
    other = ents[ents.province_code != "37"].head(2)
    moved = ents[ents.province_code != "37"].iloc[[5]].assign(province_code="37")  # "moved" into the scope
    other_unit = units[units.enterprise_id.isin(other.enterprise_id)].head(1)
    other_report = reports[reports.unit_id.isin(other_unit.unit_id)].head(1)
    before = _counts(path)
    with pytest.raises(loader.LoadRejected) as e:
        _load(path, _write(tmp / "bad", enterprises=pd.concat([other, moved]), units=other_unit,
                           monthly_reports=other_report))
    problems = [(p.file, p.row, p.column) for p in e.value.problems if p.rule == "outside_scope"]
    assert ("enterprises.csv", 1, "province_code") in problems and ("enterprises.csv", 2, "province_code") in problems
    assert ("enterprises.csv", 3, "enterprise_id") in problems  # stored under another province
    assert ("units.csv", 1, "enterprise_id") in problems
    assert ("monthly_reports.csv", 1, "unit_id") in problems
    assert _counts(path) == before


def test_a_national_table_is_refused_whole(setup, built_once):
    path, tmp, *_ = setup
    from tests.conftest import _build_demo

    agencies = pd.read_parquet(next((built_once("demo", _build_demo) / "files").glob("agencies.*"))).head(3)
    with pytest.raises(loader.LoadRejected) as e:
        _load(path, _write(tmp / "agencies", agencies=agencies))
    assert [p.rule for p in e.value.problems] == ["outside_scope"] and "no province" in e.value.problems[0].message


def test_the_scope_s_own_rows_load(setup):
    path, tmp, ents, units, reports = setup
    mine = ents[ents.province_code == "37"].head(3)
    report = _load(path, _write(tmp / "ok", enterprises=mine,
                                units=units[units.enterprise_id.isin(mine.enterprise_id)]))
    assert report.tables["enterprises"] == (0, 3)
