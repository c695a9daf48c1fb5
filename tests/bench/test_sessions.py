"""The protocol-level sessions of the bench (tests/bench/sessions.py) as behaviour: a session reads a
page's run to its end, pages are asked for by their URL path, and N sessions at once are counted
round by round. No timing is compared with a limit (benchmarks never fail the suite)."""
from __future__ import annotations

import pytest

from tests.bench import sessions
from tests.e2e import browser


@pytest.fixture(scope="module")
def server(assessed_demo_db, tmp_path_factory):
    with browser.AppServer(browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("sessions_db"))) as s:
        yield s


def test_a_session_reads_the_overview_to_its_end_in_both_languages(server):
    en = sessions.run(sessions.open_session(server.base_url, "/", {"lang": "en"}))
    zh = sessions.run(sessions.open_session(server.base_url, "/", {"lang": "zh"}))
    # the page's structure does not depend on the language: the same elements, other words
    assert en.elements == zh.elements > 30
    assert en.bytes > 10_000 and zh.bytes > 10_000
    assert en.messages > en.elements


def test_a_page_is_asked_for_by_its_url_path(server):
    overview = sessions.run(sessions.open_session(server.base_url, "/", {"lang": "en"}))
    data = sessions.run(sessions.open_session(server.base_url, "/Data", {"lang": "en"}))
    assert data.elements != overview.elements


def test_sessions_at_once_are_counted_round_by_round(server):
    r = sessions.concurrent_sessions(server, "/", sessions=3, repeats=2)
    assert r["sessions"] == 3 and len(r["rounds_ms"]) == 2 and len(r["one_runs_ms"]) == 2
    assert r["all_ms"] >= min(r["rounds_ms"]) > 0
    assert r["ratio"] == pytest.approx(r["all_ms"] / r["one_ms"], rel=0.01)
    assert all(c >= 0 for c in r["server_cpu_per_round_ms"])
    assert r["elements"] > 30
