"""The Province page's Streamlit glue: which province (?province=, validated against the access
scope), its standing among the provinces, the enterprises table with its own search and band
pills, and the drill-down to the dossier from a table row or a heatmap cell.

The province lives in the URL like the global filters, so a view is a link; the search box and
band pills are local to the page (they narrow what is shown, not what is counted).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from core.contract import access
from core.contract.access import Scope
from core.contract.filters import BANDS, Filters
from core.engine import risk
from core.store import risk_views
from core.ui import tables
from core.ui.page import Page
from core.words import i18n

PARAM = "province"
DOSSIER = "pages/4_Enterprise.py"
FLAGGED = ("critical", "high")
HEATMAP_LIMIT = 40
_PICK, _SEARCH, _BANDS = "province_pick", "province_search", "province_bands"
_SHOWN = re.compile(r"[^\x00-\x1f\x7f`*_\[\]<>\\]")  # what of an invalid value we echo back


# --- which province --------------------------------------------------------------------------

def chosen(page: Page) -> str | None:
    """The province of ?province= when it is a known code inside the user's scope, else None, with a
    warning naming the value and what is valid. Without ?province=, the one province of the
    sidebar filter (?prov=37) or of the user's scope is the province: a filter set once holds on
    every page. The picker is always shown, set to the province, and offers the sidebar's
    provinces when several are chosen there."""
    raw = str(st.query_params.get(PARAM) or "").strip()
    code = _validated(page, raw) if raw else implied(page)
    _picker(page, code)
    return code


def implied(page: Page) -> str | None:
    """The province the sidebar filter or the user's scope already names, when it names one."""
    if len(page.filters.provinces) == 1:
        return page.filters.provinces[0]
    if not page.filters.provinces and page.scope.provinces is not None and len(page.scope.provinces) == 1:
        return next(iter(page.scope.provinces))
    return None


def _validated(page: Page, value: str) -> str | None:
    names = access.province_names()
    lang = page.lang
    in_scope = sorted(names) if page.scope.provinces is None else sorted(page.scope.provinces)
    if value not in names:
        shown = "".join(_SHOWN.findall(value[:40])) or "∅"
        st.warning(page.t("province.invalid", value=shown, example=in_scope[0] if in_scope else "37",
                          valid=", ".join(in_scope)), icon=":material/warning:")
        return None
    try:
        page.within(Scope.of([value]))  # a shared link grants nothing
    except PermissionError:
        st.warning(page.t("province.outside", code=value, name=names[value][lang],
                          scope=i18n.fmt_list((names[c][lang] for c in in_scope), lang)), icon=":material/block:")
        return None
    return value


def narrowed(page: Page, code: str) -> Page:
    """The page narrowed to one province (already checked by `chosen`). A ?province= outside the
    sidebar's provinces is shown as the link asks, with a note, its queries without that filter
    (they would otherwise be empty)."""
    pv = page.within(Scope.of([code]))
    if page.filters.provinces and code not in page.filters.provinces:
        st.caption(page.t("province.outside_filter", name=name(code, page.lang), filtered=i18n.fmt_list(
            (name(c, page.lang) for c in page.filters.provinces), page.lang)))
        pv = replace(pv, filters=replace(pv.filters, provinces=()))
    return pv


def name(code: str, lang: str) -> str:
    return access.province_names()[code][lang]


def ranked_provinces(by_province: pd.DataFrame) -> pd.DataFrame:
    """The provinces in scope, most flagged enterprises first (then most enterprises, then code)."""
    rows = by_province[by_province["in_scope"]]
    return rows.sort_values(["flagged", "enterprises", "province_code"], ascending=[False, False, True])


def _picker(page: Page, code: str | None) -> None:
    by_province = ranked_provinces(page.query(risk_views.risk_by_province))
    lang = page.lang
    if page.filters.provinces:  # the sidebar's provinces first, in their ranking order
        wanted = set(page.filters.provinces) | ({code} if code else set())
        by_province = by_province[by_province["province_code"].isin(wanted)]
    labels = {r.province_code: page.t("province.pick.option", name=getattr(r, f"name_{lang}"),
                                      flagged=i18n.fmt_int(r.flagged, lang),
                                      enterprises=i18n.fmt_int(r.enterprises, lang))
              for r in by_province.itertuples()}  # at most 32 rows
    st.session_state[_PICK] = code  # the URL is the truth (a link or the back button may have changed it)
    st.selectbox(page.t("province.pick"), list(labels), key=_PICK, format_func=labels.get,
                 placeholder=page.t("province.pick.placeholder"), help=page.help("province.pick.help"),
                 on_change=_write_province)


def _write_province() -> None:
    code = st.session_state.get(_PICK)
    if code:
        st.query_params[PARAM] = code
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


# --- headline ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    enterprises: int
    assessed: int
    flagged: int
    rate: float | None        # flagged / enterprises in the province
    base_rate: float | None   # the same over every province in the scope
    emissions_t: float | None
    rank: int | None          # 1 = most flagged enterprises among provinces with enterprises
    of: int


def standing(ents: pd.DataFrame, by_province: pd.DataFrame, code: str) -> Standing:
    """The province's headline figures from its enterprises and the scope's provinces."""
    flagged = int(ents["band"].isin(FLAGGED).sum())
    peers = by_province[by_province["in_scope"] & (by_province["enterprises"] > 0)]
    total = peers["enterprises"].sum()
    mine = peers.loc[peers["province_code"] == code, "flagged"]
    assessed = int(ents["risk_score"].notna().sum())
    return Standing(
        enterprises=len(ents), assessed=assessed, flagged=flagged,
        rate=flagged / len(ents) if assessed else None,
        base_rate=peers["flagged"].sum() / total if total and peers["assessed"].sum() else None,
        emissions_t=ents["emissions_t"].sum(min_count=1),
        rank=int((peers["flagged"] > mine.iloc[0]).sum()) + 1 if len(mine) and assessed else None,
        of=len(peers))


