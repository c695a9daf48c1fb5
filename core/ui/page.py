"""The frame every page starts with: `page = page_setup("overview.title")`.

It sets the page config, the language (from ?lang=, carried by every nav link),
the custom navigation, the access scope and the database connection, and hands
the page a small frozen `Page` with everything it needs. Pages are registered as
plain data in PAGES; classic `pages/` auto-discovery runs them (GUIDE 1: never
st.navigation).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from core import access, db, i18n, queries
from core.db import Scope


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app.py, as st.page_link wants it
    label_key: str
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app.py", "nav.overview", ":material/monitoring:"),
    PageSpec("pages/1_Data.py", "nav.data", ":material/database:"),
    PageSpec("pages/2_Anomaly_Lab.py", "nav.lab", ":material/troubleshoot:"),
)

_LANG_WIDGET = "lang_switch"


@dataclass(frozen=True)
class Page:
    """What a page needs for one run: language, scope, connection and the data version."""

    lang: str
    scope: Scope
    con: duckdb.DuckDBPyConnection
    db_path: str
    data_version: str

    def t(self, key: str, **kwargs) -> str:
        return i18n.t(key, self.lang, **kwargs)

    def within(self, scope: Scope) -> "Page":
        """The same page narrowed to `scope`, which must lie inside this page's scope: a narrower
        view can be asked for, a wider one never granted."""
        if not _inside(scope, self.scope):
            raise PermissionError("the requested scope is wider than the user's access scope")
        return replace(self, scope=scope)

    def query(self, name: str, **params) -> pd.DataFrame:
        """A named query from core.queries for this page's scope, cached until the data changes."""
        return _cached_query(name, _scope_key(self.scope), _params_key(params), self.db_path, self.data_version)


def page_setup(title_key: str) -> Page:
    """Config, language, navigation, title, scope and database for one page run.

    Stops the run (st.stop) with a clear message when the scope is misconfigured or
    the database is missing or busy: a regulator sees what to do, not a traceback."""
    lang = i18n.parse_lang(st.query_params.get("lang"))
    st.set_page_config(page_title=f"{i18n.t(title_key, lang)} · CarbonWatch", page_icon=":material/eco:",
                       layout="wide")
    _sidebar(lang)
    st.title(i18n.t(title_key, lang))

    try:
        scope = access.scope_from_env()
    except access.ScopeError as e:
        _stop_with(i18n.t("scope.invalid", lang, value=os.environ.get(access.ENV_VAR, ""), problem=e))
    st.sidebar.caption(_scope_label(scope, lang))

    path = db.resolve_path()
    if not path.exists():
        _stop_with(i18n.t("db.missing.body", lang, path=path), title=i18n.t("db.missing.title", lang))
    try:
        con = _connection(str(path))
    except db.DatabaseBusy:
        _stop_with(i18n.t("db.busy", lang, path=path))
    return Page(lang=lang, scope=scope, con=con, db_path=str(path), data_version=db.data_version(con))


def clear_query_cache() -> None:
    """After a load: drop every cached result (the data version changes too; this frees memory)."""
    _cached_query.clear()


# --- language and navigation ---------------------------------------------------------------

def _set_lang_from_widget() -> None:
    st.query_params["lang"] = st.session_state[_LANG_WIDGET]


def _sidebar(lang: str) -> None:
    sb = st.sidebar
    sb.markdown(f"**{i18n.t('app.name', lang)}**")
    # Keep the switch in step with the URL (a nav link or a shared link may have changed it).
    st.session_state[_LANG_WIDGET] = lang
    sb.segmented_control(i18n.t("lang.label", lang), i18n.LANGS, key=_LANG_WIDGET, required=True,
                         format_func=i18n.LANG_NAMES.get, on_change=_set_lang_from_widget)
    sb.caption(i18n.t("nav.heading", lang))
    for p in PAGES:
        sb.page_link(p.path, label=i18n.t(p.label_key, lang), icon=p.icon, query_params={"lang": lang})


def _scope_label(scope: Scope, lang: str) -> str:
    if scope.provinces is None:
        return i18n.t("scope.national", lang)
    names = access.province_names()
    sep = "、" if lang == "zh" else ", "
    return i18n.t("scope.provinces", lang, provinces=sep.join(names[c][lang] for c in sorted(scope.provinces)))


def _stop_with(body: str, title: str | None = None) -> None:
    st.error(f"**{title}**\n\n{body}" if title else body, icon=":material/error:")
    st.stop()


# --- database and cached queries -----------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    """One connection per process (GUIDE 3); every query takes its own cursor from it."""
    if not Path(path).exists():  # never create an empty database behind the user's back
        raise FileNotFoundError(path)
    return db.connect(path)


def _inside(inner: Scope, outer: Scope) -> bool:
    if outer.provinces is None:
        return True
    return inner.provinces is not None and inner.provinces <= outer.provinces


def _scope_key(scope: Scope) -> tuple[str, ...] | None:
    return None if scope.provinces is None else tuple(sorted(scope.provinces))


def _params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_query(name: str, scope_key: tuple[str, ...] | None, params: tuple, db_path: str,
                  data_version: str) -> pd.DataFrame:
    con = _connection(db_path)
    if name in queries.UNSCOPED:
        return queries.UNSCOPED[name](con, **dict(params))
    scope = Scope.national() if scope_key is None else Scope.of(scope_key)
    return queries.SCOPED[name](con, scope, **dict(params))
