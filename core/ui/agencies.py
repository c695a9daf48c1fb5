"""The Intermediaries page's glue (pages/6_Intermediaries.py): the profile of every consultant, lab
and verifier (core.insight.agencies), cached per view; which agency ?agency= names, re-checked against the
user's scope and filters on every run; the ranked table per kind with selection to the drill-down;
the drill-down's signals, charts, clients and the button that filters every page to its clients.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from core.contract.filters import Filters
from core.insight import agencies
from core.store import intermediaries, risk_views
from core.ui import charts, tables
from core.ui import filters as filter_ui
from core.ui.dossier import parse_id  # an id from untrusted URL text (length, control characters)
from core.ui.page import Page
from core.words import agencies as agency_words
from core.words import glossary
from core.words import i18n

PARAM = "agency"  # ?agency=<agency_id>
SELF = "pages/6_Intermediaries.py"
DOSSIER = "pages/4_Enterprise.py"
_SHOWN = re.compile(r"[^\x00-\x1f\x7f`*_\[\]<>\\]")  # what of an invalid value we echo back
_KIND = "agencies_kind"
FILTER_FIELD = {"consultant": "consultants", "lab": "labs", "verifier": "verifiers"}


# --- the profile, once per view ------------------------------------------------------------------

def profile(page: Page) -> pd.DataFrame:
    """core.insight.agencies.profile for the page's scope and filters, computed once per view and data version
    (from the cached named queries; a rerun reads it back)."""
    return _profile(page.scope.key, page.filters, page.db_path, page.data_version, _page=page)


@st.cache_data(show_spinner=False, max_entries=32)
def _profile(scope_key, flt: Filters, db_path: str, data_version: str, *, _page: Page) -> pd.DataFrame:
    return agencies.profile_from_summary(_page.query(intermediaries.agency_summary),
                                         _page.query(intermediaries.agency_patterns))


# --- which agency --------------------------------------------------------------------------------

def chosen(page: Page, prof: pd.DataFrame) -> pd.Series | None:
    """The profile row of the agency ?agency= names, or None. An invalid or unknown id, or one with
    no client in the user's scope and filters, gets one and the same warning: a shared URL must not
    reveal what exists elsewhere."""
    raw = st.query_params.get(PARAM)
    if raw is None or not str(raw).strip():
        return None
    agency_id = parse_id(raw)
    hit = prof[prof["agency_id"] == agency_id] if agency_id else prof.iloc[0:0]
    if hit.empty:
        shown = "".join(_SHOWN.findall(str(raw)[:40])) or "∅"
        st.warning(page.t("agencies.not_found", value=shown), icon=":material/search_off:")
        return None
    return hit.iloc[0]


def kind_picker(page: Page, row: pd.Series | None) -> str:
    """Consultants, labs or verifiers (the chosen agency's kind when there is one)."""
    if row is not None:
        st.session_state[_KIND] = row["kind"]
    elif st.session_state.get(_KIND) not in agencies.KINDS:
        st.session_state[_KIND] = agencies.KINDS[0]
    return st.segmented_control(page.t("agencies.kind"), list(agencies.KINDS), key=_KIND, required=True,
                                format_func=lambda k: page.t(f"agencies.kind.{k}"))


# --- the ranking ---------------------------------------------------------------------------------

def ranking(page: Page, prof: pd.DataFrame, kind: str, row: pd.Series | None) -> None:
    """The agencies of one kind, highest score first; selecting a row opens its drill-down."""
    t, lang = page.t, page.lang
    rows = prof[prof["kind"] == kind].reset_index(drop=True)
    plural = t(f"agencies.kind.{kind}")
    with st.container(key="agency_ranking"):
        st.subheader(t("agencies.ranked.other" if row is not None else "agencies.ranked", kind=plural))
        if rows.empty:
            st.info(t("agencies.none"))
            return
        base = rows["base_rate"].iloc[0]
        frame = tables.agency_ranking(rows, kind, lang)
        event = tables.show(frame, columns=tables.agency_ranking_columns(kind, base, lang), height=480,
                            wrap=True, on_select="rerun", selection_mode="single-row",
                            # the open agency is part of the key: its selection must not reopen it forever
                            key=page.key("agency_ranking", kind, None if row is None else row["agency_id"]))
        picked = event["selection"]["rows"]
        if picked and picked[0] < len(rows) and (row is None or rows["agency_id"].iloc[picked[0]] != row["agency_id"]):
            page.go(SELF, **{PARAM: rows["agency_id"].iloc[picked[0]]})
        st.caption(t("agencies.ranked.count", n=i18n.fmt_int(len(rows), lang)))
        st.caption(t("agencies.ranked.caption", run_id=page.run_id or i18n.MISSING) + " "
                   + " · ".join(glossary.link(term, lang) for term in ("evidence-score", "bh-q", "base-rate")))


# --- the drill-down ------------------------------------------------------------------------------

def heading(page: Page, row: pd.Series, prof: pd.DataFrame) -> None:
    """Name, kind, id, province and rank; the way back to the whole list."""
    from core.contract import access

    t, lang = page.t, page.lang
    same = prof[prof["kind"] == row["kind"]].reset_index(drop=True)
    rank = int(same.index[same["agency_id"] == row["agency_id"]][0]) + 1
    names = access.province_names()
    province = names[row["province"]][lang] if row["province"] in names else i18n.MISSING
    st.header(row["name"], divider="gray")
    st.markdown(t("agencies.detail.meta", kind=i18n.t(f"agency.{row['kind']}", lang), id=row["agency_id"],
                  province=province, rank=rank, n=len(same)))
    st.page_link(SELF, label=t("agencies.back"), icon=":material/arrow_back:", query_params=page.link())


def signals(page: Page, row: pd.Series) -> None:
    """The score, the flagged clients against the base rate, the significance and what stands out."""
    t, lang = page.t, page.lang
    with st.container(key="agency_signals"):
        cols = st.columns(4)
        cols[0].metric(t("agencies.detail.score"), f"{row['score']:.0f}", border=True,
                       help=page.help("agencies.detail.score.help"))
        cols[1].metric(t("agencies.detail.clients"), i18n.fmt_int(row["clients"], lang), border=True)
        cols[2].metric(t("agencies.detail.flagged"), i18n.fmt_int(row["flagged_clients"], lang), border=True,
                       delta=t("agencies.detail.flagged.delta", share=i18n.fmt_pct(row["flagged_share"], lang),
                               base=i18n.fmt_pct(row["base_rate"], lang)),
                       delta_color="inverse" if row["flagged_share"] > row["base_rate"] else "off",
                       delta_arrow="off")
        cols[3].metric(t("agencies.detail.q"), agency_words.fmt_p(row["q_value"]), border=True,
                       delta=t("agencies.detail.q.delta", p=agency_words.fmt_p(row["p_value"])), delta_color="off",
                       delta_arrow="off", help=page.help("agencies.help.q"))
        st.markdown(f"**{t('agencies.detail.signals')}**")
        fired = [agency_words.signal_text(f, lang) for f in _fired(row)]
        st.markdown("\n".join(f"- {s}" for s in fired) if fired else t("agencies.signal.none"))
        if row["kind"] == "verifier" and row["flagged_years"] > 0:
            st.caption(t("agencies.detail.pass_flagged", passed=i18n.fmt_int(row["passed_flagged_years"], lang),
                         flagged=i18n.fmt_int(row["flagged_years"], lang),
                         rate=i18n.fmt_pct(row["pass_rate_flagged"], lang)))
        field = FILTER_FIELD[row["kind"]]
        st.button(t("agencies.filter"), key="agency_filter", icon=":material/filter_alt:",
                  help=page.help("agencies.filter.help"),
                  on_click=filter_ui.narrow, args=(page.filters, (PARAM,)), kwargs={field: (row["agency_id"],)})


def _fired(row: pd.Series) -> list[dict]:
    return json.loads(row["signals"]) if isinstance(row["signals"], str) else list(row["signals"])


def chart_specs(page: Page, agency_id: str, kind: str) -> dict[str, dict]:
    """Vega-Lite specs of the drill-down's charts: "risk" (its clients against the view) and, for a lab
    with report dates, "dates"."""
    return _chart_specs(agency_id, kind, page.lang, page.scope.key, page.filters, page.db_path,
                        page.data_version, _page=page)


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_specs(agency_id: str, kind: str, lang: str, scope_key, flt: Filters, db_path: str, data_version: str,
                 *, _page: Page) -> dict[str, dict]:
    specs = {"risk": charts.agency_risk_mix(_page.query(intermediaries.agency_clients, agency_id=agency_id),
                                            _page.query(risk_views.enterprise_risk), lang).to_dict()}
    if kind == "lab":
        dates = _page.query(intermediaries.agency_test_dates, agency_id=agency_id)
        if len(dates):
            specs["dates"] = charts.agency_test_dates(dates, lang).to_dict()
    return specs


def client_table(page: Page, agency_id: str) -> None:
    """The agency's clients in the view, highest risk first, each linked to its dossier."""
    t, lang = page.t, page.lang
    rows = agencies.clients_from(page.query(intermediaries.agency_clients, agency_id=agency_id),
                                 page.query(intermediaries.agency_patterns, agency_id=agency_id))
    with st.container(key="agency_clients"):
        st.subheader(t("agencies.clients.title"))
        if rows.empty:
            st.caption(t("agencies.clients.none"))
            return
        frame = tables.agency_clients(rows, lang)
        event = tables.show(frame, columns=tables.agency_client_columns(lang), band_column=t("col.band"), wrap=True,
                            height="content" if len(frame) <= 8 else 440, on_select="rerun",
                            selection_mode="single-row", key=page.key("agency_clients", agency_id))
        st.caption(t("agencies.clients.caption"))
        picked = event["selection"]["rows"]
        if picked and picked[0] < len(rows):
            page.go(DOSSIER, enterprise=rows["enterprise_id"].iloc[picked[0]])