def metrics(page: Page, s: Standing) -> None:
    t, lang = page.t, page.lang
    basis = t("province.basis.national" if page.scope.provinces is None else "province.basis.scope")
    cols = st.columns(4)
    cols[0].metric(t("province.metric.enterprises"), i18n.fmt_int(s.enterprises, lang), border=True,
                   help=page.help("province.metric.enterprises.help", assessed=i18n.fmt_int(s.assessed, lang)))
    cols[1].metric(t("province.metric.flagged"), i18n.fmt_int(s.flagged, lang) if s.assessed else i18n.MISSING,
                   border=True, help=page.help("province.metric.flagged.help", rate=i18n.fmt_pct(s.rate, lang),
                                       basis=basis, base=i18n.fmt_pct(s.base_rate, lang)))
    cols[2].metric(t("province.metric.emissions"), i18n.fmt_tonnes(s.emissions_t, lang), border=True,
                   help=page.help("province.metric.emissions.help"))
    cols[3].metric(t("province.metric.rank"),
                   t("province.metric.rank.value", rank=s.rank, n=s.of) if s.rank else i18n.MISSING, border=True,
                   help=page.help("province.metric.rank.help", n=i18n.fmt_int(s.of, lang)))


def formula(lang: str) -> str:
    """The default risk formula and bands in words (as the Anomaly Lab shows them)."""
    from core.ui.lab import formula as lab_formula

    return lab_formula(risk.DEFAULT_WEIGHTS, lang)


def band_thresholds(lang: str) -> str:
    return i18n.fmt_list((f"{i18n.t(f'band.{b}', lang)} ≥ {lo:g}" for b, lo in risk.BANDS[:-1]), lang, "comma")


# --- the enterprises table ---------------------------------------------------------------------

def view_key(prefix: str, code: str, flt: Filters, *local) -> str:
    """A widget key carrying the data identity (province, filters, assessment and the page's own
    search and bands), so a selection never outlives the rows it was made on (GUIDE 3)."""
    digest = hashlib.sha1(repr((code, flt, *local)).encode()).hexdigest()[:12]
    return f"{prefix}_{code}_{digest}"


def search_rows(ents: pd.DataFrame, search: str, bands) -> pd.DataFrame:
    """The enterprises whose name or id contains `search` (case-insensitive) and whose band is one of
    `bands` (all when empty); vectorised, in the query's order."""
    keep = pd.Series(True, index=ents.index)
    needle = (search or "").strip().lower()
    if needle:
        keep &= (ents["name"].str.lower().str.contains(needle, regex=False, na=False)
                 | ents["enterprise_id"].str.lower().str.contains(needle, regex=False, na=False))
    if bands:
        keep &= ents["band"].isin(list(bands))
    return ents[keep]


def enterprise_table(page: Page, code: str, ents: pd.DataFrame) -> None:
    """Search, band pills and the sortable table; selecting a row opens the enterprise's dossier."""
    t, lang = page.t, page.lang
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    search = left.text_input(t("province.search"), key=_SEARCH, placeholder=t("province.search.placeholder"))
    bands = right.pills(t("province.bands"), list(BANDS), selection_mode="multi", key=_BANDS,
                        format_func=lambda b: tables.band_label(b, lang))
    shown = search_rows(ents, search, bands)
    with st.container(key="province_table"):
        if ents.empty:
            st.info(t("province.table.empty"))
            return
        frame = tables.province_enterprises(shown, lang, page)
        event = tables.show(frame, columns=tables.province_columns(frame, lang), band_column=t("col.band"),
                            height=420, wrap=True, on_select="rerun", selection_mode="single-row",
                            key=view_key("province_table", code, page.filters, search, tuple(bands or ())))
        rows = event["selection"]["rows"]
        if rows and rows[0] < len(frame):
            _open_dossier(page, code, frame[t("col.enterprise_id")].iloc[rows[0]])
        st.caption(" ".join([t("province.table.count", shown=i18n.fmt_int(len(frame), lang),
                                 n=i18n.fmt_int(len(ents), lang)), t("province.table.select")]))
        st.caption(t("province.table.caption", run_id=page.run_id or i18n.MISSING))


# --- charts ------------------------------------------------------------------------------------

def heatmap(page: Page, code: str, cells: pd.DataFrame, chart: dict | None) -> None:
    """The enterprise x month heatmap; a click on a cell opens that enterprise's dossier."""
    t = page.t
    with st.container(key="province_heatmap"):
        n = cells["enterprise_id"].nunique()
        st.subheader(t("province.heatmap.title", n=i18n.fmt_int(n, page.lang)) if n
                     else t("province.heatmap.title.none"))
        if chart is None:
            st.caption(t("province.heatmap.empty"))
        else:
            event = st.vega_lite_chart(chart, width="stretch", on_select="rerun",
                                       key=view_key("province_heatmap", code, page.filters))
            picked = [p.get("enterprise_id") for p in event["selection"].get("cell", [])]
            if picked and picked[0] in set(cells["enterprise_id"]):
                _open_dossier(page, code, picked[0])
        st.caption(t("province.heatmap.caption", run_id=page.run_id or i18n.MISSING))


def _open_dossier(page: Page, code: str, enterprise_id: str) -> None:
    """Drill down to the dossier. The province rides along: Streamlit's back button re-opens the
    previous page with the current query string, so this brings the reader back to this province."""
    page.go(DOSSIER, enterprise=enterprise_id, province=code)
