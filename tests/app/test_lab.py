"""The Anomaly Lab (AppTest): the stored default run in both languages, a run of other settings
with its progress, refused settings, the weights, the evaluation panel, the exports and the scope."""
from __future__ import annotations

import ast
import io
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.contract import access, roles
from core.store import cases as case_store
from core.store import db
from core.engine import detectors, features, risk
from core.words import i18n
from core.insight import evaluate, runs
from core.ui import Page, lab, tables
from tests.app import apptest
from core.words import labels as label_words
from core.store import risk_views

LAB = "pages/2_Anomaly_Lab.py"
TIMEOUT = 120


def open_lab(lang: str = "en") -> AppTest:
    return apptest.open_page(LAB, timeout=TIMEOUT, lang=lang)


def default_run(path: Path) -> runs.Run:
    con = db.connect(path)
    try:
        return runs.latest_assessment(con)
    finally:
        con.close()


@pytest.fixture
def lab_db(assessed_demo_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the assessed demo database: these tests store new runs in it."""
    path = tmp_path / "lab.duckdb"
    shutil.copy(assessed_demo_db, path)
    monkeypatch.setenv(db.ENV_VAR, str(path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    return path


# --- the default view ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", i18n.LANGS)
def test_default_view_shows_the_stored_assessment(app_db, lang):
    run = default_run(app_db)
    assert run is not None, "the fixture stores the default assessment"
    at = open_lab(lang)
    assert not at.exception, at.exception
    assert not at.error and not at.warning
    assert [t.value for t in at.title] == [i18n.t("lab.title", lang)]
    assert not at.get("status"), "a stored run is read back, not recomputed"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[i18n.t("lab.summary.rows", lang)] == i18n.fmt_int(run.n_rows, lang)
    assert metrics[i18n.t("lab.summary.detectors", lang)] == str(len(detectors.DEFAULT_ENSEMBLE))
    captions = " ".join(c.value for c in at.caption)
    assert run.run_id in captions
    assert ("从存储读取" if lang == "zh" else "Served from storage") in captions
    # when it was computed, in Beijing time and saying so (the database holds Beijing wall-clock time)
    assert i18n.fmt_datetime(run.created_at, lang) in captions
    assert ("（北京时间）" if lang == "zh" else "(Beijing time)") in captions
    # the heatmaps, and the flagged rows with one translated column per detector and reasons in words
    assert len(at.get("vega_lite_chart")) == 2
    flagged = at.dataframe[0].value
    for name in detectors.DEFAULT_ENSEMBLE:
        assert label_words.detector_label(name, lang) in flagged.columns
    assert abs(len(flagged) - min(lab.FLAGGED_SHOWN, run.n_rows * 0.01)) <= 1  # the default threshold: top 1 %
    scores = flagged[i18n.t("col.score", lang)]
    assert scores.is_monotonic_decreasing
    why = flagged[i18n.t("col.why", lang)].iloc[0]
    assert any(i18n.t(f"feature.{f}", lang) in why for f in features.MODEL_FEATURES)
    assert ("稳健z" if lang == "zh" else "robust z") in why and "feature" not in why
    # the ranking with the default weights, and the formula shown
    assert lab.formula(risk.DEFAULT_WEIGHTS, lang) in captions
    ranked = at.dataframe[1].value
    assert list(ranked[i18n.t("col.rank", lang)][:3]) == [1, 2, 3]
    assert set(ranked[i18n.t("col.band", lang)]) <= {i18n.t(f"band.{b}", lang) for b, _ in risk.BANDS}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_controls_are_translated_and_default_to_the_national_assessment(app_db, lang):
    at = open_lab(lang)
    dets = at.multiselect(key="lab_detectors")
    assert dets.value == list(detectors.DEFAULT_ENSEMBLE)
    assert lab.detector_option("knn", lang) in dets.options
    assert i18n.t("cost.neighbour", lang) in lab.detector_option("lof", lang)
    feats = at.multiselect(key="lab_features")
    assert feats.value == list(features.MODEL_FEATURES)
    assert set(feats.options) == {i18n.t(f"feature.{f}", lang) for f in features.MODEL_FEATURES}
    assert at.multiselect(key="lab_provinces").value == []
    assert at.radio(key="lab_level").value == "unit_month"
    assert i18n.t("lab.neighbour.caption", lang) in [c.value for c in at.caption]


def test_warm_rerun_reads_everything_from_caches(app_db):
    at = open_lab("en")
    first = at.dataframe[0].value
    at.run()
    assert not at.exception and not at.get("status")
    pd.testing.assert_frame_equal(at.dataframe[0].value, first)


# --- a run of other settings --------------------------------------------------------------------

def test_a_new_run_shows_progress_then_results_then_is_served_from_storage(lab_db):
    at = open_lab("en")
    at.radio(key="lab_level").set_value("enterprise_year")
    at.multiselect(key="lab_detectors").set_value(["pca", "hbos"])
    at.button[0].click().run()  # the form's Run button
    assert not at.exception, at.exception
    assert not at.error
    (status,) = at.get("status")
    assert status.label.startswith("Assessment computed in") and status.state == "complete"
    captions = " ".join(c.value for c in at.caption)
    assert "Computed just now" in captions
    flagged = at.dataframe[0].value
    labels = [label_words.detector_label(n, "en") for n in ("hbos", "pca")]  # registry order, whatever the click order
    assert [c for c in flagged.columns if c in {label_words.detector_label(n, "en") for n in detectors.REGISTRY}] == labels
    assert flagged["Unit"].eq(i18n.MISSING).all()  # enterprise-years have no unit
    assert flagged["Period"].str.fullmatch(r"\d{4}").all()
    con = db.connect(lab_db)
    try:
        ey = runs.find(con, runs.RunConfig(detectors=("hbos", "pca"), level="enterprise_year").key(
            db.data_version(con)))
    finally:
        con.close()
    assert ey is not None and ey.config.level == "enterprise_year"
    assert {m.label: m.value for m in at.metric}["Rows scored"] == i18n.fmt_int(ey.n_rows, "en")
    # the same settings again: read back from storage, no refit
    at.run()
    assert not at.get("status")
    assert "Served from storage" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_neighbour_methods_at_unit_month_level_are_refused(lab_db, lang):
    at = open_lab(lang)
    before = default_run(lab_db).run_id
    at.multiselect(key="lab_detectors").set_value(["iforest", "knn"])
    at.button[0].click().run()
    assert not at.exception
    (err,) = at.error
    assert err.value.startswith(i18n.t("lab.refused.neighbour", lang, detectors=label_words.detector_label("knn", lang)))
    assert i18n.t("lab.refused.previous", lang) in err.value
    assert not at.get("status")
    assert before in " ".join(c.value for c in at.caption)  # the previous results stay on screen
    # allowed at the enterprise-year level
    at.radio(key="lab_level").set_value("enterprise_year")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert label_words.detector_label("knn", lang) in at.dataframe[0].value.columns


def test_empty_choices_are_refused(lab_db):
    at = open_lab("en")
    at.multiselect(key="lab_features").set_value([])
    at.button[0].click().run()
    assert [e.value.split("\n")[0] for e in at.error] == [i18n.t("lab.refused.features", "en")]


def test_the_threshold_switches_between_contamination_and_z(app_db):
    run = default_run(app_db)
    at = open_lab("en")
    at.radio(key="lab_threshold_method").set_value("z")
    at.number_input(key="lab_z").set_value(3.0)
    at.button[0].click().run()
    assert not at.exception
    scores = at.dataframe[0].value["Ensemble score"]
    assert (scores >= 3.0 - 0.005).all()
    count_line = next(m.value for m in at.markdown if "ensemble score ≥ 3" in m.value)
    assert i18n.fmt_int(run.n_rows, "en") in count_line
    at.radio(key="lab_threshold_method").set_value("contamination")
    at.slider(key="lab_contamination").set_value(0.5)
    at.button[0].click().run()
    line = next(m.value for m in at.markdown if "top 0.5%" in m.value)
    assert line.startswith(i18n.fmt_int(round(run.n_rows * 0.005), "en")[:2])


# --- weights, evaluation, exports ---------------------------------------------------------------

def _set_weights(at: AppTest, **w) -> AppTest:
    for c in risk.COMPONENTS:
        at.number_input(key=f"lab_weight_{c}").set_value(float(w.get(c, 0.0)))
    return at.run()


def test_weights_change_the_ranking_deterministically(app_db):
    run = default_run(app_db)
    con = db.connect(app_db)
    try:
        by_rules = runs.ranked(con, run.run_id, {"rules": 1, "model": 0, "motive": 0, "context": 0})
        by_model = runs.ranked(con, run.run_id, {"rules": 0, "model": 1, "motive": 0, "context": 0})
    finally:
        con.close()
    at = open_lab("en")
    shown = {}
    for name, w, expected in (("rules", {"rules": 1}, by_rules), ("model", {"model": 1}, by_model)):
        _set_weights(at, **w)
        assert not at.exception
        ids = list(at.dataframe[1].value["Enterprise ID"])
        assert ids == list(expected.enterprise_id[:len(ids)])
        assert f"1.00 × {name}" in " ".join(c.value for c in at.caption)
        shown[name] = ids
    assert shown["rules"] != shown["model"]
    _set_weights(at, rules=1)
    assert list(at.dataframe[1].value["Enterprise ID"]) == shown["rules"]


def test_all_zero_weights_fall_back_to_the_defaults(app_db):
    at = _set_weights(open_lab("zh"))
    assert [w.value for w in at.warning] == [i18n.t("lab.weights.zero", "zh")]
    assert lab.formula(risk.DEFAULT_WEIGHTS, "zh") in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_evaluation_panel_with_case_labels(app_db, lang):
    at = open_lab(lang)
    ev_table = at.dataframe[2].value
    rankings = list(ev_table[i18n.t("col.ranking", lang)])
    assert rankings[:3] == [i18n.t(f"eval.ranking.{k}", lang) for k in ("risk composite", "rules only",
                                                                           "model ensemble")]
    assert rankings[3:] == [i18n.t("eval.ranking.detector", lang, detector=label_words.detector_label(n, lang))
                            for n in detectors.DEFAULT_ENSEMBLE]
    auc = ev_table[i18n.t("col.roc_auc", lang)]
    assert auc.between(0, 1).all() and auc.iloc[0] > 0.8  # the composite finds the planted cases
    patterns = at.dataframe[3].value
    assert set(patterns[i18n.t("col.pattern", lang)]) <= {i18n.STRINGS[k][lang] for k in i18n.STRINGS
                                                           if k.startswith("pattern.")}
    # a larger review budget finds at least as many cases
    recall = i18n.t("col.recall@budget", lang)
    before = ev_table[recall].iloc[0]
    at.slider(key="lab_budget").set_value(20).run()
    assert not at.exception
    assert at.dataframe[2].value[recall].iloc[0] >= before
    assert any("20%" in m.value for m in at.markdown)
    # the demo's cases are planted: the figures say so beside them
    assert any(i18n.t("lab.eval.synthetic", lang) in m.value for m in at.markdown)


def test_no_case_labels_no_evaluation(lab_db):
    con = db.connect(lab_db)
    try:
        con.execute("DELETE FROM case_labels")
    finally:
        con.close()
    at = open_lab("en")
    assert not at.exception
    assert i18n.t("lab.eval.none", "en") in [c.value for c in at.caption]
    assert len(at.dataframe) == 2  # flagged rows and ranking only


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_csv_export_buttons_and_their_contents(app_db, lang):
    at = open_lab(lang)
    buttons = {b.label for b in at.get("download_button")}
    assert buttons == {i18n.t("lab.download.flagged", lang), i18n.t("lab.download.ranked", lang)}
    # what the buttons hand over when clicked (Streamlit calls these on click)
    run = default_run(app_db)
    con = db.connect(app_db)
    try:
        page = Page(lang, access.Scope.national(), con, str(app_db), db.data_version(con))
        flagged = lab.flagged_csv(page, run, lab.Threshold("contamination", 0.02))()
        ranking = lab.ranked_csv(lab._ranked_table.__wrapped__(run.run_id, lab._weights_key(risk.DEFAULT_WEIGHTS),
                                                               None, lang, str(app_db), page.data_version))()
    finally:
        con.close()
    assert flagged.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    rows = pd.read_csv(io.BytesIO(flagged), encoding="utf-8-sig")
    assert len(rows) == round(run.n_rows * 0.02) or abs(len(rows) - run.n_rows * 0.02) <= 2
    assert i18n.t("col.why", lang) in rows.columns
    ranked = pd.read_csv(io.BytesIO(ranking), encoding="utf-8-sig")
    assert i18n.t("col.reasons", lang) in ranked.columns and ranked[i18n.t("col.rank", lang)].iloc[0] == 1


# --- access scope -------------------------------------------------------------------------------

def test_a_provincial_analyst_runs_on_their_province_only(lab_db, monkeypatch):
    con = db.connect(lab_db)
    try:
        code = con.execute("SELECT province_code FROM enterprises GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                           ).fetchone()[0]
        names = dict(con.execute("SELECT enterprise_id, province_code FROM enterprises").fetchall())
    finally:
        con.close()
    monkeypatch.setenv("CARBONWATCH_SCOPE", code)
    at = open_lab("zh")
    assert not at.exception
    provinces = at.multiselect(key="lab_provinces")
    assert len(provinces.options) == 1  # only the province the deployment grants
    # the national run is not shown to a provincial analyst: their own has to be run
    assert i18n.t("lab.not_run", "zh") in [i.value for i in at.info]
    assert not at.dataframe
    at.button[0].click().run()
    assert not at.exception and not at.error
    ids = set(at.dataframe[0].value[i18n.t("col.enterprise_id", "zh")]) | set(
        at.dataframe[1].value[i18n.t("col.enterprise_id", "zh")])
    assert ids and {names[i] for i in ids} == {code}


def run_steps() -> set[str]:
    """Every plain progress step runs.run reports: the string literals handed to its `say`."""
    tree = ast.parse(Path(runs.__file__).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"
            and node.args and isinstance(node.args[0], ast.Constant)}


def test_lab_keys_exist_for_every_engine_value():
    """Labels built from engine data (features, detector costs, run steps, bands, demo patterns) exist."""
    for f in features.MODEL_FEATURES:
        assert f"feature.{f}" in i18n.STRINGS and f in i18n.FEATURE_KIND
    for d in detectors.REGISTRY.values():
        i18n.t(f"cost.{d.cost}", "zh")
    for step in run_steps():
        for lang in i18n.LANGS:
            assert lab.step_label(step, lang) == i18n.t(f"step.{step}", lang)
    assert "context" in run_steps()  # the step that once showed its raw name
    assert lab.step_label("detector:iforest", "zh") == "拟合孤立森林"
    assert lab.step_label("detector:ensemble", "en") == i18n.t("step.ensemble", "en")
    for band, _ in risk.BANDS:
        i18n.t(f"band.{band}", "zh")
    for c in risk.COMPONENTS:
        i18n.t(f"col.{c}", "zh"), i18n.t(f"component.{c}", "zh"), i18n.t(f"component.{c}.help", "zh")
    assert i18n.label("pattern", "someone_elses_pattern", "zh") == "someone_elses_pattern"


def test_explanations_read_in_words():
    text = '[{"feature": "coal_rate_own_dev", "value": -0.2401, "median": 0.0, "z": -9.31}]'
    assert tables.explanation(text, "en") == ("Supply coal rate vs the unit's own median -24.0% "
                                              "(median 0.0%, robust z -9.3)")
    assert tables.explanation(text, "zh") == "供电煤耗相对本机组中位数 -24.0%（中位数 0.0%，稳健z -9.3）"
    assert tables.explanation(None, "en") == i18n.MISSING


def test_flagged_rows_query_keeps_to_the_scope(assessed_demo_db):

    con = db.connect(assessed_demo_db)
    try:
        run = runs.latest_assessment(con)
        everything = risk_views.flagged_rows(con, access.Scope.national(), run.run_id, limit=100_000)
        assert len(everything) == run.n_rows == everything["flagged"].iloc[0]
        code = everything["province_code"].mode().iloc[0]
        one = risk_views.flagged_rows(con, access.Scope.of([code]), run.run_id, min_percentile=0.9, limit=100_000)
        assert set(one["province_code"]) == {code} and (one["percentile"] > 0.9).all()
        assert risk_views.flagged_rows(con, access.Scope.of([]), run.run_id).empty
        assert risk_views.flagged_rows(con, access.Scope.of(["37') OR TRUE --"]), run.run_id).empty
        assert risk_views.flagged_rows(con, access.Scope.national(), "no-such-run").empty
    finally:
        con.close()


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_selecting_a_flagged_row_shows_why_in_full(app_db, lang):
    run = default_run(app_db)
    at = open_lab(lang)
    assert i18n.t("lab.flagged.select", lang) in [c.value for c in at.caption]
    flagged = at.dataframe[0].value
    at.session_state[f"flagged_{run.run_id}_{lab.Threshold()}"] = {"selection": {"rows": [1], "columns": [],
                                                                                  "cells": []}}
    at.run()
    assert not at.exception, at.exception
    row = flagged.iloc[1]
    texts = [m.value for m in at.markdown]
    head = next(x for x in texts if x.startswith(f"**{row[i18n.t('col.enterprise', lang)]}**"))
    assert row[i18n.t("col.unit", lang)] in head and row[i18n.t("col.period", lang)] in head
    bullets = next(x for x in texts if x.startswith("- "))
    assert bullets.count("\n- ") == len(tables.explanation_parts(row[i18n.t("col.why", lang)], lang)) - 1 >= 0


def test_a_run_the_engine_cannot_make_is_reported_not_raised(lab_db):
    """One small province at the enterprise-year level has too few rows to score."""
    con = db.connect(lab_db)
    try:
        code = con.execute("SELECT province_code FROM enterprises GROUP BY 1 ORDER BY count(*), 1 LIMIT 1").fetchone()[0]
    finally:
        con.close()
    at = open_lab("zh")
    at.multiselect(key="lab_provinces").set_value([code])
    at.radio(key="lab_level").set_value("enterprise_year")
    at.button[0].click().run()
    assert not at.exception, at.exception
    (status,) = at.get("status")
    assert status.state == "error" and status.label.startswith(i18n.t("lab.status.failed", "zh", reason=""))
    assert not at.dataframe


# --- evaluation against decided cases ------------------------------------------------------------

CASE_OFFICER = roles.User("li.admin", "national_admin", None, "local")


def _decide(con, enterprise_id: str, action: str, pattern: str = "batch_testing") -> None:
    """Open an enterprise case, take it and confirm it (with `pattern`) or dismiss it."""
    province = con.execute("SELECT province_code FROM enterprises WHERE enterprise_id = ?",
                           [enterprise_id]).fetchone()[0]
    o = case_store.open_case(con, CASE_OFFICER, subject_kind="enterprise", subject_id=enterprise_id,
                             subject_name="Plant", province_code=province, source="top_risk", snapshot={})
    v = case_store.change(con, CASE_OFFICER, o.case_id, o.version, "take")
    fields = {"finding": "found", "pattern": pattern} if action == "confirm" else {"reason": "nothing there"}
    case_store.change(con, CASE_OFFICER, o.case_id, v, action, fields)


def _ranked_ids(path: Path) -> list[str]:
    con = db.connect(path)
    try:
        con.execute("DELETE FROM case_events")  # the tests decide their own cases
        con.execute("DELETE FROM cases")
        return list(runs.ranked(con, runs.latest_assessment(con).run_id).enterprise_id)
    finally:
        con.close()


def _composite(at: AppTest, lang: str) -> pd.Series:
    table = at.dataframe[2].value
    return table.set_index(i18n.t("col.ranking", lang)).loc[i18n.t("eval.ranking.risk composite", lang)]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_evaluation_against_decided_cases_follows_every_decision(lab_db, lang):
    ids = _ranked_ids(lab_db)
    con = db.connect(lab_db)
    try:
        _decide(con, ids[0], "confirm")
        _decide(con, ids[-1], "dismiss")  # the lowest-ranked enterprise: outside the top 50
        planted = len(evaluate.labels(con))
    finally:
        con.close()
    at = open_lab(lang)
    picker = at.segmented_control(key=lab.LABELS_KEY)
    assert picker.value == "planted"  # the synthetic demo: its planted labels first, as before
    assert picker.options == [i18n.t("lab.eval.labels.planted", lang, n=i18n.fmt_int(planted, lang)),
                              i18n.t("lab.eval.labels.decided", lang, n="2")]
    picker.set_value("decided").run()
    assert not at.exception, at.exception
    decided, precision = (i18n.t(f"lab.eval.col.{c}", lang, k="50") for c in ("decided", "precision_decided"))
    columns = list(at.dataframe[2].value.columns)
    assert columns.index(decided) == columns.index(i18n.t("col.precision_at", lang, k="50")) + 1
    composite = _composite(at, lang)
    assert composite[decided] == 1 and composite[precision] == pytest.approx(1.0)
    assert composite[i18n.t("col.precision_at", lang, k="50")] == pytest.approx(1 / 50)
    texts = [m.value for m in at.markdown]
    assert i18n.t("lab.eval.decided.bias", lang) in texts  # what the figures mean: only what was inspected
    assert not any(i18n.t("lab.eval.synthetic", lang) in x for x in texts)
    assert i18n.t("lab.eval.decided.summary", lang, cases="2", decided="2", positive="1",
                  n=i18n.fmt_int(len(ids), lang), budget=i18n.fmt_pct(0.05, lang, digits=0),
                  k=str(math.ceil(0.05 * len(ids)))) in texts
    assert list(at.dataframe[3].value[i18n.t("col.pattern", lang)]) == [i18n.t("pattern.batch_testing", lang)]
    # a decision made while the page is open is seen on the next rerun, without any change of data
    con = db.connect(lab_db)
    try:
        _decide(con, ids[1], "dismiss")
    finally:
        con.close()
    at.run()
    assert not at.exception, at.exception
    composite = _composite(at, lang)
    assert composite[decided] == 2 and composite[precision] == pytest.approx(0.5)
    assert at.segmented_control(key=lab.LABELS_KEY).options[1] == i18n.t("lab.eval.labels.decided", lang, n="3")
    # the planted labels are still one click away, unchanged
    at.segmented_control(key=lab.LABELS_KEY).set_value("planted").run()
    assert any(i18n.t("lab.eval.synthetic", lang) in m.value for m in at.markdown)
    assert decided not in at.dataframe[2].value.columns


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_outside_the_demo_only_decided_cases_are_evaluated(lab_db, lang):
    ids = _ranked_ids(lab_db)
    con = db.connect(lab_db)
    try:
        con.execute("UPDATE load_log SET source = 'provincial office export'")  # no longer the demo's data
        _decide(con, ids[0], "dismiss")
    finally:
        con.close()
    at = open_lab(lang)
    assert not at.exception, at.exception
    assert lab.LABELS_KEY not in [b.key for b in at.segmented_control]  # nothing to choose: the planted labels are the demo's only
    assert i18n.t("lab.eval.decided.none", lang, cases="1") in [c.value for c in at.caption]
    con = db.connect(lab_db)
    try:
        _decide(con, ids[2], "confirm", "coal_understated")
    finally:
        con.close()
    at.run()
    assert i18n.t("lab.eval.decided.bias", lang) in [m.value for m in at.markdown]
    assert list(at.dataframe[3].value[i18n.t("col.pattern", lang)]) == [i18n.t("pattern.coal_understated", lang)]
