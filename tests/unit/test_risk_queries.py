"""Risk views of the stored assessment: risk_views.flag_heatmap against direct counts from rule_hits."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.store import db, risk_views
from core.insight import runs
from core.contract.access import Scope
from core.contract.filters import Filters
from core.engine.rules import SEVERITIES


@pytest.fixture(scope="module")
def assessed(assessed_demo_db):
    con = db.connect(assessed_demo_db)
    yield con, runs.latest_assessment(con).run_id
    con.close()


def _monthly_hits(con, run_id: str) -> pd.DataFrame:
    """Every monthly rule hit of the run with the enterprise's province, straight from the tables."""
    return db.fetch_df(con, "SELECT h.enterprise_id, h.period, h.rule_id, h.severity, e.province_code "
                            "FROM rule_hits h JOIN enterprises e USING (enterprise_id) "
                            "WHERE h.run_id = ? AND length(h.period) = 7", [run_id])


def _busiest_province(hits: pd.DataFrame) -> str:
    return hits.groupby("province_code")["enterprise_id"].nunique().idxmax()


def test_counts_equal_a_direct_count_of_rule_hits(assessed):
    con, run_id = assessed
    hits = _monthly_hits(con, run_id)
    code = _busiest_province(hits)
    cells = risk_views.flag_heatmap(con, Scope.of([code]), Filters().with_run(run_id), limit=1000)
    mine = hits[hits["province_code"] == code]
    assert not cells.empty
    # with a limit above the number of enterprises, every monthly hit of the province is there
    assert set(cells["enterprise_id"]) == set(mine["enterprise_id"])
    direct = mine.groupby(["enterprise_id", "period"]).agg(
        hits=("rule_id", "size"), rules=("rule_id", lambda r: sorted(set(r))),
        worst=("severity", lambda s: min(s, key=SEVERITIES.index)))
    got = cells.assign(period=cells["month"].dt.strftime("%Y-%m")).set_index(["enterprise_id", "period"])
    assert len(got) == len(direct) and set(got.index) == set(direct.index)
    assert (got.loc[direct.index, "hits"].to_numpy() == direct["hits"].to_numpy()).all()
    assert [list(r) for r in got.loc[direct.index, "rules"]] == direct["rules"].tolist()
    assert (got.loc[direct.index, "max_severity"].to_numpy() == direct["worst"].to_numpy()).all()


def test_only_enterprises_in_scope_and_at_most_limit(assessed):
    con, run_id = assessed
    hits = _monthly_hits(con, run_id)
    by_province = hits.groupby("province_code")["enterprise_id"].nunique().sort_values(ascending=False)
    two = list(by_province.index[:2])
    cells = risk_views.flag_heatmap(con, Scope.of(two), Filters().with_run(run_id), limit=5)
    provinces = db.fetch_df(con, "SELECT enterprise_id, province_code FROM enterprises")
    assert set(cells.merge(provinces, on="enterprise_id")["province_code"]) <= set(two)
    assert cells["enterprise_id"].nunique() == min(5, by_province.iloc[:2].sum())
    assert sorted(cells["risk_rank"].unique()) == list(range(1, cells["enterprise_id"].nunique() + 1))


def test_the_highest_risk_enterprises_with_hits_are_kept(assessed):
    con, run_id = assessed
    flt = Filters().with_run(run_id)
    scope = Scope.of([_busiest_province(_monthly_hits(con, run_id))])
    everyone = risk_views.flag_heatmap(con, scope, flt, limit=1000)
    top = risk_views.flag_heatmap(con, scope, flt, limit=3)
    risk = everyone.drop_duplicates("enterprise_id").set_index("enterprise_id")["risk_score"].fillna(-1)
    kept = set(top["enterprise_id"])
    assert len(kept) == min(3, len(risk))
    left_out = risk.drop(list(kept))
    assert left_out.empty or risk[list(kept)].min() >= left_out.max()
    # rows come highest risk first, months in order within an enterprise
    assert top["risk_rank"].is_monotonic_increasing
    assert all(g["month"].is_monotonic_increasing for _, g in top.groupby("enterprise_id"))


def test_months_stay_within_the_filtered_period(assessed):
    con, run_id = assessed
    lo, hi = dt.date(2023, 3, 1), dt.date(2023, 8, 1)
    flt = Filters(period_from=lo, period_to=hi).with_run(run_id)
    cells = risk_views.flag_heatmap(con, Scope.national(), flt, limit=1000)
    hits = _monthly_hits(con, run_id)
    inside = hits[(hits["period"] >= "2023-03") & (hits["period"] <= "2023-08")]
    assert not cells.empty
    assert cells["month"].min() >= pd.Timestamp(lo) and cells["month"].max() <= pd.Timestamp(hi)
    assert cells["hits"].sum() == len(inside)


def test_band_filter_and_missing_run_and_scope(assessed):
    con, run_id = assessed
    flagged = Filters(bands=("critical", "high")).with_run(run_id)
    cells = risk_views.flag_heatmap(con, Scope.national(), flagged, limit=1000)
    assert set(cells["band"]) <= {"critical", "high"}
    assert risk_views.flag_heatmap(con, Scope.national(), Filters()).empty  # no assessment named
    assert risk_views.flag_heatmap(con, Scope.of([]), Filters().with_run(run_id)).empty
    assert risk_views.flag_heatmap(con, Scope.of(["37') OR TRUE --"]), Filters().with_run(run_id)).empty
