"""The what-if page (AppTest): each kind in both languages with its key elements, a recompute from
the form, refused parameters, saving from the page, and a saved scenario reopened from its link
(?scenario=<id>) with the figures core.insight.scenarios computes for it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.contract import access
from core.store import db
from core.words import i18n
from core.insight import runs, scenarios
from core.contract.filters import NO_FILTERS, Filters
from core.insight.scenarios import CarbonDefault, ReviewBudget, UnreliableIntermediaries
from core.ui import scenarios as ui
from tests.app import apptest

PAGE = "pages/7_Scenarios.py"
TIMEOUT = 120


def open_page(lang: str = "en", **query: str) -> AppTest:
    return apptest.open_page(PAGE, timeout=TIMEOUT, lang=lang, **query)


def clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, key: str, lang: str):
    (m,) = [m for m in at.metric if m.label == i18n.t(key, lang)]
    return m


@pytest.fixture
def private_db(assessed_demo_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the assessed demo: these tests save scenarios into it."""
    path = tmp_path / "scenarios.duckdb"
    shutil.copy(assessed_demo_db, path)
    monkeypatch.setenv(db.ENV_VAR, str(path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    return path


# --- each kind, both languages ----------------------------------------------------------------------

EXPECT = {  # kind -> metric keys shown, charts at least
    "carbon_default": (["scenarios.metric.emissions", "scenarios.metric.shortfall", "scenarios.metric.penalty",
                        "scenarios.metric.fine", "scenarios.metric.changed"], 1),
    "review_budget": (["scenarios.metric.reviewed", "scenarios.metric.caught", "scenarios.metric.entering"], 2),
    "unreliable_intermediaries": (["scenarios.metric.emissions", "scenarios.metric.penalty", "scenarios.metric.caught",
                                   "scenarios.metric.entering"], 1),
}


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_each_kind_renders_with_its_key_elements(app_db, kind, lang):
    at = open_page(lang)
    clean(at)
    assert [t.value for t in at.title] == [i18n.t("scenarios.title", lang)]
    picker = at.segmented_control(key=ui.KIND_KEY)
    assert picker.value == "carbon_default"
    if kind != picker.value:
        picker.set_value(kind).run()
        clean(at)
    labels = [m.label for m in at.metric]
    keys, charts = EXPECT[kind]
    for key in keys:
        assert i18n.t(key, lang) in labels
    assert len(at.get("vega_lite_chart")) >= charts
    assert len(at.dataframe) >= 2  # by province, by enterprise
    assert {b.label for b in at.get("download_button")} >= {
        i18n.t(f"scenarios.download.{k}", lang) for k in ("provinces", "enterprises", "xlsx")}
    assert at.button(key="FormSubmitter:scenario_save-" + i18n.t("scenarios.save.button", lang)) is not None
    subheaders = [s.value for s in at.subheader]
    assert i18n.t("scenarios.province.title", lang) in subheaders
    assert i18n.t("scenarios.enterprise.title", lang) in subheaders
    if kind != "carbon_default":
        assert i18n.t("scenarios.curve.title", lang) in subheaders
    # amounts read the way each audience reads them
    if "scenarios.metric.emissions" in keys:
        value = metric(at, "scenarios.metric.emissions", lang).value
        assert value.endswith(("亿吨", "万吨") if lang == "zh" else ("Gt", "Mt", "kt"))
        penalty = metric(at, "scenarios.metric.penalty", lang).value
        assert penalty.endswith("元") if lang == "zh" else penalty.startswith("CNY ")


def test_the_form_recomputes_on_submit(app_db):
    at = open_page("en")
    before = metric(at, "scenarios.metric.changed", "en").value
    at.toggle[0].set_value(True)
    at.number_input[0].set_value(0.0270)
    at.button(key="FormSubmitter:scenario_form_carbon_default-Recompute").click().run()
    clean(at)
    after = metric(at, "scenarios.metric.changed", "en").value
    assert int(after.replace(",", "")) > int(before.replace(",", ""))
    assert at.session_state[ui._SHOWN + "carbon_default"] == CarbonDefault(below=0.027)


def test_review_budget_changes_apply(app_db):
    at = open_page("zh")
    at.segmented_control(key=ui.KIND_KEY).set_value("review_budget").run()
    reviewed = metric(at, "scenarios.metric.reviewed", "zh")
    assert reviewed.value == i18n.fmt_int(min(scenarios.DEFAULT_BUDGET, _assessed(app_db)), "zh")
    labelled(at.number_input, i18n.t("scenarios.budget", "zh")).set_value(10)
    at.button(key="FormSubmitter:scenario_form_review_budget-重新计算").click().run()
    clean(at)
    assert metric(at, "scenarios.metric.reviewed", "zh").value == "10"


def labelled(widgets, label: str):
    (w,) = [w for w in widgets if w.label == label]
    return w


def _assessed(path: Path) -> int:
    con = db.connect(path)
    try:
        run = runs.latest_assessment(con)
        return con.execute("SELECT count(DISTINCT enterprise_id) FROM risk_components WHERE run_id = ?",
                           [run.run_id]).fetchone()[0]
    finally:
        con.close()


# --- saved scenarios ----------------------------------------------------------------------------------

def _save(path: Path, name: str, scenario, flt: Filters) -> tuple[str, scenarios.Result]:
    con = db.connect(path)
    try:
        run_id = runs.latest_assessment(con).run_id
        sid = scenarios.save(con, name, scenario, flt, access.Scope.national())
        return sid, scenarios.recompute(con, scenario, access.Scope.national(), flt.with_run(run_id))
    finally:
        con.close()


def test_a_link_opens_a_saved_scenario_with_its_filters(private_db):
    con = db.connect(private_db)
    try:
        province = con.execute("SELECT province_code FROM enterprises GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
                               ).fetchone()[0]
    finally:
        con.close()
    scenario = ReviewBudget(severities={"R16": "high"}, budget=3)
    sid, expected = _save(private_db, "Audit <plan> [2024]", scenario, Filters(provinces=(province,)))
    at = open_page("zh", scenario=sid)
    clean(at)
    assert at.query_params["scenario"] == sid and at.query_params["prov"] == province  # its filters, applied
    assert at.segmented_control(key=ui.KIND_KEY).value == "review_budget"
    assert any(sid in i.value and "Audit" in i.value for i in at.info)
    assert metric(at, "scenarios.metric.reviewed", "zh").value == i18n.fmt_int(expected.totals["reviewed_after"], "zh")
    caught = metric(at, "scenarios.metric.caught", "zh").value
    assert caught == (i18n.fmt_int(expected.totals["caught_after"], "zh") if expected.totals["known_cases"]
                      else i18n.MISSING)
    assert at.session_state[ui._SHOWN + "review_budget"] == scenario
    # the saved list holds it with its shareable link; a row click reopens it from another view
    listed = at.dataframe[-1].value
    assert "Audit <plan> [2024]" in set(listed[i18n.t("scenarios.col.name", "zh")])
    assert any(f"scenario={sid}" in u for u in listed[i18n.t("scenarios.col.link", "zh")])
    at = open_page("zh")
    row = list(at.dataframe[-1].value[i18n.t("scenarios.col.name", "zh")]).index("Audit <plan> [2024]")
    key = next(k for k in at.session_state if str(k).startswith("scenario_saved_list-"))
    at.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    clean(at)
    assert at.query_params["scenario"] == sid and at.query_params["prov"] == province
    assert at.segmented_control(key=ui.KIND_KEY).value == "review_budget"


def test_a_link_to_an_emission_scenario_shows_its_figures(private_db):
    con = db.connect(private_db)
    try:
        lab = con.execute("SELECT lab_id FROM monthly_reports WHERE lab_id IS NOT NULL GROUP BY ALL "
                          "ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    finally:
        con.close()
    scenario = UnreliableIntermediaries(labs=(lab,))
    sid, expected = _save(private_db, "One lab", scenario, NO_FILTERS)
    at = open_page("en", scenario=sid)
    clean(at)
    assert metric(at, "scenarios.metric.emissions", "en").value == i18n.fmt_tonnes(
        expected.totals["emissions_after_t"], "en")
    assert labelled(at.multiselect, i18n.t("scenarios.labs", "en")).value == [lab]


@pytest.mark.parametrize("raw, key", [("zzz", "scenarios.saved.bad_id"), ("0123456789ab", "scenarios.saved.unknown")])
def test_bad_or_unknown_links_are_said_and_ignored(app_db, raw, key):
    at = open_page("en", scenario=raw)
    clean(at)
    assert at.warning and at.warning[0].value.startswith(i18n.t(key, "en", id=raw)[:30])
    assert at.segmented_control(key=ui.KIND_KEY).value == "carbon_default"


def test_saving_from_the_page(private_db):
    at = open_page("en")
    at.text_input(key="scenario_save_name").set_value("My first what-if")
    at.button(key="FormSubmitter:scenario_save-Save scenario").click().run()
    clean(at)
    assert at.success and "My first what-if" in at.success[0].value
    con = db.connect(private_db)
    try:
        (name, kind), = con.execute("SELECT name, kind FROM scenarios").fetchall()
    finally:
        con.close()
    assert (name, kind) == ("My first what-if", "carbon_default")
    at.text_input(key="scenario_save_name").set_value("   ")
    at.button(key="FormSubmitter:scenario_save-Save scenario").click().run()
    assert at.error and at.error[0].value.startswith("Not saved: name")


# --- the downloads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", i18n.LANGS)
def test_exports_are_in_the_language_with_parameters_scope_and_filters(assessed_demo_db, lang):
    import io

    from openpyxl import load_workbook

    from core.ui import tables

    con = db.connect(assessed_demo_db)
    try:
        flt = NO_FILTERS.with_run(runs.latest_assessment(con).run_id)
        lab = con.execute("SELECT min(lab_id) FROM monthly_reports").fetchone()[0]
        res = scenarios.recompute(con, UnreliableIntermediaries(labs=(lab,)), access.Scope.national(), flt)
    finally:
        con.close()
    about = [(i18n.t("scenarios.about.scope", lang), i18n.t("scope.national", lang)),
             (i18n.t("scenarios.about.filters", lang), i18n.t("filters.none", lang))]
    wb = load_workbook(io.BytesIO(ui.workbook(res, lang, about)))
    assert wb.sheetnames == [i18n.t(f"scenarios.sheet.{s}", lang)[:31]
                             for s in ("about", "provinces", "enterprises", "curve", "prices")]
    first = wb[wb.sheetnames[0]]
    assert first["A1"].value.startswith(i18n.t("scenarios.title", lang)) and first["B3"].value == about[1][1]
    enterprises = wb[wb.sheetnames[2]]
    assert enterprises["A1"].value == i18n.t("col.enterprise", lang)
    assert enterprises.max_row == len(res.enterprises) + 1
    csv = tables.csv_bytes(tables.scenario_provinces(res.provinces, lang))
    assert csv.startswith(b"\xef\xbb\xbf") and i18n.t("scenarios.col.province", lang).encode() in csv
