"""The enterprise dossier (AppTest): a deep link from a fresh session shows the profile, the charts
and every rule hit with its evidence, in both languages; a batch-tested enterprise is told apart by
its test dates; unknown, malicious and out-of-scope ids get one and the same warning; the period
filter narrows the hits."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.contract import access
from core.store import db, risk_views
from core.words import i18n
from core.insight import runs
from core.contract.filters import Filters
from core.ui import dossier
from tests.app import apptest

DOSSIER = "pages/4_Enterprise.py"
TIMEOUT = 90


def open_dossier(params: dict[str, str]) -> AppTest:
    """A fresh session whose URL carries `params`: app.py first, then the dossier (GUIDE 4)."""
    return apptest.open_page(DOSSIER, timeout=TIMEOUT, **params)


def _read(path: Path, sql: str, params: list | None = None):
    con = db.connect(path)  # read-write, like the app: one process cannot mix the two
    try:
        return db.fetch_df(con, sql, params or [])
    finally:
        con.close()


def run_id(path: Path) -> str:
    con = db.connect(path)  # read-write, like the app: one process cannot mix the two
    try:
        return runs.latest_assessment(con).run_id
    finally:
        con.close()


def top_enterprise(path: Path) -> dict:
    con = db.connect(path)  # read-write, like the app: one process cannot mix the two
    try:
        flt = Filters().with_run(runs.latest_assessment(con).run_id)
        return risk_views.enterprise_risk(con, access.Scope.national(), flt).iloc[0].to_dict()
    finally:
        con.close()


def hits_table(at: AppTest, lang: str):
    evidence = i18n.t("enterprise.col.evidence", lang)
    tables = [d.value for d in at.dataframe if evidence in d.value.columns]
    assert len(tables) == 1, "one rule-hit table"
    return tables[0]


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_deep_link_shows_the_whole_dossier(app_db, lang):
    top = top_enterprise(app_db)
    eid = top["enterprise_id"]
    at = open_dossier({"lang": lang, "enterprise": eid})
    assert not at.exception, at.exception
    assert not at.error and not at.warning, [w.value for w in at.warning]
    assert [t.value for t in at.title] == [i18n.t("enterprise.title", lang)]
    # profile
    assert at.header[0].value == top["name"]
    shown = texts(at)
    assert eid in shown and i18n.t("enterprise.field.province", lang) in shown
    assert top["province_zh" if lang == "zh" else "province_en"] in shown
    score = at.metric[0]
    assert score.value == f"{top['risk_score']:.1f}" and score.delta == i18n.t(f"band.{top['band']}", lang)
    # the monthly charts against peers, the score history and the date timeline
    assert len(at.get("vega_lite_chart")) >= 6
    # every rule hit of the run, its rule in words and its evidence written out
    expected = _read(app_db, "SELECT count(*) AS n FROM rule_hits WHERE run_id = ? AND enterprise_id = ?",
                     [run_id(app_db), eid])["n"].iloc[0]
    table = hits_table(at, lang)
    assert len(table) == expected > 0
    rules = table[i18n.t("enterprise.col.rule", lang)]
    assert all(r.split(" ", 1)[0] in top["rule_ids"] or r.startswith("R") for r in rules)
    assert all(len(e) > 20 and "{" not in e for e in table[i18n.t("enterprise.col.evidence", lang)])
    severities = {i18n.t(f"severity.{s}", lang) for s in ("critical", "high", "medium", "info")}
    assert set(table[i18n.t("enterprise.col.severity", lang)]) <= severities
    # the province link and the way back to the picker keep the language
    links = [p.proto.query_string for p in at.get("page_link") if "province=" in p.proto.query_string]
    assert links == [f"lang={lang}&province={top['province_code']}"]


def test_batch_testing_is_told_by_its_test_dates(app_db):
    labels = _read(app_db, "SELECT DISTINCT enterprise_id FROM case_labels WHERE pattern = 'batch_testing' "
                           "ORDER BY enterprise_id")
    assert len(labels), "the demo plants batch testing"
    at = open_dossier({"lang": "en", "enterprise": labels["enterprise_id"].iloc[0]})
    assert not at.exception, at.exception
    prefix = i18n.t("enterprise.timeline.shared", "en", items="").rstrip(".")
    shared = [m.value for m in at.markdown if m.value.startswith(prefix)]
    assert shared, texts(at)
    months = int(shared[0].removeprefix(prefix).split(" ", 1)[0])
    assert months >= 4  # a year's batch, not two months tested the same day


@pytest.mark.parametrize("bad", ["NO-SUCH-ENTERPRISE", "x' OR '1'='1", "1; DROP TABLE enterprises; --",
                                 "a" * 200, "91\x00abc"])
def test_unknown_or_malicious_id_is_refused_quietly(app_db, bad):
    at = open_dossier({"lang": "zh", "enterprise": bad})
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [i18n.t("enterprise.not_found", "zh")]
    assert not at.get("vega_lite_chart") and not at.dataframe and not at.header
    assert _read(app_db, "SELECT count(*) AS n FROM enterprises")["n"].iloc[0] > 0


def test_an_enterprise_outside_the_scope_looks_unknown(app_db, monkeypatch):
    top = top_enterprise(app_db)
    other = _read(app_db, "SELECT min(province_code) AS code FROM enterprises WHERE province_code <> ?",
                  [top["province_code"]])["code"].iloc[0]
    unknown = open_dossier({"lang": "en", "enterprise": "NO-SUCH-ENTERPRISE"})
    monkeypatch.setenv("CARBONWATCH_SCOPE", other)
    outside = open_dossier({"lang": "en", "enterprise": top["enterprise_id"]})
    assert not outside.exception, outside.exception
    assert [w.value for w in outside.warning] == [w.value for w in unknown.warning] == [
        i18n.t("enterprise.not_found", "en")]
    assert top["name"] not in texts(outside) and not outside.header and not outside.dataframe


def _enterprise_with_hits_inside_and_outside(path: Path, rid: str) -> str:
    return _read(path, """
        SELECT enterprise_id FROM rule_hits WHERE run_id = ? AND length(period) = 7
        GROUP BY enterprise_id
        HAVING count(*) FILTER (WHERE period BETWEEN '2023-01' AND '2023-06') > 0
           AND count(*) FILTER (WHERE period NOT BETWEEN '2023-01' AND '2023-06') > 0
        ORDER BY count(*) DESC, enterprise_id LIMIT 1""", [rid])["enterprise_id"].iloc[0]


def test_the_period_filter_narrows_the_rule_hits(app_db):
    rid = run_id(app_db)
    eid = _enterprise_with_hits_inside_and_outside(app_db, rid)
    at = open_dossier({"lang": "en", "enterprise": eid, "from": "2023-01", "to": "2023-06"})
    assert not at.exception, at.exception
    table = hits_table(at, "en")
    months = {i18n.fmt_period(f"2023-{m:02d}-01", "en") for m in range(1, 7)}
    periods = set(table[i18n.t("enterprise.col.period", "en")])
    assert periods and periods <= months | {"2023"}
    total = _read(app_db, "SELECT count(*) AS n FROM rule_hits WHERE run_id = ? AND enterprise_id = ?",
                  [rid, eid])["n"].iloc[0]
    assert len(table) < total


def test_the_picker_opens_the_chosen_enterprise(app_db):
    top = top_enterprise(app_db)
    at = open_dossier({"lang": "zh"})
    assert not at.exception and not at.warning
    picker = at.selectbox(key="enterprise_pick")
    assert picker.options[0].startswith(top["name"]) and i18n.t(f"band.{top['band']}", "zh") in picker.options[0]
    picker.select(top["enterprise_id"]).run()
    assert not at.exception, at.exception
    assert at.query_params["enterprise"] == top["enterprise_id"]
    assert at.header[0].value == top["name"] and len(at.get("vega_lite_chart")) >= 6


def test_without_an_assessment_the_data_is_still_shown(demo_db, tmp_path, monkeypatch):
    import shutil

    path = tmp_path / "unassessed.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv(db.ENV_VAR, str(path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    eid = _read(path, "SELECT enterprise_id FROM enterprises ORDER BY enterprise_id LIMIT 1")["enterprise_id"].iloc[0]
    at = open_dossier({"lang": "en", "enterprise": eid})
    assert not at.exception, at.exception
    assert i18n.t("enterprise.no_run", "en") in [i.value for i in at.info]
    shown = texts(at)
    assert i18n.t("enterprise.hits.none", "en") in shown and i18n.t("enterprise.model.none", "en") in shown
    assert len(at.get("vega_lite_chart")) >= 5  # the measures against peers and the date timeline


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_dossier_column_of_tonnes_reads_in_one_unit_named_in_its_header(lang):
    """A small year beside a large one, a small trade beside a large one: each column in one unit
    (万吨; kt or Mt), the unit in the header and none in the cells (no 850吨 above 120.0万吨)."""
    import pandas as pd

    from core.ui import tables

    allowances = tables.dossier_allowances(pd.DataFrame({
        "year": [2021, 2022], "allocated_t": [1_150_000.0, 9_000.0], "verified_t": [1_200_000.0, 8_500.0],
        "surrendered_t": [1_200_000.0, None], "position_t": [-50_000.0, 500.0],
        "due_date": pd.to_datetime(["2022-12-31", "2023-12-31"]), "surrendered_at": pd.to_datetime(["2022-12-20", None]),
        "on_time": [True, None]}), lang)
    trades = tables.dossier_trades(pd.DataFrame({
        "trade_id": ["T1", "T2"], "ts": pd.to_datetime(["2023-01-05 10:00", "2023-02-05 11:00"]),
        "method": ["listed", "block"], "side": ["buy", "sell"], "counterparty": ["A", None],
        "counterparty_account": ["ACC1", "ACC2"], "volume_t": [850.0, 1_200_000.0], "price_cny": [60.0, 58.0],
        "amount_cny": [51_000.0, 69_600_000.0]}), lang)
    unit = "万吨" if lang == "zh" else "Mt"
    for df, keys in ((allowances, ("allocated", "verified", "surrendered", "position")), (trades, ("volume",))):
        for key in keys:
            header = i18n.t("format.paren", lang, text=i18n.t(f"enterprise.col.{key}", lang), note=unit)
            assert header in df.columns, (header, list(df.columns))
            assert all(cell == i18n.MISSING or not any(ch.isalpha() and ch not in "<" for ch in cell)
                       for cell in df[header]), df[header].tolist()
    assert allowances[i18n.t("format.paren", lang, text=i18n.t("enterprise.col.position", lang), note=unit)].tolist()[0] \
        .startswith("-")
    money = i18n.cny_column_unit(lang)[1]
    assert i18n.t("format.paren", lang, text=i18n.t("enterprise.col.amount", lang), note=money) in trades.columns


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_intermediary_and_counterparty_enterprise_is_one_click_away(app_db, lang):
    """The consultant, the labs and the verifiers of the period open the Intermediaries page; the
    counterparties that are enterprises open their dossier: page links (same tab), in the language."""
    top = top_enterprise(app_db)
    eid = top["enterprise_id"]
    served = _read(app_db, """
        SELECT consultant_id AS agency_id FROM enterprises WHERE enterprise_id = ? AND consultant_id IS NOT NULL
        UNION SELECT DISTINCT m.lab_id FROM monthly_reports m JOIN units u USING (unit_id)
              WHERE u.enterprise_id = ? AND m.lab_id IS NOT NULL
        UNION SELECT DISTINCT verifier_id FROM verifications WHERE enterprise_id = ? AND verifier_id IS NOT NULL""",
                   [eid, eid, eid])["agency_id"]
    others = _read(app_db, """
        WITH mine AS (SELECT account_id FROM accounts WHERE enterprise_id = ?)
        SELECT DISTINCT o.enterprise_id FROM trades t
        JOIN accounts o ON o.account_id = CASE WHEN t.buyer_account IN (SELECT * FROM mine) THEN t.seller_account
                                               ELSE t.buyer_account END
        WHERE (t.buyer_account IN (SELECT * FROM mine) OR t.seller_account IN (SELECT * FROM mine))
          AND o.enterprise_id IS NOT NULL AND o.enterprise_id <> ?""", [eid, eid])["enterprise_id"]
    at = open_dossier({"lang": lang, "enterprise": eid})
    assert not at.exception, at.exception
    links = [p.proto for p in at.get("page_link")]
    agency_links = {dict(q.split("=") for q in p.query_string.split("&"))["agency"] for p in links
                    if "agency=" in p.query_string}
    assert agency_links == set(served) and len(served) > 0
    assert all(f"lang={lang}" in p.query_string for p in links)
    dossier_links = {dict(q.split("=") for q in p.query_string.split("&"))["enterprise"] for p in links
                     if "enterprise=" in p.query_string}
    assert dossier_links <= set(others)
    assert len(dossier_links) == min(len(set(others)), dossier.COUNTERPARTY_LINKS)
