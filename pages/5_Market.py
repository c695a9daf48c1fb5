"""Market surveillance: the CEA market over the period, then the trades a regulator should look at -
alerts by kind, ranked by score, each with its reason and evidence trades - and who trades with whom.
A row (or ?alert=<id>) opens the alert's evidence; an enterprise opens its dossier."""
import streamlit as st

from core.store import surveillance
from core.ui import charts, market, page_setup
from core.ui.widgets import chart_block

page = page_setup("market.title", page_params=(market.PARAM,))
lang, t = page.lang, page.t
st.caption(t("market.intro"))

# 1. The market in the period: the daily close over volume by trading method.
daily = page.query(surveillance.market_daily_by_method)
chart_block(t("market.chart.title"), page.spec(charts.market_daily, surveillance.market_daily_by_method),
            t("market.chart.caption", bucket=t(f"market.chart.bucket.{charts.market_bucket(daily)}")),
            key="market_chart")

# 2. What the surveillance found, by kind.
found = market.alerts(page)
market.kind_metrics(page, found)

# 3. The alerts, highest score first; a row (or the URL's alert) shows its evidence.
chosen = market.chosen(page, found)
kinds = market.kind_filter(page, found)
alert = market.alert_table(page, found, kinds, chosen)
if alert is not None:
    market.evidence(page, alert)

# 4. Who trades with whom in the highest-scoring alerts.
market.network(page, kinds)
