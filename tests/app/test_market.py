"""The Market surveillance page (AppTest): it renders in both languages with its key elements and the
scan's alerts in the scan's order; ?alert= preselects an alert and shows its evidence; selecting a row
shows that alert's evidence trades and puts it in the URL; untrusted or out-of-scope ?alert= values
are refused with a warning."""
from __future__ import annotations


import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.store import db
from core.words import i18n
from core.insight import runs, trading
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS
from tests.app import apptest
from core.words import market as market_words

MARKET = "pages/5_Market.py"


def open_market(lang: str = "en", **params) -> AppTest:
    """Start from app.py like a user does, then switch to the page with its URL parameters."""
    return apptest.open_page(MARKET, lang=lang, **params)


@pytest.fixture(scope="module")
def scan(assessed_demo_db) -> pd.DataFrame:
    con = db.connect(assessed_demo_db)  # as the app opens it: one configuration per file and process
    try:
        return trading.scan(con, Scope.national(), NO_FILTERS.with_run(runs.latest_assessment(con).run_id))
    finally:
        con.close()


def alerts_table(at: AppTest) -> pd.DataFrame:
    lang = at.query_params.get("lang", "en")
    header = i18n.t("market.col.alert_id", lang)
    (df,) = [d.value for d in at.dataframe if header in d.value.columns]
    return df


def evidence_trades(at: AppTest) -> pd.DataFrame:
    lang = at.query_params.get("lang", "en")
    header = i18n.t("market.trade.trade_id", lang)
    (df,) = [d.value for d in at.dataframe if header in d.value.columns]
    return df


def table_key(at: AppTest) -> str:
    return next(k for k in at.session_state if str(k).startswith("market_alerts-"))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_page_shows_the_market_the_counts_the_ranked_alerts_and_the_network(app_db, scan, lang):
    at = open_market(lang)
    assert not at.exception, at.exception
    assert not at.error and not at.warning
    assert [t.value for t in at.title] == [i18n.t("market.title", lang)]
    counts = trading.counts(scan)
    assert [(m.label, m.value) for m in at.metric] == [
        (market_words.kind_label(k, lang), i18n.fmt_int(counts[k], lang)) for k in trading.KINDS]
    assert len(at.get("vega_lite_chart")) == 2  # the market, the network
    table = alerts_table(at)
    assert table[i18n.t("market.col.alert_id", lang)].tolist() == scan["alert_id"].tolist()
    top = scan.iloc[0]
    assert table[i18n.t("market.col.reason", lang)].iloc[0] == market_words.explain(top, lang)
    assert table[i18n.t("market.col.kind", lang)].iloc[0] == market_words.kind_label(top["kind"], lang)
    # one way to open: a row click (its evidence links to the dossiers), no link column opening a new tab
    assert not any(isinstance(v, str) and v.startswith("/Enterprise?") for v in table.to_numpy().ravel())
    assert not at.get("json")  # no alert selected: no evidence yet


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_deep_link_preselects_the_alert_and_shows_its_evidence(app_db, scan, lang):
    alert = scan[scan["kind"] == "cycle"].iloc[0]
    at = open_market(lang, alert=alert["alert_id"])
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    row = scan["alert_id"].tolist().index(alert["alert_id"])
    assert at.session_state[table_key(at)]["selection"]["rows"] == [row]
    assert any(m.value == i18n.t("market.evidence.title", lang, kind=market_words.kind_label("cycle", lang))
               for m in at.subheader)
    trades = evidence_trades(at)
    assert sorted(trades[i18n.t("market.trade.trade_id", lang)]) == sorted(alert["trade_ids"])
    assert any(c.value == i18n.t("market.evidence.score", lang, score=f"{alert['score']:.1f}",
                                 alert_id=alert["alert_id"]) for c in at.caption)
    # each enterprise of the alert links to its dossier
    links = [p for p in at.get("page_link") if "enterprise=" in p.proto.query_string]
    assert {p.proto.label for p in links} == set(alert["enterprise_names"])


def test_selecting_a_row_shows_its_evidence_trades_and_puts_it_in_the_url(app_db, scan):
    at = open_market("en")
    at.session_state[table_key(at)] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    alert = scan.iloc[1]
    assert at.query_params["alert"] == alert["alert_id"]
    assert sorted(evidence_trades(at)["Trade"]) == sorted(alert["trade_ids"])
    assert market_words.explain(alert, "en").replace("_", "\\_") in [m.value for m in at.markdown]


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "round_trip:T1' OR '1'='1", "x" * 300])
def test_an_invalid_alert_in_the_link_is_refused_with_a_warning(app_db, value):
    at = open_market("en", alert=value)
    assert not at.exception
    assert [w.value.split("`")[0] for w in at.warning] == [i18n.t("market.alert.invalid", "en", value="").split("`")[0]]
    assert not at.get("json")


def test_an_alert_outside_the_scope_is_not_shown(app_db, scan, monkeypatch):
    alert = scan.iloc[0]
    outside = next(c for c in sorted({p for ps in scan["provinces"] for p in ps} | {"54"})
                   if c not in set(alert["provinces"]))
    monkeypatch.setenv("CARBONWATCH_SCOPE", outside)
    at = open_market("zh", alert=alert["alert_id"])
    assert not at.exception
    assert [w.value for w in at.warning] == [i18n.t("market.alert.not_found", "zh", value=alert["alert_id"])]
    header = i18n.t("market.col.alert_id", "zh")
    assert all(alert["alert_id"] not in set(d.value[header]) for d in at.dataframe if header in d.value.columns)
    assert not at.get("json")
