"""The audit log is append-only and holds every sign-in, load, model run, scenario save and export
with the right user; local accounts keep argon2id hashes and say nothing about which part was wrong."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.contract import roles
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS
from core.contract.roles import User
from core.store import accounts, audit, db

ROOT = Path(__file__).resolve().parents[2]
CODE = [*ROOT.glob("core/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]


def test_no_code_updates_or_deletes_the_audit_log():
    pattern = re.compile(r"(UPDATE\s+\"?audit_log|DELETE\s+FROM\s+\"?audit_log|TRUNCATE\s+\"?audit_log|"
                         r"DROP\s+TABLE\s+(IF\s+EXISTS\s+)?\"?audit_log|ALTER\s+TABLE\s+\"?audit_log|"
                         r"INSERT\s+OR\s+REPLACE\s+INTO\s+\"?audit_log)", re.I)
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in CODE for m in pattern.finditer(p.read_text("utf-8"))]
    assert offenders == []
    # and the one writer is an INSERT without ON CONFLICT
    writers = [p for p in CODE if re.search(r"INSERT\s+INTO\s+audit_log", p.read_text("utf-8"), re.I)]
    assert [p.relative_to(ROOT).as_posix() for p in writers] == ["core/store/audit.py"]
    assert "ON CONFLICT" not in (ROOT / "core/store/audit.py").read_text("utf-8")


def test_the_scan_finds_a_planted_delete():
    planted = 'con.execute("DELETE FROM audit_log WHERE seq < 10")'
    assert re.search(r"DELETE\s+FROM\s+\"?audit_log", planted, re.I)


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "accounts.duckdb")
    yield c
    c.close()


def test_a_local_account_keeps_an_argon2id_hash_and_signs_in(con):
    accounts.add_user(con, "sd-analyst", "provincial_analyst", frozenset({"37"}), "correct horse battery")
    stored = con.execute("SELECT password_hash FROM users WHERE name = 'sd-analyst'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse battery" not in stored
    user = accounts.sign_in(con, "sd-analyst", "correct horse battery")
    assert user == User("sd-analyst", "provincial_analyst", frozenset({"37"}), "local")
    assert user.scope.provinces == {"37"}


def test_a_wrong_password_and_an_unknown_name_are_told_apart_nowhere(con):
    accounts.add_user(con, "sd-analyst", "provincial_analyst", frozenset({"37"}), "correct horse battery")
    assert accounts.sign_in(con, "sd-analyst", "wrong password!!") is None
    assert accounts.sign_in(con, "nobody", "correct horse battery") is None
    log = audit.entries(con, action="sign_in_failed")
    assert list(log["target"]) == ["nobody", "sd-analyst"] and set(log["outcome"]) == {"refused"}
    assert set(log["role"]) == {"none"}  # nobody was signed in: no role is credited to the attempt


@pytest.mark.parametrize("name, role, provinces, password, says", [
    ("sd", "provincial_analyst", None, "correct horse battery", "needs its provinces"),
    ("a b", "viewer", None, "correct horse battery", "user name"),
    ("sd", "viewer", None, "short", "at least 12"),
])
def test_an_account_that_cannot_be_made_is_refused_and_nothing_is_written(con, name, role, provinces, password, says):
    with pytest.raises(accounts.AccountError, match=says):
        accounts.add_user(con, name, role, provinces, password)
    assert accounts.count(con) == 0 and audit.entries(con).empty


def test_a_second_account_of_the_same_name_is_refused(con):
    accounts.add_user(con, "viewer1", "viewer", None, "correct horse battery")
    with pytest.raises(accounts.AccountError, match="exists"):
        accounts.add_user(con, "viewer1", "national_admin", None, "another long password")
    assert list(accounts.users(con)["role"]) == ["viewer"]
    assert list(audit.entries(con)["action"]) == ["user_add"]


def test_a_load_a_model_run_an_export_and_a_scenario_save_leave_exactly_four_entries(demo_db, built_once, private_copy,
                                                                                       monkeypatch):
    """The four writes of one analyst's session, through the functions the pages call."""
    from core.insight import runs, scenarios
    from core.store import loader
    from core.ui import auth
    from core.ui.page import Page

    path = private_copy(demo_db, "audit_four")
    con = db.connect(path)
    try:
        admin = User("li.admin", "national_admin", None, "local")
        start = int(con.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()[0])
        from tests.conftest import _build_demo

        files = built_once("demo", _build_demo) / "files"  # the files demo_db was loaded from
        loader.load_folder(con, files, source="reload", user=admin)                           # 1. a load
        run = runs.run(con, runs.RunConfig(scope=Scope.of(["37"])), user=admin)               # 2. a model run
        page = Page("en", Scope.national(), con, str(path), db.data_version(con), NO_FILTERS, user=admin)
        captured = {}
        monkeypatch.setattr(auth.st, "download_button", lambda label, data, **kw: captured.update(data=data, **kw))
        auth.download(page, "Briefing", lambda: b"deck bytes", file_name="briefing.pptx", mime="x", level="enterprise",
                      what="briefing_pptx", key="k")
        assert captured["data"]() == b"deck bytes"                                            # 3. an export
        sid = scenarios.save(con, "Default carbon", scenarios.CarbonDefault(), NO_FILTERS, Scope.national(),
                             admin)                                                           # 4. a scenario save
        log = audit.entries(con)
        log = log[log["seq"] > start].sort_values("seq")
        assert list(log["action"]) == ["load", "model_run", "export", "scenario_save"]
        assert set(log["user_name"]) == {"li.admin"} and set(log["role"]) == {"national_admin"}
        assert list(log["target"])[1:] == [run.run_id, "briefing.pptx", sid]
        assert json.loads(log["detail"].iloc[0])["rows"]["enterprises"]["updated"] > 0
        assert json.loads(log["detail"].iloc[2]) == {"bytes": 10, "filters": {}, "level": "enterprise",
                                                     "what": "briefing_pptx"}
        assert log["scope"].tolist() == ["national", "37", "national", "national"]
    finally:
        con.close()


