"""The Intermediaries page (AppTest): the ranking in both languages, the ?agency= deep link to the ring
lab's drill-down with its clients and charts, untrusted or out-of-scope ids refused with one warning,
a ranking row opening the drill-down, and the button that filters every page to the agency's clients."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.insight import agencies, runs
from core.store import db, intermediaries
from core.words import i18n
from core.engine import rules
from core.contract.access import Scope
from core.contract.filters import Filters
from core.ui import agencies as agency_ui
from tests.app import apptest
from core.words import agencies as agency_words

PAGE = "pages/6_Intermediaries.py"


def deep_link(lang: str = "en", **params) -> AppTest:
    """A fresh session whose first request is /Intermediaries?… (no run of app.py before it)."""
    return apptest.deep_link(PAGE, lang=lang, **params)


@pytest.fixture(scope="module")
def ring(assessed_demo_db) -> dict:
    """The planted ring lab (it batch-tested an intermediary_ring client's labelled year), its clients,
    its kind's size and a province none of its clients is in."""
    con = db.connect(assessed_demo_db)
    try:
        flt = Filters().with_run(runs.latest_assessment(con).run_id)
        labels = db.fetch_df(con, "SELECT enterprise_id, TRY_CAST(period AS INTEGER) AS year FROM case_labels "
                                  "WHERE pattern = 'intermediary_ring'")
        years = intermediaries.agency_client_years(con, Scope.national()).merge(labels, on=["enterprise_id", "year"])
        lab = sorted(years[(years.kind == "lab") & (years.batch_months >= rules.BATCH_MIN_MONTHS)].agency_id)[0]
        clients = agencies.clients(con, Scope.national(), flt, lab)
        provinces = db.fetch_df(con, "SELECT code FROM provinces ORDER BY code").code
        profile = agencies.profile(con, Scope.national(), flt)
    finally:
        con.close()
    elsewhere = next(p for p in provinces if p not in set(clients.province_code))
    return {"lab": lab, "clients": clients, "elsewhere": elsewhere, "profile": profile}


def _kinds(at: AppTest):
    return next(b for b in at.get("button_group") if b.key == "agencies_kind")


def _texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_ranking_renders_in_both_languages(app_db, ring, lang):
    at = deep_link(lang)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [i18n.t("agencies.title", lang)]
    assert not at.warning and not at.error
    (table,) = at.dataframe
    consultants = ring["profile"][ring["profile"].kind == agencies.KINDS[0]]
    assert len(table.value) == len(consultants)
    assert table.value[i18n.t("agencies.col.name", lang)].tolist() == consultants.name.tolist()
    assert i18n.t("agencies.col.signals", lang) in table.value.columns
    assert i18n.t("agencies.ranked", lang, kind=i18n.t("agencies.kind.consultant", lang)) in _texts(at, "subheader")
    _kinds(at).set_value("lab").run()
    assert not at.exception
    labs = at.dataframe[0].value
    first_lab = ring["profile"][ring["profile"].kind == "lab"].agency_id.iloc[0]
    assert labs[i18n.t("agencies.col.id", lang)].iloc[0] == first_lab
    assert i18n.t("agencies.col.batch", lang) in labs.columns


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_deep_link_opens_the_ring_lab(app_db, ring, lang):
    at = deep_link(lang, agency=ring["lab"])
    assert not at.exception, at.exception
    assert not at.warning
    row = ring["profile"].set_index("agency_id").loc[ring["lab"]]
    assert row["name"] in _texts(at, "header")
    assert [m.label for m in at.metric][:2] == [i18n.t("agencies.detail.score", lang),
                                                i18n.t("agencies.detail.clients", lang)]
    assert at.metric[0].value == f"{row['score']:.0f}"
    # what stands out, in words: the batch is the first thing a reviewer reads
    bullets = next(m for m in _texts(at, "markdown") if m.startswith("- "))
    fired = json.loads(row["signals"])
    assert bullets.splitlines() == [f"- {agency_words.signal_text(f, lang)}" for f in fired]
    assert any(f["signal"] == "batch" for f in fired)
    # its clients' risk against the view, and its test dates
    assert len(at.get("vega_lite_chart")) >= 2
    clients, ranking = at.dataframe
    shown = clients.value
    assert shown[i18n.t("col.enterprise_id", lang)].tolist() == ring["clients"].enterprise_id.tolist()
    # a lab serves months: the column holds them (no "None" cells)
    assert shown[i18n.t("agencies.col.months", lang)].notna().all()
    batch = i18n.t("agencies.client_signal.batch", lang)
    assert shown[i18n.t("agencies.col.client_signals", lang)].str.contains(batch).sum() >= 2
    # the ranking below is of its kind
    assert i18n.t("agencies.col.batch", lang) in ranking.value.columns


@pytest.mark.parametrize("value", ["LAB9999", "x' OR '1'='1", "<script>alert(1)</script>", "A" * 300])
def test_unknown_or_invalid_ids_warn_and_show_the_ranking(app_db, ring, value):
    at = deep_link("en", agency=value)
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert warning.value.startswith("No intermediary") and "<script>" not in warning.value
    assert not at.metric and len(at.dataframe) == 1


def test_an_agency_outside_the_scope_gets_the_same_warning(app_db, ring, monkeypatch):
    monkeypatch.setenv("CARBONWATCH_SCOPE", ring["elsewhere"])
    at = deep_link("zh", agency=ring["lab"])
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert warning.value == i18n.t("agencies.not_found", "zh", value=ring["lab"])
    assert not at.metric


def test_selecting_a_row_opens_that_agency(app_db, ring):
    at = deep_link("en")
    _kinds(at).set_value("lab").run()
    key = next(k for k in at.session_state if k.startswith("agency_ranking-"))
    at.session_state[key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    first = ring["profile"][ring["profile"].kind == "lab"].iloc[0]
    assert at.query_params.get(agency_ui.PARAM) in (first.agency_id, [first.agency_id])
    assert first["name"] in _texts(at, "header")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_selecting_a_client_opens_its_dossier_in_the_page_language(app_db, ring, lang):
    at = deep_link(lang, agency=ring["lab"])
    key = next(k for k in at.session_state if str(k).startswith("agency_clients-"))
    at.session_state[key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("enterprise") in (ring["clients"].enterprise_id.iloc[0],
                                                 [ring["clients"].enterprise_id.iloc[0]])
    assert at.title[0].value == i18n.t("enterprise.title", lang)


def test_the_button_filters_every_page_to_the_clients(app_db, ring):
    at = deep_link("en", agency=ring["lab"])
    next(b for b in at.button if b.key == "agency_filter").click().run()
    assert not at.exception, at.exception
    assert at.query_params.get("lab") in (ring["lab"], [ring["lab"]])
    assert at.query_params.get(agency_ui.PARAM) in (ring["lab"], [ring["lab"]])  # the drill-down stays open
    assert ring["profile"].set_index("agency_id").loc[ring["lab"], "name"] in _texts(at, "header")
