"""Sign-in in a real browser: the demo mode's role switch on 127.0.0.1, a local account's sign-in,
a wrong password (one message, no detail), sign-out; each step in the audit log with its user."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.store import accounts, audit, db
from core.words import i18n
from tests.e2e import browser
from tests.e2e.test_journeys import chromium, chromium_ready, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.xdist_group("browser")
PASSWORD = "correct horse battery"


def _log(server):
    """The audit log, read once the server has stopped (it holds the database file while it runs)."""
    server.stop()
    con = db.connect(server.db_path, read_only=True)
    try:
        return audit.entries(con).sort_values("seq")
    finally:
        con.close()


@pytest.fixture
def demo_server(chromium_ready, assessed_demo_db, tmp_path_factory):  # noqa: F811
    with browser.AppServer(browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_demo"))) as s:
        yield s


@pytest.fixture
def accounts_server(chromium_ready, assessed_demo_db, tmp_path_factory):  # noqa: F811
    path = browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_accounts"))
    con = db.connect(path)
    try:
        accounts.add_user(con, "sd-analyst", "provincial_analyst", frozenset({"37"}), PASSWORD)
    finally:
        con.close()
    with browser.AppServer(path) as s:
        yield s


def test_demo_mode_switches_the_role_and_the_scope_follows(demo_server, page):  # noqa: F811
    browser.open_page(page, demo_server, "app.py", lang="en")
    expect(page.get_by_text(i18n.t("auth.demo.badge", "en")).first).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text=i18n.t("auth.demo.role", "en")).click()
    page.get_by_role("option", name=i18n.t("role.provincial_analyst", "en")).click()
    expect(sidebar.get_by_text(i18n.t("scope.provinces", "en", provinces="Shandong"))).to_be_visible()
    expect(page.locator("h1").first).to_have_text(i18n.t("overview.title.region", "en", region="Shandong"))
    browser.wait_for_render(page)
    browser.screenshot(page, "sign_in_demo_provincial_en")
    log = _log(demo_server)
    switched = log[log["action"] == "sign_in"]
    assert list(switched["user_name"]) == ["demo-provincial_analyst"] and list(switched["scope"]) == ["37"]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_local_account_signs_in_sees_its_province_and_signs_out(accounts_server, page, lang):  # noqa: F811
    browser.open_page(page, accounts_server, "app.py", lang=lang)
    expect(page.get_by_text(i18n.t("auth.sign_in.title", lang)).first).to_be_visible()
    assert page.get_by_test_id("stMetric").count() == 0  # nothing before signing in
    # a wrong password: one message that does not say which part was wrong
    page.get_by_label(i18n.t("auth.sign_in.name", lang)).fill("sd-analyst")
    page.get_by_label(i18n.t("auth.sign_in.password", lang), exact=True).fill("not the password")
    page.get_by_test_id("stBaseButton-secondaryFormSubmit").click()
    expect(page.get_by_text(i18n.t("auth.sign_in.wrong", lang))).to_be_visible()
    browser.screenshot(page, f"sign_in_wrong_{lang}")
    # the right one
    page.get_by_label(i18n.t("auth.sign_in.name", lang)).fill("sd-analyst")
    page.get_by_label(i18n.t("auth.sign_in.password", lang), exact=True).fill(PASSWORD)
    page.get_by_test_id("stBaseButton-secondaryFormSubmit").click()
    region = "Shandong" if lang == "en" else "山东省"
    expect(page.locator("h1").first).to_have_text(i18n.t("overview.title.region", lang, region=region))
    browser.wait_for_render(page)
    browser.screenshot(page, f"sign_in_signed_in_{lang}")
    # out again, from the Account area
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(re.compile(re.escape(i18n.t("auth.account", lang, name="sd-analyst")))).click()
    sidebar.get_by_role("button", name=i18n.t("auth.sign_out", lang)).click()
    expect(page.get_by_text(i18n.t("auth.sign_in.title", lang)).first).to_be_visible()
    log = _log(accounts_server)
    steps = log[log["action"].isin(["sign_in_failed", "sign_in", "sign_out"])]
    assert list(steps["action"]) == ["sign_in_failed", "sign_in", "sign_out"]
    assert list(steps["target"]) == ["sd-analyst"] * 3
    assert list(steps["user_name"])[1:] == ["sd-analyst", "sd-analyst"]
