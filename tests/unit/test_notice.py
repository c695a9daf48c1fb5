"""The rectification notice and the case evidence summary (core.export.notice): Word documents
built from a real case on a small database, reopened with python-docx and read back."""
from __future__ import annotations

import io

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from core.contract import cases as rules
from core.contract.roles import User
from core.export import notice
from core.store import cases as store
from core.store import db
from core.words import i18n

SHANDONG = User("sd.zhang", "provincial_analyst", frozenset({"37"}), "local")
ANALYST = User("zhao.analyst", "national_analyst", None, "local")
LANGS = ("en", "zh")
FINDING = "Lab report back-dated for the March batch"
SNAPSHOT = {
    "run_id": "run-2026-07",
    "flag_year": 2025,
    "risk": {"risk_score": 81.2, "band": "high", "rules": ["R04"], "model": 0.93,
             "reasons": ["copied lab values", "peer gap"]},
    "hits": [{"rule_id": "R04", "period": "2025-03", "unit_id": "U37-1-1",
              "evidence": {"n_months": 3, "months": "1-3", "source": "E37-0042", "ncv": 21.5,
                           "carbon_content": 0.0262, "moisture": 8.1}},
             {"rule_id": "R09", "period": "2025-04", "evidence": "{\"weird\": 1}"}],
    "scores": [{"feature": "cc_peer_z", "value": -9.3, "z": -9.3}, {"detector": "iforest", "score": 0.71}],
    # text from data with a bell, a direction override and a vertical tab: the document must still build
    "trades": [{"trade_id": "T-1", "ts": "2025-06-30T14:58:00", "volume_t": 120000, "price_cny": 88.5,
                "buyer_account": "A\x07CC\u202e-1", "note": "=cmd|' /C calc'!A0\x0b"}],
    "extra": {"hint": "free", "nested": [{"a": 1, "b": [1, 2]}]},
}


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "x.duckdb")
    yield c
    c.close()


def _opened(con, snapshot=None, subject="E37-0001", name="Jinan Power No. 2"):
    return store.open_case(con, SHANDONG, subject_kind="enterprise", subject_id=subject, subject_name=name,
                           province_code="37", source="rule_hit", snapshot=SNAPSHOT if snapshot is None else snapshot,
                           flag_year=2025, risk_score=81.2)


@pytest.fixture
def ordered(con):
    """A case taken, confirmed, given measures and ordered rectified: (case, events)."""
    o = _opened(con)
    v = store.change(con, ANALYST, o.case_id, o.version, "take")
    v = store.change(con, SHANDONG, o.case_id, v, "assign", {"owner": "sd.zhang"})
    v = store.change(con, SHANDONG, o.case_id, v, "confirm", {"finding": FINDING, "pattern": "copied_values"})
    v = store.change(con, SHANDONG, o.case_id, v, "measures", {"fine_cny": 50000, "responsible_units": "Lab X",
                                                          "allowance_adjustment_t": -1200.5})
    store.change(con, SHANDONG, o.case_id, v, "order", {"deadline": "2027-03-31", "corrections": ["retest", "reverify"]})
    scope = ANALYST.scope
    return store.case_row(con, scope, o.case_id), store.timeline(con, scope, o.case_id)


def _open_doc(data: bytes):
    assert data[:2] == b"PK"  # a zip: an Office file
    return docx.Document(io.BytesIO(data))