def test_a_viewer_gets_no_enterprise_level_export(tiny_db_path, monkeypatch):
    from core.ui import auth
    from core.ui.page import Page

    con = db.connect(tiny_db_path, read_only=True)
    try:
        viewer = User("reader", "viewer", frozenset({"37"}), "local")
        page = Page("en", viewer.scope, con, str(tiny_db_path), db.data_version(con), NO_FILTERS, user=viewer)
        calls = []
        monkeypatch.setattr(auth.st, "download_button", lambda label, data, **kw: calls.append((data, kw)))
        auth.download(page, "Rows", lambda: b"rows", file_name="rows.csv", mime="text/csv", level="enterprise",
                      what="rows", key="k1")
        (data, kw), = calls
        assert data == b"" and kw["disabled"] is True  # shown, disabled, saying why; the rows are never built
        assert "Viewer" in kw["help"]
    finally:
        con.close()
    assert roles.RIGHTS["viewer"] >= {"export_aggregate"}


def test_an_account_change_is_audited_with_before_and_after_and_never_the_password(con):
    accounts.add_user(con, "sd", "provincial_analyst", frozenset({"37"}), "correct horse battery")
    accounts.change_user(con, "sd", provinces=frozenset({"37", "32"}), password="another long password")
    accounts.change_user(con, "sd", disabled=True)
    assert accounts.sign_in(con, "sd", "another long password") is None  # disabled: no sign-in
    log = audit.entries(con, action="user_change").sort_values("seq")
    first, second = (json.loads(v) for v in log["after"])
    assert first == {"role": "provincial_analyst", "provinces": "32,37", "disabled": False, "password": "changed"}
    assert second["disabled"] is True and json.loads(log["before"].iloc[1])["disabled"] is False
    assert "another long password" not in audit.entries(con).astype(str).to_csv()
    with pytest.raises(accounts.AccountError, match="no user"):
        accounts.change_user(con, "nobody", disabled=True)
    with pytest.raises(accounts.AccountError, match="every province"):
        accounts.change_user(con, "sd", role="national_analyst", provinces=frozenset({"37"}))
    assert len(audit.entries(con, action="user_change")) == 2  # a refused change writes nothing


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_audit_action_and_outcome_has_words(lang):
    from core.words import i18n

    for action in audit.ACTIONS:
        assert i18n.t(f"audit.action.{action}", lang)
    for outcome in audit.OUTCOMES:
        assert i18n.t(f"audit.outcome.{outcome}", lang)
