"""The Market surveillance page's glue (pages/5_Market.py): the scan cached per view, the alert the
URL names (?alert=, validated and looked up among the alerts the scope may see), the counts by
kind, the ranked table whose selected row shows its evidence trades, and the counterparty network.

The scan, the display table and the network are cached on small hashables (scope key, filters,
kinds, language, data version; GUIDE 3), so a warm rerun only renders. The selected alert lives in
the URL like the filters, so a view of one alert is a link.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from core.contract import mrv
from core.contract.access import Scope
from core.contract.filters import Filters
from core.insight import trading
from core.store import surveillance
from core.ui import cache, charts, tables
from core.ui import cases as case_ui
from core.ui.page import Page
from core.words import glossary, i18n
from core.words import market as market_words
from core.words import labels as label_words

PARAM = "alert"  # ?alert=<alert_id>
DOSSIER = "pages/4_Enterprise.py"
NETWORK_ALERTS = 30  # the network draws the highest-scoring alerts of the table ...
# ... of the kinds whose evidence is who traded with whom; an account-level alert's evidence is just the
# account's largest trades, whose counterparties would tie every graph into one knot
NETWORK_KINDS = ("round_trip", "wash_group", "cycle", "off_market", "marking_close", "limit_pinned")
_ALERT_ID = re.compile(r"[a-z_]{3,32}:[A-Za-z0-9_.:\-]{1,100}")
_SHOWN = re.compile(r"[^\x00-\x1f\x7f`]")  # what of a value is echoed back (inside a code span)
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~$])")  # what would turn a holder's name into formatting


@st.cache_data(show_spinner=False, max_entries=32)
def _scan(scope_key, flt: Filters, db_path: str, data_version: str) -> pd.DataFrame:
    return trading.scan(cache.connection(db_path), Scope.from_key(scope_key), flt)


@st.cache_data(show_spinner=False, max_entries=256)
def _trades(trade_ids: tuple[str, ...], scope_key, db_path: str, data_version: str) -> pd.DataFrame:
    return trading.evidence_trades(cache.connection(db_path), trade_ids, Scope.from_key(scope_key))


def alerts(page: Page) -> pd.DataFrame:
    """Every alert of the view, highest score first (core.insight.trading.scan), cached until the data changes."""
    return _scan(page.scope.key, page.filters, page.db_path, page.data_version)


def evidence_trades(page: Page, alert: pd.Series) -> pd.DataFrame:
    return _trades(tuple(sorted(alert["trade_ids"])), page.scope.key, page.db_path, page.data_version)


# --- which alert: ?alert= ---------------------------------------------------------------------------

def chosen(page: Page, found: pd.DataFrame) -> str | None:
    """The alert id ?alert= names when it is well-formed and among the view's alerts (the scope was
    applied by the scan: a shared link grants nothing), else None with a warning saying why."""
    raw = st.query_params.get(PARAM)
    if raw is None or not str(raw).strip():
        return None
    value = str(raw).strip()
    shown = "".join(_SHOWN.findall(value[:60])) or "∅"
    if not _ALERT_ID.fullmatch(value):
        st.warning(page.t("market.alert.invalid", value=shown), icon=":material/warning:")
        return None
    if value not in set(found["alert_id"]):
        st.warning(page.t("market.alert.not_found", value=shown), icon=":material/search_off:")
        return None
    return value


# --- counts by kind ---------------------------------------------------------------------------------

def kind_help(kind: str, lang: str) -> str:
    """What makes an alert of `kind`, with the thresholds core.store.surveillance uses."""
    q, pct = surveillance, lambda v: f"{v:.0%}"  # noqa: E731
    args = {
        "round_trip": dict(days=q.ROUND_TRIP_DAYS, tolerance=pct(q.VOLUME_TOLERANCE)),
        "wash_group": dict(trades=q.WASH_MIN_TRADES, volume=i18n.fmt_tonnes(q.WASH_MIN_VOLUME_T, lang)),
        "cycle": dict(days=q.CYCLE_DAYS, tolerance=pct(q.CYCLE_TOLERANCE)),
        "off_market": dict(deviation=pct(q.OFF_MARKET_DEVIATION), others=pct(q.OFF_MARKET_OTHERS)),
        "limit_pinned": dict(limit=pct(mrv.LISTING_LIMIT), dominance=pct(q.LIMIT_DOMINANCE)),
        "marking_close": dict(time=q.MARKING_FROM[:5], move=pct(q.MARKING_MOVE)),
        "deadline_concentration": dict(days=q.DEADLINE_WINDOW_DAYS, volume=i18n.fmt_tonnes(q.DEADLINE_MIN_T, lang),
                                       lift=f"{q.DEADLINE_LIFT:g}"),
        "flagged_net_seller": dict(volume=i18n.fmt_tonnes(q.NET_SELL_MIN_T, lang)),
    }[kind]
    return i18n.t(f"market.kind.{kind}.help", lang, **args) + "\n\n" + glossary.link("market-alerts", lang)


def kind_metrics(page: Page, found: pd.DataFrame) -> None:
    """One metric per kind of alert, in two rows of four, with what makes the kind in its help."""
    n = trading.counts(found)
    with st.container(key="market_counts"):
        st.subheader(page.t("market.counts.title"))
        cells = [c for _ in range(2) for c in st.columns(4)]
        for cell, kind in zip(cells, trading.KINDS):
            cell.metric(market_words.kind_label(kind, page.lang), i18n.fmt_int(n[kind], page.lang), border=True,
                        help=kind_help(kind, page.lang))
        st.caption(page.t("market.counts.caption"))


def kind_filter(page: Page, found: pd.DataFrame) -> tuple[str, ...]:
    """Pills of the kinds (with their counts); none selected means all."""
    n = trading.counts(found)
    picked = st.pills(page.t("market.alerts.kinds"), list(trading.KINDS), selection_mode="multi",
                      format_func=lambda k: f"{market_words.kind_label(k, page.lang)} {n[k]}", key=page.key("market_kinds"))
    return tuple(k for k in trading.KINDS if k in (picked or ())) or trading.KINDS


# --- the ranked table and the selected alert's evidence ----------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _table(scope_key, flt: Filters, kinds: tuple[str, ...], lang: str, db_path: str, data_version: str, *,
           _page: Page) -> pd.DataFrame:
    shown = _shown(_scan(scope_key, flt, db_path, data_version), kinds)
    return tables.market_alerts(shown, lang, lambda r: market_words.explain(pd.Series(r._asdict()), lang))


def _shown(found: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    return found[found["kind"].isin(kinds)].reset_index(drop=True)


def alert_table(page: Page, found: pd.DataFrame, kinds: tuple[str, ...], chosen_id: str | None) -> pd.Series | None:
    """The alerts of `kinds`, ranked; the selected row (or the URL's alert) is returned and written to
    the URL so the view can be shared. Deselecting a row clears it."""
    shown = _shown(found, kinds)
    t, lang = page.t, page.lang
    with st.container(key="market_alerts"):
        st.subheader(t("market.alerts.title"))
        if shown.empty:
            st.info(t("market.alerts.empty"))
            return found.set_index("alert_id").loc[chosen_id].rename(chosen_id) if chosen_id else None
        frame = _table(page.scope.key, page.filters, kinds, lang, page.db_path, page.data_version, _page=page)
        ids = shown["alert_id"].tolist()
        default = {"selection": {"rows": [ids.index(chosen_id)], "columns": []}} if chosen_id in ids else None
        key = page.key("market_alerts", kinds, chosen_id)
        first_render = key not in st.session_state
        event = tables.show(frame, columns=tables.market_alert_columns(frame, lang), height=420, wrap=True,
                            on_select="rerun",
                            selection_mode="single-row", selection_default=default, key=key)
        rows = [r for r in event["selection"]["rows"] if r < len(shown)]
        st.caption(" ".join([t("market.alerts.count", shown=i18n.fmt_int(len(shown), lang),
                                 n=i18n.fmt_int(len(found), lang)), t("market.alerts.select")]))
        weights = i18n.fmt_list((f"{market_words.kind_label(k, lang)} {trading.KIND_WEIGHT[k]:g}"
                                 for k in trading.KINDS), lang, "comma")
        st.caption(t("market.alerts.caption", weights=weights))
    if rows:
        picked = ids[rows[0]]
        if picked != chosen_id:
            st.query_params[PARAM] = picked
        return shown.iloc[rows[0]]
    if chosen_id and chosen_id in ids and not first_render:  # the reader cleared the selection
        del st.query_params[PARAM]
        return None
    return found.set_index("alert_id").loc[chosen_id].rename(chosen_id) if chosen_id else None


def _md(text: str) -> str:
    """Data (holder names) as literal text in Markdown."""
    return _MARKDOWN.sub(r"\\\1", text)


def evidence(page: Page, alert: pd.Series) -> None:
    """The selected alert: its reason, the enterprises it involves (dossier links inside the scope),
    its evidence trades and the raw evidence values."""
    t, lang = page.t, page.lang
    alert_id = alert.get("alert_id", alert.name)
    with st.container(key="market_evidence"):
        st.subheader(t("market.evidence.title", kind=market_words.kind_label(alert["kind"], lang)), divider="gray")
        st.markdown(_md(market_words.explain(alert, lang)))
        st.caption(t("market.evidence.score", score=f"{alert['score']:.1f}", alert_id=alert_id))
        st.markdown(f"**{t('market.evidence.enterprises')}**")
        pairs = list(zip(alert["enterprises"], alert["enterprise_names"], alert["provinces"]))
        if not pairs:
            st.caption(t("market.evidence.none"))
        cols = st.columns(3) if pairs else []
        for i, (eid, name, prov) in enumerate(pairs):
            with cols[i % 3]:
                if page.scope.allows(prov):
                    st.page_link(DOSSIER, label=name, icon=":material/factory:", query_params=page.link(enterprise=eid))
                else:
                    st.caption(t("market.evidence.outside", name=_md(label_words.party(name, lang, "enterprise"))))
        st.markdown(f"**{t('market.evidence.trades')}**")
        trades = evidence_trades(page, alert)
        tables.show(tables.market_trades(trades, lang), height="content" if len(trades) <= 12 else 440)
        st.caption(t("market.evidence.caption", n=surveillance.EVIDENCE_MAX))
        with st.expander(t("market.evidence.values"), icon=":material/data_object:"):
            st.json(json.loads(alert["evidence"]), expanded=True)
        case_ui.alert_open(page, alert, trades)


# --- who trades with whom ---------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def _network_spec(scope_key, flt: Filters, kinds: tuple[str, ...], lang: str, db_path: str,
                  data_version: str) -> dict | None:
    top = _shown(_scan(scope_key, flt, db_path, data_version), tuple(k for k in kinds if k in NETWORK_KINDS))
    top = top.head(NETWORK_ALERTS)
    if top.empty:
        return None
    ids = tuple(sorted({i for ids in top["trade_ids"] for i in ids}))
    edges, nodes = trading.network(top, _trades(ids, scope_key, db_path, data_version))
    return charts.alert_network(edges, nodes, lang).to_dict() if len(nodes) else None


def network(page: Page, kinds: tuple[str, ...]) -> None:
    with st.container(key="market_network"):
        st.subheader(page.t("market.network.title"))
        spec = _network_spec(page.scope.key, page.filters, kinds, page.lang, page.db_path, page.data_version)
        if spec is None:
            st.caption(page.t("market.network.empty"))
            return
        st.vega_lite_chart(spec, width="stretch")
        st.caption(page.t("market.network.caption", n=NETWORK_ALERTS,
                          kinds=i18n.fmt_list((market_words.kind_label(k, page.lang) for k in NETWORK_KINDS),
                                              page.lang)))
