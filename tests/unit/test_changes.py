"""What changed since the previous briefing: the store's two baselines (core.store.changes), the
comparison and its actions (core.insight.changes), in words (core.words.changes)."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from core.contract.access import Scope
from core.contract.filters import Filters
from core.insight import agencies as agency_insight
from core.insight import changes as change_insight
from core.insight import runs
from core.store import changes as change_store
from core.store import db
from core.words import changes as change_words
from core.words import i18n

NATIONAL = Scope.national()


def rows(*specs) -> pd.DataFrame:
    """risk_changes-shaped rows from (id, province, score_now, score_before)."""
    def band(s):
        return None if s is None else ("critical" if s >= 50 else "high" if s >= 30 else "medium" if s >= 12 else "low")
    return pd.DataFrame([{"enterprise_id": e, "name": f"Plant {e}", "province_code": p, "province_zh": "", "province_en": "",
                          "score_now": now, "band_now": band(now), "year_now": 2025 if now is not None else None,
                          "reasons_now": None, "score_before": before, "band_before": band(before),
                          "year_before": 2024 if before is not None else None}
                         for e, p, now, before in specs]).astype({"score_now": float, "score_before": float})


def test_new_resolved_movers_and_actions_follow_the_rows():
    r = rows(("A", "32", 60.0, 10.0),   # new, moved +50
             ("B", "32", 35.0, 5.0),    # new, moved +30
             ("C", "37", 8.0, 40.0),    # resolved, moved -32
             ("D", "37", 31.0, 45.0),   # flagged at both ends: neither new nor resolved, moved -14
             ("E", "11", 20.0, 20.0),   # unchanged: not a mover
             ("F", "11", None, 55.0))   # gone (no score now): resolved, not a mover
    c = change_insight.compare(r, basis="year", now="2025", before="2024")
    assert list(c.new["enterprise_id"]) == ["A", "B"]
    assert list(c.resolved["enterprise_id"]) == ["F", "C"]  # highest score before first
    assert list(c.movers["enterprise_id"]) == ["A", "C", "B", "D"] and list(c.movers["delta"]) == [50, -32, 30, -14]
    assert [a["kind"] for a in c.actions] == ["visit", "look_back"]  # no intermediaries given
    assert c.actions[0]["enterprise_id"] == "A" and c.actions[0]["n"] == 2
    assert c.actions[1]["enterprise_id"] == "F" and c.actions[1]["score_now"] is None


def test_without_resolved_cases_the_province_whose_flags_rose_most_is_the_third_action():
    agencies = pd.DataFrame([{"agency_id": "LAB1", "kind": "lab", "name": "Lab One", "score": 80.0,
                              "flagged_clients": 4, "clients": 9}])
    r = rows(("A", "32", 60.0, 10.0), ("B", "32", 35.0, None), ("C", "37", 40.0, 5.0), ("D", "37", 5.0, 5.0))
    c = change_insight.compare(r, basis="year", now="2025", before="2024", agencies=agencies)
    assert [a["kind"] for a in c.actions] == ["visit", "agency", "province"]
    assert c.actions[2] == {"kind": "province", "province_code": "32", "now": 2, "before": 0}
    for lang in i18n.LANGS:  # every action in words names its figures
        texts = change_words.actions(c, lang)
        assert "Plant A" in texts[0] and "Lab One" in texts[1] and "80.0" in texts[1]
        assert i18n.fmt_int(2, lang) in texts[2]


def test_nothing_changed_says_so():
    c = change_insight.compare(rows(("A", "32", 20.0, 20.0)), basis="year", now="2025", before="2024")
    assert c.empty and c.actions == []
    assert change_words.lines(c, "en") == [i18n.t("changes.none", "en")]


@pytest.fixture
def two_runs(assessed_demo_db, tmp_path):
    """A copy of the assessed demo with a second, earlier run of the same configuration "on the
    previous data": the current run's rows with one enterprise flagged critical and one not at all."""
    path = tmp_path / "two.duckdb"
    shutil.copyfile(assessed_demo_db, path)
    con = db.connect(path)
    run = runs.latest_assessment(con)
    flagged = con.execute(f"SELECT enterprise_id FROM risk_components WHERE run_id = ? AND rules >= 0.6 "
                          "ORDER BY enterprise_id LIMIT 1", [run.run_id]).fetchone()[0]
    calm = con.execute("SELECT enterprise_id FROM risk_components WHERE run_id = ? AND rules = 0 AND model = 0 "
                       "ORDER BY enterprise_id LIMIT 1", [run.run_id]).fetchone()[0]
    con.execute("CREATE TEMP TABLE r AS SELECT * FROM model_runs WHERE run_id = ?", [run.run_id])
    con.execute("UPDATE r SET run_id = 'previous', data_version = 'older', created_at = created_at - INTERVAL 30 DAY")
    con.execute("INSERT INTO model_runs SELECT * FROM r")
    con.execute("CREATE TEMP TABLE c AS SELECT * FROM risk_components WHERE run_id = ?", [run.run_id])
    con.execute("UPDATE c SET run_id = 'previous'")
    con.execute("UPDATE c SET rules = 0, model = 0, motive = 0, context = 0 WHERE enterprise_id = ?", [flagged])
    con.execute("UPDATE c SET rules = 1, model = 1, motive = 1, context = 1 WHERE enterprise_id = ?", [calm])
    con.execute("INSERT INTO risk_components SELECT * FROM c")
    yield con, run, flagged, calm
    con.close()


def test_the_previous_load_is_found_and_compared_over_the_same_years(two_runs):
    con, run, flagged, calm = two_runs
    previous = change_store.previous_assessment(con, run_id=run.run_id)
    assert list(previous["run_id"]) == ["previous"]
    assert previous["current_created_at"].iloc[0] > previous["created_at"].iloc[0]
    assert change_store.previous_assessment(con, run_id="previous").empty  # nothing before the first
    f = Filters().with_run(run.run_id)
    r = change_store.risk_changes(con, NATIONAL, f, before_run="previous")
    c = change_insight.compare(r, basis="assessment", now="now", before="then",
                               agencies=agency_insight.leading(agency_insight.profile(con, NATIONAL, f)))
    assert flagged in set(c.new["enterprise_id"]) and calm in set(c.resolved["enterprise_id"])
    # every other enterprise scores the same at both ends: only the two changed ones move
    assert set(c.movers["enterprise_id"]) <= {flagged, calm}
    assert [a["kind"] for a in c.actions] == ["visit", "agency", "look_back"]


def test_the_year_before_baseline_reads_the_year_before_whatever_the_period_filter(two_runs):
    con, run, _, _ = two_runs
    last = con.execute("SELECT year(max(period)) FROM monthly_reports").fetchone()[0]
    f = Filters(period_from=pd.Timestamp(f"{last}-06-01").date()).with_run(run.run_id)
    r = change_store.risk_changes(con, NATIONAL, f)
    assert set(r["year_now"].dropna()) == {last}  # the last reported year, never a later year of trades
    assert set(r["year_before"].dropna()) == {last - 1}
    # a province sees only its enterprises
    jiangsu = change_store.risk_changes(con, Scope.of(["32"]), f)
    assert len(jiangsu) and set(jiangsu["province_code"]) == {"32"}
