"""Who is looking, in the app: the demo role switch (loopback only), local accounts with a sign-in
form, the refusal on another address, and the scope of the signed-in user applied to the data."""
from __future__ import annotations

import pytest
from streamlit import config as st_config

from core.contract import roles
from core.store import accounts, audit, db
from core.ui import auth
from core.words import i18n
from tests.app import apptest

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts_db(assessed_demo_db, private_copy, monkeypatch):
    """A copy of the assessed demo with two local accounts: the app is then in sign-in mode."""
    path = private_copy(assessed_demo_db, "accounts_db")
    con = db.connect(path)
    try:
        accounts.add_user(con, "sd-analyst", "provincial_analyst", frozenset({"37"}), PASSWORD)
        accounts.add_user(con, "reader", "viewer", None, PASSWORD)
    finally:
        con.close()
    monkeypatch.setenv(db.ENV_VAR, str(path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    return path


def _log(path):
    con = db.connect(path)
    try:
        return audit.entries(con)
    finally:
        con.close()


def _sign_in(at, name, password):
    at.text_input(key="sign_in_name").set_value(name)
    at.text_input(key="sign_in_password").set_value(password)
    return at.button[0].click().run()  # the form's submit button


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_with_accounts_nothing_shows_before_sign_in(accounts_db, lang):
    at = apptest.open_page("app.py", lang=lang)
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == [i18n.t("auth.sign_in.title", lang)]
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_wrong_password_says_only_that_something_was_wrong(accounts_db, lang):
    at = _sign_in(apptest.open_page("app.py", lang=lang), "sd-analyst", "not the password")
    assert [e.value for e in at.error] == [i18n.t("auth.sign_in.wrong", lang)]
    assert not at.metric
    unknown = _sign_in(apptest.open_page("app.py", lang=lang), "no-such-user", "not the password")
    assert [e.value for e in unknown.error] == [i18n.t("auth.sign_in.wrong", lang)]  # the same words
    assert set(_log(accounts_db).query("action == 'sign_in_failed'")["target"]) == {"sd-analyst", "no-such-user"}


def test_a_provincial_analyst_signs_in_sees_only_shandong_and_signs_out(accounts_db):
    at = _sign_in(apptest.open_page("app.py", lang="en"), "sd-analyst", PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == i18n.t("overview.title.region", "en", region="Shandong")
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "en", provinces="Shandong")
    top = at.dataframe[0].value  # the ten highest-risk enterprises: every one of them in Shandong
    assert len(top) > 0 and set(top[i18n.t("col.province", "en")]) == {"Shandong"}
    # the URL cannot widen it: ?prov=32 (Jiangsu) is outside, and named as ignored
    at.query_params["prov"] = "32"
    at.run()
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "en", provinces="Shandong")
    assert at.title[0].value == i18n.t("overview.title.region", "en", region="Shandong")
    # the account area names the user and role; sign-out returns to the form, audited
    assert any("sd-analyst" in e.label for e in at.sidebar.expander)
    next(b for b in at.sidebar.button if b.key == "sign_out").click().run()
    assert [s.value for s in at.subheader] == [i18n.t("auth.sign_in.title", "en")]
    assert list(_log(accounts_db).sort_values("seq")["action"])[-2:] == ["sign_in", "sign_out"]


def test_a_viewer_cannot_export_the_briefing_or_run_a_model(accounts_db):
    at = _sign_in(apptest.open_page("app.py", lang="en"), "reader", PASSWORD)
    assert not at.exception, at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    assert buttons["export_pptx"].proto.disabled and buttons["export_xlsx"].proto.disabled
    at.switch_page("pages/2_Anomaly_Lab.py").run()
    run = next(b for b in at.get("button") if b.proto.label == i18n.t("lab.run", "en"))
    assert run.proto.disabled


def test_demo_mode_switches_role_and_province_and_audits_the_switch(app_db, private_copy, monkeypatch):
    path = private_copy(app_db, "demo_switch")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    at = apptest.open_page("app.py", lang="zh")
    assert not at.exception, at.exception
    assert at.title[0].value == i18n.t("overview.title", "zh")  # the demo opens as national admin
    at.sidebar.selectbox(key=auth.widget_key(auth.DEMO_ROLE, "zh")).set_value("provincial_analyst").run()
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "zh", provinces="山东省")
    at.sidebar.multiselect(key=auth.widget_key(auth.DEMO_PROVINCES, "zh")).set_value(["32"]).run()
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "zh", provinces="江苏省")
    # the language switch keeps who you are (the switches' labels are words of the language)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "en", provinces="Jiangsu")
    assert at.sidebar.selectbox(key=auth.widget_key(auth.DEMO_ROLE, "en")).value == "provincial_analyst"
    log = _log(path).sort_values("seq")
    log = log[log["action"] == "sign_in"]
    assert len(log) == 2
    assert list(log["scope"]) == ["37", "32"] and set(log["source"]) == {"demo"}


def test_another_address_without_sign_in_refuses(app_db):
    old = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        at = apptest.open_page("app.py", lang="en")
    finally:
        st_config.set_option("server.address", old)
    assert not at.exception, at.exception
    assert at.error and i18n.t("auth.refused.title", "en") in at.error[0].value
    assert not at.metric and not at.dataframe
    assert roles.ROLES  # the roles exist; none is granted without a sign-in


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_audit_page_lists_filters_and_names_each_entry(app_db, private_copy, monkeypatch, lang):
    from core.contract.access import Scope
    from core.contract.filters import NO_FILTERS
    from core.insight import scenarios

    path = private_copy(app_db, "audit_page")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    con = db.connect(path)
    try:
        admin = roles.User("li.admin", "national_admin", None, "local")
        sid = scenarios.save(con, "Plan", scenarios.CarbonDefault(), NO_FILTERS, Scope.national(), admin)
        total = len(audit.entries(con))
    finally:
        con.close()
    at = apptest.open_page("pages/9_Audit.py", lang=lang)
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == total
    at.selectbox(key="audit_action").set_value("scenario_save").run()
    shown = at.dataframe[0].value
    assert list(shown[i18n.t("audit.col.target", lang)]) == [sid]
    assert list(shown[i18n.t("audit.col.user", lang)]) == ["li.admin"]
    assert list(shown[i18n.t("audit.col.action", lang)]) == [i18n.t("audit.action.scenario_save", lang)]


def test_the_audit_page_is_refused_to_an_analyst(app_db):
    at = apptest.open_page("pages/9_Audit.py", session={auth.DEMO_ROLE: "national_analyst"}, lang="en")
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [i18n.t("audit.refused", "en", role=i18n.t("role.national_analyst", "en"))]
    assert not at.dataframe
