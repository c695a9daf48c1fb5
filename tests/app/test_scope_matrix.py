"""The province scope, checked on the data each page returns: a provincial analyst of Shandong (37)
opens every page, every export, a model run, the scenarios and a hand-made link to another
province's enterprise, and receives no row, id or name of another province's enterprise; a viewer
gets no enterprise-level export.

What "data" means here: every table's cells, every chart's datasets and spec, every link's query
string, every text on the page, and the bytes of every file the page would let the user download
(CSV, XLSX, PPTX read back as text)."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
import streamlit as st

from core.contract import access
from core.store import db
from core.ui import auth
from core.ui.page import PAGES
from core.words import i18n
from tests.app import apptest

MINE = "37"


@pytest.fixture(scope="module")
def others(assessed_demo_db):
    """Ids and names of every enterprise outside 37 (names shared with a 37 enterprise left out),
    and the accounts of those enterprises."""
    con = db.connect(assessed_demo_db)
    try:
        e = db.fetch_df(con, "SELECT enterprise_id, name, province_code FROM enterprises")
        acc = db.fetch_df(con, "SELECT a.account_id FROM accounts a JOIN enterprises e USING (enterprise_id) "
                               "WHERE e.province_code <> ?", [MINE])
    finally:
        con.close()
    mine = e[e.province_code == MINE]
    assert len(mine) >= 2, "the fixture needs Shandong enterprises"
    out = e[e.province_code != MINE]
    names = set(out["name"]) - set(mine["name"])
    return {"ids": set(out["enterprise_id"]), "names": names, "accounts": set(acc["account_id"]),
            "first_other": out.sort_values("enterprise_id")["enterprise_id"].iloc[0],
            "first_mine": mine.sort_values("enterprise_id")["enterprise_id"].iloc[0]}


def _open(path: str, role: str = "provincial_analyst", **query):
    """The page as the demo user of `role` in province 37 sees it (the role set before the first run)."""
    at = apptest.open_page(path, timeout=90, session={auth.DEMO_ROLE: role, auth.DEMO_PROVINCES: [MINE]},
                           **{"lang": "en", **query})
    assert not at.exception, at.exception
    return at


def _page_data(at) -> list[str]:
    """Everything the page returned, as text pieces."""
    pieces = []
    for df in at.dataframe:
        value = df.value
        frame = value.data if hasattr(value, "data") else value
        pieces += [str(v) for v in pd.DataFrame(frame).to_numpy().ravel()]
        pieces += [str(c) for c in pd.DataFrame(frame).columns]
    for chart in at.get("vega_lite_chart"):
        pieces.append(chart.proto.spec)
        pieces += [d.data.data.decode("utf-8", "replace") for d in chart.proto.datasets]
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "header", "title", "json"):
        pieces += [str(getattr(e, "value", "")) for e in at.get(kind)]
    for m in at.metric:
        pieces += [m.label, str(m.value), str(m.proto.delta_description)]
    for link in at.get("page_link"):
        pieces += [link.proto.label, link.proto.query_string]
    for kind in ("selectbox", "multiselect"):
        for w in at.get(kind):
            pieces += [str(o) for o in getattr(w, "options", [])]
    return pieces


def _leaks(pieces, others) -> list[str]:
    text = "\n".join(pieces)
    found = [f"id {i}" for i in others["ids"] if i in text]
    found += [f"name {n}" for n in others["names"] if n in text]
    found += [f"account {a}" for a in others["accounts"] if a in text]
    return sorted(found)[:10]


@pytest.fixture
def downloads(monkeypatch):
    """Every download the page offers: (key, data) with the data built as a click would build it."""
    captured = []
    real = st.download_button

    def spy(label, data=None, *args, **kwargs):
        captured.append((kwargs.get("key"), data, kwargs.get("disabled", False)))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    monkeypatch.setattr(auth.st, "download_button", spy)
    return captured


def _file_text(content: bytes) -> str:
    """A downloaded file as text: CSV as it is, XLSX and PPTX (zip) by their XML parts."""
    if content[:2] != b"PK":
        return content.decode("utf-8-sig", "replace")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


# the viewer's pages read through the same scoped queries: CI and `make test-all` check them too
@pytest.mark.parametrize("role", ["provincial_analyst", pytest.param("viewer", marks=pytest.mark.slow)])
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_a_provincial_account_receives_no_other_province_on_any_page_or_export(app_db, others, downloads, path, role):
    at = _open(path, role=role)
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "en", provinces="Shandong")
    assert _leaks(_page_data(at), others) == []
    for key, data, disabled in downloads:
        if disabled or data in (None, b""):
            continue
        content = data() if callable(data) else data
        assert _leaks([_file_text(content)], others) == [], key


def test_a_link_to_another_province_s_enterprise_shows_nothing_of_it(app_db, others):
    at = _open("pages/4_Enterprise.py", enterprise=others["first_other"])
    assert not any(h.value for h in at.header)  # no profile: it looks unknown
    assert _leaks(_page_data(at), others) == []
    own = _open("pages/4_Enterprise.py", enterprise=others["first_mine"])
    assert own.header and own.header[0].value  # the analyst's own province opens
    assert _leaks(_page_data(own), others) == []


def test_a_model_run_of_a_provincial_analyst_is_refused_and_the_stored_runs_show_only_37(app_db, others):
    at = _open("pages/2_Anomaly_Lab.py")
    run = next(b for b in at.get("button") if b.proto.label == i18n.t("lab.run", "en"))
    assert run.proto.disabled  # the role has no run_models right
    assert _leaks(_page_data(at), others) == []


def test_a_scenario_saved_nationally_does_not_open_for_a_province(app_db, private_copy, monkeypatch, others):
    from core.contract.filters import NO_FILTERS
    from core.insight import scenarios

    path = private_copy(app_db, "scope_scenarios")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    con = db.connect(path)
    try:
        sid = scenarios.save(con, "National plan", scenarios.CarbonDefault(), NO_FILTERS, access.Scope.national())
    finally:
        con.close()
    at = _open("pages/7_Scenarios.py", scenario=sid)
    assert [w.value for w in at.warning] == [i18n.t("scenarios.saved.unknown", "en", id=sid)]
    assert "National plan" not in "\n".join(_page_data(at))
    assert _leaks(_page_data(at), others) == []


@pytest.mark.parametrize("path", ["app.py", "pages/2_Anomaly_Lab.py", "pages/7_Scenarios.py"])
def test_a_viewer_gets_no_enterprise_level_export(app_db, downloads, path):
    _open(path, role="viewer")
    levels = {"export_pptx": "enterprise", "export_xlsx": "enterprise", "download_flagged": "enterprise",
              "download_ranked": "enterprise", "scenario_csv_enterprises": "enterprise", "scenario_xlsx": "enterprise",
              "scenario_csv_provinces": "aggregate"}
    offered = {key: (data, disabled) for key, data, disabled in downloads}
    assert offered, "the page offers its downloads"
    for key, (data, disabled) in offered.items():
        if levels[key] == "enterprise":
            assert disabled and data == b"", key
        else:
            assert not disabled and callable(data), key


@pytest.mark.parametrize("path", ["app.py", "pages/5_Market.py", "pages/2_Anomaly_Lab.py"])
def test_the_check_finds_other_provinces_where_the_user_may_see_them(app_db, others, path):
    """The same check on a national analyst's view finds other provinces' enterprises: it can fail."""
    assert _leaks(_page_data(_open(path, role="national_analyst")), others) != []


def test_a_provincial_analyst_cannot_see_open_or_change_another_province_s_case(app_db, private_copy, monkeypatch,
                                                                                 others, downloads):
    from core.contract.roles import SYSTEM
    from core.store import cases as case_store

    path = private_copy(app_db, "scope_cases")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    con = db.connect(path)
    try:
        for eid in (others["first_mine"], others["first_other"]):  # one case in 37, one elsewhere
            prov = con.execute("SELECT province_code FROM enterprises WHERE enterprise_id = ?", [eid]).fetchone()[0]
            case_store.open_case(con, SYSTEM, subject_kind="enterprise", subject_id=eid, subject_name="x",
                                 province_code=prov, source="top_risk", snapshot={})
        cases = db.fetch_df(con, "SELECT case_id, province_code FROM cases ORDER BY case_id")
    finally:
        con.close()
    theirs = cases[cases.province_code != MINE].iloc[0]
    mine = cases[cases.province_code == MINE].iloc[0]
    at = _open("pages/10_Cases.py", case=theirs.case_id)
    assert [w.value for w in at.warning] == [i18n.t("cases.not_found", "en")]
    assert not at.header and theirs.case_id not in "\n".join(_page_data(at))
    queue = _open("pages/10_Cases.py", queue="all")
    shown = set(queue.dataframe[0].value[i18n.t("cases.col.case", "en")])
    assert shown == set(cases[cases.province_code == MINE].case_id)  # every case of 37, none of another
    assert _leaks(_page_data(queue), others) == []
    own = _open("pages/10_Cases.py", case=mine.case_id)
    assert own.header and mine.case_id in own.header[0].value
    assert _leaks(_page_data(own), others) == []
    built = [(key, data()) for key, data, disabled in downloads
             if callable(data) and not disabled and key.startswith(("summary-", "notice-"))]
    assert {key for key, _ in built} == {"summary-en", "summary-zh"}  # the case's Word files (no order yet)
    for key, content in built:
        assert mine.case_id in _file_text(content) and _leaks([_file_text(content)], others) == [], key
