"""Sign-in in a real browser: the demo mode's role switch on 127.0.0.1, a local account's sign-in,
a wrong password (one message, no detail), sign-out; each step in the audit log with its user."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.store import accounts, audit, db
from core.words import i18n
from tests.e2e import browser

# In CI (`make test` with CI set) and `make test-all` / `make e2e`: each starts a server of its own
# (~10 s); tests/app/test_auth.py covers the same flows at the AppTest level in every `make test`.
pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]
PASSWORD = "correct horse battery"
# A sign-in reruns the whole page; on a loaded 2-core machine that takes longer than expect's 5 s.
expect.set_options(timeout=20_000)


def _log(server):
    """The audit log, read once the server has stopped (it holds the database file while it runs)."""
    server.stop()
    con = db.connect(server.db_path, read_only=True)
    try:
        return audit.entries(con).sort_values("seq")
    finally:
        con.close()


@pytest.fixture
def demo_server(chromium_ready, assessed_demo_db, tmp_path_factory):
    with browser.AppServer(browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_demo"))) as s:
        yield s


@pytest.fixture
def accounts_server(chromium_ready, assessed_demo_db, tmp_path_factory):
    path = browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_accounts"))
    con = db.connect(path)
    try:
        accounts.add_user(con, "sd-analyst", "provincial_analyst", frozenset({"37"}), PASSWORD)
    finally:
        con.close()
    with browser.AppServer(path) as s:
        yield s


def test_demo_mode_switches_the_role_and_the_scope_follows(demo_server, page):
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
def test_a_local_account_signs_in_sees_its_province_and_signs_out(accounts_server, page, lang):
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
    sign_out = sidebar.get_by_role("button", name=i18n.t("auth.sign_out", lang))
    expect(sign_out).to_be_visible()
    sign_out.click()
    expect(page.get_by_text(i18n.t("auth.sign_in.title", lang)).first).to_be_visible(timeout=20_000)
    log = _log(accounts_server)
    steps = log[log["action"].isin(["sign_in_failed", "sign_in", "sign_out"])]
    assert list(steps["action"]) == ["sign_in_failed", "sign_in", "sign_out"]
    assert list(steps["target"]) == ["sd-analyst"] * 3
    assert list(steps["user_name"])[1:] == ["sd-analyst", "sd-analyst"]


class _OidcServer(browser.AppServer):
    """The app with a secrets file of its own: [auth] pointing at the stub provider."""

    def __init__(self, db_path, secrets_file):
        super().__init__(db_path)
        self.secrets_file = secrets_file

    @property
    def command(self) -> list[str]:
        return [*super().command, "--secrets.files", str(self.secrets_file)]


def test_st_login_with_an_oidc_provider_maps_groups_to_a_role_and_provinces(chromium_ready, page,
                                                                             assessed_demo_db, tmp_path):
    from tests.e2e.oidc_stub import CLIENT_ID, CLIENT_SECRET, StubProvider

    claims = {"sub": "u-1001", "email": "wang.li@sd.example.gov.cn", "name": "Wang Li",
              "groups": ["carbonwatch-provinces", "staff"], "province_codes": "37"}
    with StubProvider(claims) as idp:
        db_path = browser.copy_db(assessed_demo_db, tmp_path / "db")
        secrets_file = tmp_path / "secrets.toml"
        app = _OidcServer(db_path, secrets_file)
        secrets_file.write_text(f'''
[auth]
redirect_uri = "{app.base_url}/oauth2callback"
cookie_secret = "stub-cookie-secret-0123456789abcdef"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{idp.metadata_url}"

[carbonwatch.oidc]
name_claim = "email"
role_claim = "groups"
provinces_claim = "province_codes"

[carbonwatch.oidc.roles]
"carbonwatch-provinces" = "provincial_analyst"
"carbonwatch-admins" = "national_admin"
''', encoding="utf-8")
        with app:
            browser.open_page(page, app, "app.py", lang="en")
            assert page.get_by_test_id("stMetric").count() == 0  # nothing before signing in
            page.get_by_role("button", name=i18n.t("auth.oidc.button", "en")).click()
            expect(page.locator("h1").first).to_have_text(i18n.t("overview.title.region", "en", region="Shandong"),
                                                          timeout=30_000)
            browser.wait_for_render(page)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text(i18n.t("scope.provinces", "en", provinces="Shandong"))).to_be_visible()
            browser.screenshot(page, "sign_in_oidc_en")
            assert {"/authorize", "/token", "/jwks"} <= set(idp.requests)
            log = _log(app)
    signed = log[log["action"] == "sign_in"]
    assert list(signed["user_name"]) == ["wang.li@sd.example.gov.cn"] and list(signed["source"]) == ["oidc"]
    assert list(signed["role"]) == ["provincial_analyst"] and list(signed["scope"]) == ["37"]
