"""The enterprise dossier's glue (pages/4_Enterprise.py): which enterprise the URL names, checked
against the user's scope on every run, the picker when it names none, and the dossier's charts
as Vega-Lite specs built once per enterprise, view and language (Altair's validation costs more
than the rest of a warm rerun)."""
from __future__ import annotations

import re
from typing import Callable

import pandas as pd
import streamlit as st

from core.contract.filters import Filters
from core.store import detection, dossiers, risk_views
from core.ui import charts, tables
from core.ui.page import Page
from core.words import i18n

PARAM = "enterprise"  # ?enterprise=<enterprise_id>
MAX_ID_LENGTH = 64
_ID = re.compile(r"[^\x00-\x1f\x7f]{1,%d}" % MAX_ID_LENGTH)
_PICK = "enterprise_pick"
# Metric delta colours of the risk bands (Streamlit's named colours).
BAND_DELTA_COLOURS = {"critical": "red", "high": "orange", "medium": "yellow", "low": "green"}


def parse_id(raw) -> str | None:
    """An enterprise id from untrusted URL text, or None when it cannot be one (too long, control
    characters). It is bound as a query parameter anyway; this keeps absurd values out of queries."""
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    return raw if _ID.fullmatch(raw) else None


def open_enterprise(page: Page) -> pd.Series | None:
    """The profile row of the enterprise the URL names, re-checked against the user's scope.
    Without ?enterprise= the picker is shown; an invalid, unknown or out-of-scope id gets one and
    the same warning (a shared URL must not reveal what exists elsewhere). None: stop the page."""
    raw = st.query_params.get(PARAM)
    if raw is None or not str(raw).strip():
        picker(page)
        return None
    enterprise_id = parse_id(raw)
    profile = page.query(dossiers.enterprise_profile, enterprise_id=enterprise_id) if enterprise_id else None
    if profile is None or profile.empty:
        st.warning(page.t("enterprise.not_found"), icon=":material/search_off:")
        st.page_link("pages/4_Enterprise.py", label=page.t("enterprise.choose_other"), icon=":material/search:",
                     query_params=page.link())
        return None
    return profile.iloc[0]


def option_label(row, lang: str) -> str:
    """'Name (id) – band' for the picker, without the band when the enterprise is not rated."""
    if isinstance(row.band, str):
        return i18n.t("enterprise.pick.option", lang, name=row.name, id=row.enterprise_id,
                      band=i18n.t(f"band.{row.band}", lang))
    return i18n.t("enterprise.pick.option_unrated", lang, name=row.name, id=row.enterprise_id)


def picker(page: Page) -> None:
    """Enterprises in the scope and filters, highest risk first; choosing one opens its dossier."""
    ranked = page.query(risk_views.enterprise_risk)
    if ranked.empty:
        st.info(page.t("enterprise.pick.empty"))
        return
    labels = {r.enterprise_id: option_label(r, page.lang) for r in ranked.itertuples()}
    st.selectbox(page.t("enterprise.pick"), list(labels), index=None, format_func=labels.get, key=_PICK,
                 placeholder=page.t("enterprise.pick.placeholder"), on_change=_picked)
    st.caption(page.t("enterprise.pick.caption"))


def _picked() -> None:
    choice = st.session_state.get(_PICK)
    if choice:
        st.query_params[PARAM] = choice


# --- charts, built once per enterprise, view and language ----------------------------------------

def chart_specs(page: Page, enterprise_id: str) -> dict[str, dict]:
    """Vega-Lite specs of the dossier's charts that have data: one per measure of
    dossiers.DOSSIER_MEASURES, "scores", "timeline" and "trades"."""
    return _chart_specs(enterprise_id, page.lang, page.scope.key, page.filters, page.db_path,
                        page.data_version, _page=page)


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_specs(enterprise_id: str, lang: str, scope_key, flt: Filters, db_path: str, data_version: str, *,
                 _page: Page) -> dict[str, dict]:
    specs: dict[str, dict] = {}
    monthly = _page.query(dossiers.enterprise_monthly, enterprise_id=enterprise_id)
    if len(monthly):
        for measure in dossiers.DOSSIER_MEASURES:
            if monthly[measure].notna().any():
                specs[measure] = charts.peer_band(monthly, measure, enterprise_id, lang).to_dict()
    scores = _page.query(dossiers.enterprise_model_scores, enterprise_id=enterprise_id)
    if len(scores):
        specs["scores"] = charts.score_history(scores, enterprise_id, lang).to_dict()
    timeline = _page.query(dossiers.enterprise_timeline, enterprise_id=enterprise_id)
    if len(timeline):
        specs["timeline"] = charts.date_timeline(timeline, lang).to_dict()
    trades = _page.query(dossiers.enterprise_trade_months, enterprise_id=enterprise_id)
    if len(trades):
        specs["trades"] = charts.net_trades(trades, lang).to_dict()
    return specs


