"""The Cases page (AppTest): queues in both languages, a case from a flag through every move made
on the page by the role that may make it, a stale edit refused with the newer state, a viewer who
reads but cannot act, and opening cases from the Overview's top-risk list and from a dossier."""
from __future__ import annotations

import pytest

from core.contract import roles
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS
from core.insight import runs
from core.store import audit, db, risk_views
from core.store import cases as store
from core.ui import auth
from core.words import i18n
from tests.app import apptest

PAGE = "pages/10_Cases.py"
TIMEOUT = 90


@pytest.fixture
def case_db(app_db, private_copy, monkeypatch):
    path = private_copy(app_db, "cases_page")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    return path


def _open(path: str = PAGE, role: str = "national_admin", provinces=("37",), lang: str = "en", **query):
    at = apptest.open_page(path, timeout=TIMEOUT, session={auth.DEMO_ROLE: role, auth.DEMO_PROVINCES: list(provinces)},
                           lang=lang, **query)
    assert not at.exception, at.exception
    return at


def _rows(con, sql: str, params=()):
    return db.fetch_df(con, sql, params)


def _act(at, action: str, lang: str = "en", **values):
    """Pick `action` in the case's action control, fill the form by its labels and submit it."""
    (pick,) = [s for s in at.segmented_control if s.label == i18n.t("cases.actions.pick", lang)]
    pick.set_value(action).run()
    assert not at.exception, at.exception
    for field, value in values.items():
        label = i18n.t(f"case.field.{field}", lang) if f"case.field.{field}" in i18n.STRINGS else \
            i18n.t(f"case.measure.{field}", lang)
        widget = next(w for kind in ("text_area", "text_input", "selectbox", "date_input", "multiselect", "radio",
                                                 "number_input")
                      for w in at.get(kind) if getattr(w, "label", None) == label)
        widget.set_value(value)
    (submit,) = [b for b in at.get("button") if b.proto.label == i18n.t(f"case.move.{action}", lang)
                 and b.proto.is_form_submitter]
    submit.click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_queues_show_the_view_s_cases_with_their_counts(app_db, lang):
    con = db.connect(app_db)
    try:
        every = store.case_list(con, Scope.national(), NO_FILTERS)
    finally:
        con.close()
    at = _open(lang=lang, queue="all")
    (table,) = at.dataframe
    assert list(table.value[i18n.t("cases.col.case", lang)]) == list(every["case_id"])
    (queue,) = [s for s in at.segmented_control if s.label == i18n.t("cases.queue", lang)]
    assert i18n.t("cases.queue.overdue", lang, n=i18n.fmt_int(int(every["overdue"].sum()), lang)) in queue.options
    overdue = _open(lang=lang, queue="overdue")
    assert len(overdue.dataframe[0].value) == int(every["overdue"].sum())


def test_a_case_goes_from_the_top_risk_list_to_closed_on_the_page_with_every_step_by_its_user(case_db):
    con = db.connect(case_db)
    try:
        before = len(_rows(con, "SELECT * FROM cases"))
        run = runs.latest_assessment(con)
        ranking = risk_views.enterprise_risk(con, Scope.national(), NO_FILTERS.with_run(run.run_id))
        busy = set(_rows(con, "SELECT subject_id FROM cases WHERE state NOT IN ('dismissed', 'closed')")["subject_id"])
    finally:
        con.close()
    k = next(i for i, e in enumerate(ranking.dropna(subset=["risk_score"])["enterprise_id"]) if e not in busy) + 1
    # the national analyst opens cases for the Overview's top k: the first k-1 have theirs already
    at = _open("app.py", role="national_analyst")
    (n,) = [w for w in at.number_input if w.label == i18n.t("cases.open_top.n", "en")]
    n.set_value(k).run()
    next(b for b in at.button if b.label == i18n.t("cases.open_top.go", "en", n=str(k))).click().run()
    assert [m.value for m in at.success] == [i18n.t("cases.open_top.done", "en", new="1", existing=str(k - 1))]
    assert not at.exception
    con = db.connect(case_db)
    try:
        new = _rows(con, "SELECT * FROM cases WHERE opened_by = 'demo-national_analyst'")
        after = len(_rows(con, "SELECT * FROM cases"))
    finally:
        con.close()
    assert len(new) == 1 and after == before + 1
    case = new.iloc[0]
    # assigned to the provincial analyst of its province, who confirms it and orders rectification
    at = _open(role="national_analyst", case=case.case_id)
    at = _act(at, "assign", owner="demo-provincial_analyst")
    assert at.success, [w.value for w in at.warning]
    officer = _open(role="provincial_analyst", provinces=(case.province_code,), case=case.case_id)
    for action, values in (("take", {}), ("confirm", {"finding": "Batch test certificates", "pattern": "batch_testing"}),
                           ("measures", {"fine_cny": 500_000.0, "responsible_units": "Lab X"}),
                           ("order", {"corrections": ["retest", "re_report"]})):
        officer = _act(officer, action, **values)
        assert officer.success, (action, [e.value for e in officer.error], [w.value for w in officer.warning])
    (pick,) = [s for s in officer.segmented_control if s.label == i18n.t("cases.actions.pick", "en")]
    assert "rectified" not in pick.options  # the administrator's move
    admin = _open(role="national_admin", case=case.case_id)
    for action, values in (("rectified", {"evidence": "New certificates"}), ("look_back", {"outcome": "held"}),
                           ("close", {})):
        admin = _act(admin, action, **values)
        assert admin.success, (action, [e.value for e in admin.error])
    con = db.connect(case_db)
    try:
        events = store.timeline(con, Scope.national(), case.case_id)
        log = audit.entries(con, action="case_change", limit=100_000)
        row = store.case_row(con, Scope.national(), case.case_id)
    finally:
        con.close()
    assert list(events["action"]) == ["open", "assign", "take", "confirm", "measures", "order", "rectified",
                                      "look_back", "close"]
    assert list(events["user_name"]) == ["demo-national_analyst"] * 2 + ["demo-provincial_analyst"] * 4 + \
        ["demo-national_admin"] * 3
    assert row["state"] == "closed" and row["decision"] == "confirmed" and row["pattern"] == "batch_testing"
    assert row["measures"]["fine_cny"] == 500_000.0
    mine = log[log["target"] == case.case_id]
    assert sorted(mine["user_name"]) == sorted(events["user_name"])


