"""The accountability picture (core.store.cases.accountability and decision_days, core.insight.accountability,
core.words.accountability): cases in three provinces with known timings, every figure checked by hand."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.contract import clock
from core.contract.access import Scope
from core.contract.filters import Filters
from core.contract.roles import User
from core.insight import accountability as insight
from core.store import cases as store
from core.store import db
from core.words import accountability as words
from core.words import cases as case_words
from core.words import i18n

ADMIN = User("li.admin", "national_admin", None, "local")
JIANGSU = Scope.of(["32"])
OPENED = dt.datetime(2026, 1, 1, 9, 0)
TODAY = dt.datetime(2026, 3, 1, 10, 0)  # when the figures are read


class Clock:
    """core.contract.clock.now, set by the test: every case change is stamped with `at`."""

    def __init__(self, monkeypatch):
        self.at = OPENED
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def day(self, n: int) -> "Clock":
        self.at = OPENED + dt.timedelta(days=n)
        return self


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "accountability.duckdb")
    yield c
    c.close()


def _open(con, subject: str, province: str, kind: str = "enterprise", due=None):
    return store.open_case(con, ADMIN, subject_kind=kind, subject_id=subject, subject_name=f"Subject {subject}",
                           province_code=province, source="top_risk", snapshot={}, due_date=due)


def _decide(con, clk: Clock, subject: str, province: str, days: int, decision: str, **measures) -> tuple[str, int]:
    """A case opened on OPENED and decided `days` later; with `measures` recorded if confirmed."""
    clk.day(0)
    o = _open(con, subject, province)
    v = store.change(con, ADMIN, o.case_id, o.version, "take")
    clk.day(days)
    if decision == "dismissed":
        return o.case_id, store.change(con, ADMIN, o.case_id, v, "dismiss", {"reason": "explained by the plant"})
    v = store.change(con, ADMIN, o.case_id, v, "confirm", {"finding": "lab report back-dated", "pattern": "batch_testing"})
    if measures:
        v = store.change(con, ADMIN, o.case_id, v, "measures", measures)
    return o.case_id, v


@pytest.fixture
def cases(con, monkeypatch):
    """Shandong (37): decided in 10 (confirmed, fined, rectified), 4 (dismissed) and 20 days (confirmed,
    rectification past its deadline), one new case past its due date, one open case on a lab.
    Jiangsu (32): decided in 2, 3, 40 (dismissed) and 30 days (confirmed, fined).
    Beijing (11): two cases dismissed in a day each (too few to rank)."""
    clk = Clock(monkeypatch)
    cid, v = _decide(con, clk, "E37-1", "37", 10, "confirmed", fine_cny=50_000, allowance_adjustment_t=-1_000)
    v = store.change(con, ADMIN, cid, v, "order", {"deadline": "2026-04-30", "corrections": ["retest"]})
    store.change(con, ADMIN, cid, v, "rectified", {"evidence": "new lab report"})
    _decide(con, clk, "E37-2", "37", 4, "dismissed")
    cid, v = _decide(con, clk, "E37-3", "37", 20, "confirmed")
    store.change(con, ADMIN, cid, v, "order", {"deadline": "2026-02-15", "corrections": ["re_report"]})
    clk.day(0)
    _open(con, "E37-4", "37", due=dt.date(2026, 1, 15))
    _open(con, "LAB-37", "37", kind="agency")
    for subject, days, decision in (("E32-1", 2, "dismissed"), ("E32-2", 3, "dismissed"), ("E32-4", 40, "dismissed")):
        _decide(con, clk, subject, "32", days, decision)
    _decide(con, clk, "E32-3", "32", 30, "confirmed", fine_cny=20_000, allowance_adjustment_t=-500)
    _decide(con, clk, "E11-1", "11", 1, "dismissed")
    _decide(con, clk, "E11-2", "11", 1, "dismissed")
    clk.at = TODAY
    return con


def _read(con, scope=Scope.national()):
    at = store.version(con)
    return store.accountability(con, scope, Filters(), at=at), store.decision_days(con, scope, Filters(), at=at)


def test_the_store_counts_each_province_by_hand(cases):
    per, days = _read(cases)
    p = per.set_index("province_code")
    assert list(per["province_code"]) == ["37", "32", "11"]  # most open cases first
    assert p.loc["37", ["cases", "open", "overdue", "confirmed", "dismissed"]].tolist() == [5, 4, 2, 2, 1]
    assert p.loc["32", ["cases", "open", "overdue", "confirmed", "dismissed"]].tolist() == [4, 1, 0, 1, 3]
    assert p.loc["11", ["cases", "open", "overdue", "confirmed", "dismissed"]].tolist() == [2, 0, 0, 0, 2]
    assert p.loc["37", "median_days_to_decision"] == 10 and p.loc["32", "median_days_to_decision"] == 16.5
    assert p.loc["37", ["rectifications_ordered", "rectifications_done"]].tolist() == [2, 1]
    assert p.loc["37", "rectification_share"] == 0.5 and pd.isna(p.loc["32", "rectification_share"])
    assert p.loc["37", "fines_cny"] == 50_000 and p.loc["32", "fines_cny"] == 20_000
    assert p.loc["37", "allowance_adjustment_t"] == -1_000 and p.loc["32", "allowance_adjustment_t"] == -500
    assert p.loc["37", "agencies_open"] == 1 and p.loc["32", "agencies_open"] == 0
    # every decided case once, with its days from opening to the decision
    assert sorted(days["days"]) == [1, 1, 2, 3, 4, 10, 20, 30, 40]
    assert days.groupby("province_code")["days"].median().to_dict() == {"11": 1, "32": 16.5, "37": 10}


def test_the_headline_figures_are_the_view_s_totals_and_the_median_is_over_cases(cases):
    per, days = _read(cases)
    f = insight.figures(per, days)
    assert (f.cases, f.open, f.overdue, f.confirmed, f.dismissed, f.decided) == (11, 5, 2, 3, 6, 9)
    assert f.median_days == 4  # of 1, 1, 2, 3, 4, 10, 20, 30, 40
    assert per["median_days_to_decision"].median() == 10 != f.median_days  # not the median of the medians
    assert (f.rectifications_ordered, f.rectifications_done, f.rectification_share) == (2, 1, 0.5)
    assert (f.fines_cny, f.allowance_adjustment_t, f.agencies_open) == (70_000, -1_500, 1)


def test_the_speed_ranking_counts_provinces_with_at_least_three_decided_cases(cases):
    per, days = _read(cases)
    f = insight.figures(per, days)
    assert [(s.province_code, s.median_days, s.decided, s.rank) for s in f.ranking] == [("37", 10, 3, 1),
                                                                                      ("32", 16.5, 4, 2)]
    assert f.fastest.province_code == "37" and f.slowest.province_code == "32"
    # the store's own rank takes every province with a decision: Beijing's two one-day cases lead it
    assert per.set_index("province_code")["speed_rank"].to_dict() == {"11": 1, "37": 2, "32": 3}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_figures_and_the_sentence_in_words(cases, lang):
    per, days = _read(cases)
    f = insight.figures(per, days)
    shown = {m.key: m.text for m in words.metrics(f, lang)}
    assert list(shown) == list(words.METRICS)
    assert shown["open"] == "5" and shown["overdue"] == "2" and shown["confirmed"] == "3" and shown["dismissed"] == "6"
    assert shown["median_days"] == i18n.t("accountability.days", lang, n="4")
    assert shown["rectification_share"] == i18n.fmt_pct(0.5, lang, digits=0)
    assert shown["fines_cny"] == i18n.fmt_cny(70_000, lang) and shown["agencies_open"] == "1"
    assert shown["allowance_adjustment_t"] == i18n.fmt_tonnes(-1_500, lang)
    text = words.sentence(f, lang)
    jiangsu, shandong = (case_words.province(c, lang) for c in ("32", "37"))
    assert text == i18n.t("accountability.sentence", lang,
                          overdue=i18n.t("accountability.sentence.overdue", lang, n="2"),
                          speed=i18n.t("accountability.sentence.slowest", lang, province=jiangsu, n="4",
                                       days=words.fmt_days(16.5, lang), fastest=shandong,
                                       fast_days=words.fmt_days(10, lang)))
    assert ("Jiangsu" if lang == "en" else "江苏省") in text and words.fmt_days(16.5, lang) in text


def test_a_provincial_scope_sees_only_its_province(cases):
    per, days = _read(cases, JIANGSU)
    assert list(per["province_code"]) == ["32"] and set(days["province_code"]) == {"32"}
    f = insight.figures(per, days)
    assert (f.cases, f.open, f.overdue, f.confirmed, f.dismissed, f.agencies_open) == (4, 1, 0, 1, 3, 0)
    assert f.median_days == 16.5 and f.fines_cny == 20_000 and f.rectification_share is None
    assert [(s.province_code, s.rank) for s in f.ranking] == [("32", 1)]
    assert f.fastest is None and f.slowest is None  # one province: nothing to compare
    assert words.sentence(f, "en") == i18n.t("accountability.sentence", "en",
                                            overdue=i18n.t("accountability.sentence.none_overdue", "en"),
                                            speed=i18n.t("accountability.sentence.no_ranking", "en", min=3))


def test_a_province_filter_narrows_the_national_view(cases):
    at = store.version(cases)
    flt = Filters(provinces=("37",))
    per = store.accountability(cases, Scope.national(), flt, at=at)
    days = store.decision_days(cases, Scope.national(), flt, at=at)
    assert list(per["province_code"]) == ["37"] and sorted(days["days"]) == [4, 10, 20]


def test_no_case_gives_empty_frames_and_zero_figures(con):
    per, days = _read(con)
    assert per.empty and days.empty
    f = insight.figures(per, days)
    assert (f.cases, f.open, f.median_days, f.rectification_share, f.ranking) == (0, 0, None, None, ())
    assert {m.key: m.text for m in words.metrics(f, "en")}["median_days"] == i18n.MISSING


def test_the_version_moves_with_every_case_change(cases):
    before = store.version(cases)
    o = _open(cases, "E32-9", "32")
    assert store.version(cases) != before
    after_open = store.version(cases)
    store.change(cases, ADMIN, o.case_id, o.version, "take")
    assert store.version(cases) != after_open