def measure_caption(measure: str, lang: str) -> str:
    """Where a monthly chart's figures come from: the measure's formula, with the constants the
    query uses, and which peer months count."""
    from core.contract import mrv
    from core.engine import features

    formula = i18n.t(f"enterprise.formula.{measure}", lang, **{
        "coal_rate": dict(efficiency=f"{detection.HEAT_BOILER_EFFICIENCY:g}", gj_per_tce=f"{mrv.GJ_PER_TCE:g}"),
        "intensity": dict(oxidation=f"{mrv.OXIDATION_DEFAULT:g}"),
    }.get(measure, {}))
    running = (i18n.t("enterprise.monthly.running", lang, hours=features.MIN_HOURS)
               if measure in dossiers.RATIO_MEASURES else "")
    return i18n.t("enterprise.monthly.source", lang, formula=formula, running=running)


def table_section(page: Page, key: str, text: str, frame: pd.DataFrame,
                  display: Callable[[pd.DataFrame, str], pd.DataFrame], columns: dict | None = None) -> None:
    """A dossier section of one table: the heading `text`, the table (or `text`.none) and where it
    comes from (`text`.caption); the container `key` lets tests and the browser find it."""
    with st.container(key=key):
        st.subheader(page.t(text))
        if frame.empty:
            st.caption(page.t(f"{text}.none"))
        else:
            tables.show(display(frame, page.lang), columns=columns, height="content")
        st.caption(page.t(f"{text}.caption"))


def chart(title: str | None, spec: dict, caption: str, key: str) -> None:
    """A dossier chart in its own container (tests and the browser find it by key): a bold title
    (the section has the heading), the chart, and where its figures come from."""
    with st.container(key=key):
        if title:
            st.markdown(f"**{title}**")
        st.vega_lite_chart(spec, width="stretch")
        st.caption(caption)


COUNTERPARTY_LINKS = 6  # the counterparties with most tonnes traded get a link each


def agencies_section(page: Page, enterprise_id: str) -> None:
    """Who served the enterprise (consultant, labs, verifiers), each name one click to its page on
    Intermediaries, in this tab."""
    served = page.query(dossiers.enterprise_agencies, enterprise_id=enterprise_id)
    with st.container(key="agencies"):
        st.subheader(page.t("enterprise.agencies"))
        if served.empty:
            st.caption(page.t("enterprise.agencies.none"))
            return
        for r in served.itertuples():  # one a line: the names are long and stay whole
            st.page_link("pages/6_Intermediaries.py", icon=":material/arrow_forward:",
                         label=page.t(f"enterprise.agencies.served.{r.kind}", name=r.name,
                                      n=i18n.fmt_int(r.served, page.lang)),
                         query_params=page.link(agency=r.agency_id))
        st.caption(page.t("enterprise.agencies.caption"))


def counterparty_links(page: Page, trades: pd.DataFrame) -> None:
    """The counterparties that are enterprises in the user's scope, most tonnes first: one click to
    their dossier, in this tab."""
    named = trades.dropna(subset=["counterparty_enterprise_id"])
    if named.empty:
        return
    top = (named.groupby(["counterparty_enterprise_id", "counterparty"], as_index=False)["volume_t"].sum()
           .sort_values(["volume_t", "counterparty_enterprise_id"], ascending=[False, True]))
    st.markdown(f"**{page.t('enterprise.trades.counterparties')}**")
    shown = top.head(COUNTERPARTY_LINKS)
    for r in shown.itertuples():
        st.page_link("pages/4_Enterprise.py", icon=":material/arrow_forward:",
                     label=page.t("enterprise.trades.counterparty", name=r.counterparty,
                                  volume=i18n.fmt_tonnes(r.volume_t, page.lang)),
                     query_params=page.link(enterprise=r.counterparty_enterprise_id))
    if len(top) > len(shown):
        st.caption(page.t("enterprise.trades.counterparties.more", n=i18n.fmt_int(len(top) - len(shown), page.lang)))