def _text(document) -> str:
    """Every paragraph's and table cell's text, and the footers'."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    for s in document.sections:
        parts += [p.text for p in s.footer.paragraphs]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", LANGS)
def test_the_notice_holds_the_case_the_facts_the_corrections_the_deadline_and_the_measures(ordered, lang):
    case, events = ordered
    d = _open_doc(notice.rectification_notice(case, events, lang))
    text = _text(d)
    for expected in (case["case_id"], "Jinan Power No. 2", "E37-0001", FINDING,
                     i18n.t("case.correction.retest", lang), i18n.t("case.correction.reverify", lang),
                     i18n.t("case.pattern.copied_values", lang), i18n.t("case.measure.fine_cny", lang), "50,000",
                     "Lab X", i18n.t("rule.R04.title", lang), i18n.t("case.measure.responsible_units", lang),
                     {"en": "Shandong", "zh": "山东省"}[lang], {"en": "31 Mar 2027", "zh": "2027年3月31日"}[lang],
                     "-1,200.5", "E37-0042"):  # R04's explanation names the enterprise copied from
        assert expected in text, f"{lang}: {expected!r} missing"
    assert i18n.t("rule.R09.title", lang) in text  # a hit whose evidence does not fit its words still shows
    headings = [p for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert len(headings) >= 6 and headings[0].style.name == "Title"
    assert [p.text for p in d.paragraphs if p.style.name == "List Number"] == [
        i18n.t("case.correction.retest", lang), i18n.t("case.correction.reverify", lang)]
    assert d.tables, "the rule hits are a table"
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert d.core_properties.language == {"en": "en-US", "zh": "zh-CN"}[lang]


def test_the_chinese_notice_is_a_chinese_notice_with_chinese_fonts(ordered):
    case, events = ordered
    d = _open_doc(notice.rectification_notice(case, events, "zh"))
    text = _text(d)
    assert d.paragraphs[0].text == "整改通知书" and d.paragraphs[0].style.name == "Title"
    assert f"{case['case_id']} 号" in text
    for words in ("一、认定事实", "三、整改要求", "重新检测煤样", "罚款（元）：50,000", "请于2027年3月31日前完成整改",
                  "山东省碳排放权交易主管部门"):
        assert words in text
    runs = list(d.element.body.iter(qn("w:r")))
    east_asia = [r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) for r in runs]
    assert runs and set(east_asia) == {"SimSun", "SimHei"}
    title_runs = d.paragraphs[0].runs
    assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in title_runs} == {"SimHei"}
    # the styles name the fonts too, with no theme font overriding them
    heading = d.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:eastAsia")) == "SimHei" and heading.get(qn("w:eastAsiaTheme")) is None
    en = _text(_open_doc(notice.rectification_notice(case, events, "en")))
    assert "整改通知书" not in en and "Rectification notice" in en


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_holds_the_case_its_evidence_and_every_event(ordered, lang):
    case, events = ordered
    kids = pd.DataFrame({"case_id": ["CW-CHILD00001"], "subject_name": ["Client plant"], "state": ["dismissed"]})
    d = _open_doc(notice.evidence_summary(case, events, lang, children=kids))
    text = _text(d)
    assert set(events["user_name"]) == {"sd.zhang", "zhao.analyst"}
    for expected in (case["case_id"], "Jinan Power No. 2", FINDING, "run-2026-07",
                     i18n.t("case.state.rectification_ordered", lang), i18n.t("case.source.rule_hit", lang),
                     i18n.t("rule.R04.title", lang), i18n.t("case.correction.retest", lang),
                     i18n.t("case.pattern.copied_values", lang), i18n.t("role.national_analyst", lang),
                     i18n.t("case.move.take", lang), i18n.t("case.move.order", lang), "50,000", "Lab X",
                     {"en": "31 Mar 2027", "zh": "2027年3月31日"}[lang], i18n.t("band.high", lang),
                     i18n.t("detector.iforest.label", lang), "T-1", "120,000", "CW-CHILD00001", "Client plant",
                     i18n.t("case.state.dismissed", lang), "hint", "free"):
        assert expected in text, f"{lang}: {expected!r} missing"
    # every event is a row of the timeline table, with its user
    timeline = next(tb for tb in d.tables if tb.rows[0].cells[0].text == i18n.t("notice.col.time", lang))
    assert len(timeline.rows) == len(events) + 1
    assert [r.cells[1].text for r in timeline.rows[1:]] == list(events["user_name"])
    assert [r.cells[3].text for r in timeline.rows[1:]] == [i18n.t(f"case.move.{a}", lang) for a in events["action"]]
    assert timeline.rows[1].cells[4].text.endswith(i18n.t("case.state.new", lang))


def test_the_chinese_summary_speaks_chinese(ordered):
    case, events = ordered
    text = _text(_open_doc(notice.evidence_summary(case, events, "zh")))
    for words in ("案件证据摘要", "已责令整改", "受理审查", "新立案 → 审查中", "规则命中", "检测结果复制", "省级分析员"):
        assert words in text, words
    assert "Rectification ordered" not in text


def test_control_characters_are_removed_and_a_leading_equals_sign_stays(ordered):
    case, events = ordered
    bad = dict(case, subject_name="=\x07Evil\u202e Corp", owner="@owner\x00")
    for lang in LANGS:
        for build in (notice.rectification_notice, notice.evidence_summary):
            text = _text(_open_doc(build(bad, events, lang)))
            assert "=Evil Corp" in text and "@owner" in text
            assert not any(ch in text for ch in "\x07\u202e\x00\x0b")
    summary = _text(_open_doc(notice.evidence_summary(case, events, "en")))
    assert "ACC-1" in summary and "=cmd|' /C calc'!A0" in summary


def test_clean_text_keeps_text_and_drops_what_xml_or_a_reader_cannot_take():
    assert rules.clean_text("=SUM(A1)\t+1\n-2 @x 山东") == "=SUM(A1)\t+1\n-2 @x 山东"
    assert rules.clean_text("a\x00b\x07c\x1bd\u202ee\u2066f\u200fg\x85h\ufffei") == "abcdefghi"
    assert rules.clean_text(None) == ""


def test_a_notice_needs_an_ordered_rectification(con):
    o = _opened(con, snapshot={"risk_score": 81.2, "rules": ["R04"]})
    with pytest.raises(ValueError, match="no ordered rectification"):
        notice.rectification_notice(store.case_row(con, ANALYST.scope, o.case_id),
                                    store.timeline(con, ANALYST.scope, o.case_id), "en")
    v = store.change(con, ANALYST, o.case_id, o.version, "take")
    store.change(con, ANALYST, o.case_id, v, "confirm", {"finding": "x", "pattern": "other"})
    case, events = store.case_row(con, ANALYST.scope, o.case_id), store.timeline(con, ANALYST.scope, o.case_id)
    assert case["state"] == "confirmed"
    for lang in LANGS:
        with pytest.raises(ValueError, match="order"):
            notice.rectification_notice(case, events, lang)
    # the summary of the same case builds: it needs no order, and its flat snapshot is a table
    text = _text(_open_doc(notice.evidence_summary(case, events, "en")))
    assert "R04 Lab results copied" in text and "81.2" in text


def test_a_national_case_is_the_national_office_s(con):
    o = store.open_case(con, ANALYST, subject_kind="account", subject_id="ACC-9", subject_name="Holder nine",
                        province_code=rules.NATIONAL_OFFICE, source="market_alert",
                        snapshot={"alert": {"kind": "trade_cycle", "score": 0.8}})
    v = store.change(con, ANALYST, o.case_id, o.version, "take")
    v = store.change(con, ANALYST, o.case_id, v, "confirm", {"finding": "circular trades", "pattern": "trade_cycle"})
    store.change(con, ANALYST, o.case_id, v, "order", {"deadline": "2027-01-15", "corrections": ["training"]})
    case, events = store.case_row(con, ANALYST.scope, o.case_id), store.timeline(con, ANALYST.scope, o.case_id)
    zh = _text(_open_doc(notice.rectification_notice(case, events, "zh")))
    assert "承办机关：国家级" in zh and "国家碳排放权交易主管部门" in zh and "交易账户" in zh
    assert "证据中无规则命中记录" in zh and "暂不采取其他处理措施" in zh
    en = _text(_open_doc(notice.rectification_notice(case, events, "en")))
    assert "Responsible office: National office" in en and "15 Jan 2027" in en and "Train the data staff" in en


def test_an_unknown_language_is_refused(ordered):
    case, events = ordered
    with pytest.raises(ValueError, match="language"):
        notice.evidence_summary(case, events, "fr")