def test_a_stale_change_is_refused_with_the_newer_state(case_db):
    con = db.connect(case_db)
    try:
        case = _rows(con, "SELECT case_id, version FROM cases WHERE state = 'new' ORDER BY case_id LIMIT 1").iloc[0]
    finally:
        con.close()
    at = _open(role="national_admin", case=case.case_id)
    (pick,) = [s for s in at.segmented_control if s.label == i18n.t("cases.actions.pick", "en")]
    pick.set_value("take").run()
    con = db.connect(case_db)  # someone else takes it meanwhile
    try:
        store.change(con, roles.User("li.other", "national_analyst"), case.case_id, int(case.version), "take")
    finally:
        con.close()
    (submit,) = [b for b in at.get("button") if b.proto.label == i18n.t("case.move.take", "en")]
    submit.click().run()
    (warning,) = at.warning
    assert "li.other" in warning.value and i18n.t("case.state.under_review", "en") in warning.value
    assert f"version {int(case.version) + 1}" in warning.value
    con = db.connect(case_db)
    try:
        events = store.timeline(con, Scope.national(), case.case_id)
    finally:
        con.close()
    assert list(events["user_name"].iloc[-1:]) == ["li.other"]  # the refused change wrote nothing


def test_a_viewer_reads_a_case_but_has_no_action(app_db):
    con = db.connect(app_db)
    try:
        cid, province = _rows(con, "SELECT case_id, province_code FROM cases ORDER BY case_id LIMIT 1").iloc[0]
    finally:
        con.close()
    at = _open(role="viewer", provinces=(province,), case=cid)
    assert at.header and cid in at.header[0].value
    assert not [s for s in at.segmented_control if s.label == i18n.t("cases.actions.pick", "en")]
    assert i18n.t("cases.refused.read_only", "en", role=i18n.t("role.viewer", "en")) in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_dossier_opens_a_case_with_its_rule_hits_frozen(case_db, lang):
    con = db.connect(case_db)
    try:
        eid = _rows(con, "SELECT DISTINCT enterprise_id FROM rule_hits WHERE enterprise_id NOT IN "
                         "(SELECT subject_id FROM cases) ORDER BY 1 LIMIT 1").iloc[0, 0]
    finally:
        con.close()
    at = _open("pages/4_Enterprise.py", role="national_analyst", lang=lang, enterprise=eid)
    next(b for b in at.button if b.key == "open_case").click().run()
    assert not at.exception
    con = db.connect(case_db)
    try:
        row = _rows(con, "SELECT case_id, source, snapshot FROM cases WHERE subject_id = ?", [eid]).iloc[0]
    finally:
        con.close()
    import json
    snap = json.loads(row.snapshot)
    assert row.source == "rule_hit" and snap["hits"] and snap["risk"]["risk_score"] is not None
    assert any(row.case_id in link.proto.label for link in at.get("page_link"))
