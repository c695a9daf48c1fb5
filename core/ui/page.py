"""The frame every page starts with: `page = page_setup("overview.title")`.

It sets the page config, the language (from ?lang=, carried by every nav link),
the custom navigation, the access scope, the database connection and the global
filters (from the URL, core.contract.filters), and hands the page a small frozen `Page`
with everything it needs. Every link a page makes (`Page.link`) carries the
language and the filters, so moving between pages keeps the view. Pages are registered as
plain data in PAGES; classic `pages/` auto-discovery runs them (GUIDE 1: never
st.navigation).
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.contract import access, roles
from core.contract.access import Scope
from core.contract.roles import User
from core.contract.filters import NO_FILTERS, Filters
from core.store import db, loads
import core.ui.cache as cache
import core.ui.auth as auth
from core.ui.filters import sidebar as filter_sidebar
from core.words import filters as filter_words
from core.words import glossary
from core.words import i18n

# The tab's icon, served by the app itself: a `:material/...:` icon or an emoji favicon is fetched
# from a public font or emoji server, and a regulator's network is often closed (no outside request).
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app.py, as st.page_link wants it
    label_key: str
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app.py", "nav.overview", ":material/monitoring:"),
    PageSpec("pages/3_Province.py", "nav.province", ":material/map:"),
    PageSpec("pages/4_Enterprise.py", "nav.enterprise", ":material/factory:"),
    PageSpec("pages/5_Market.py", "nav.market", ":material/candlestick_chart:"),
    PageSpec("pages/6_Intermediaries.py", "nav.agencies", ":material/account_tree:"),
    PageSpec("pages/10_Cases.py", "nav.cases", ":material/gavel:"),
    PageSpec("pages/7_Scenarios.py", "nav.scenarios", ":material/science:"),
    PageSpec("pages/1_Data.py", "nav.data", ":material/database:"),
    PageSpec("pages/2_Anomaly_Lab.py", "nav.lab", ":material/troubleshoot:"),
    PageSpec("pages/8_Glossary.py", "nav.glossary", ":material/menu_book:"),
    PageSpec("pages/9_Audit.py", "nav.audit", ":material/policy:"),
)

_LANG_WIDGET = "lang_switch"


@dataclass(frozen=True)
class Page:
    """What a page needs for one run: language, scope, connection and the data version."""

    lang: str
    scope: Scope
    con: db.Connection
    db_path: str
    data_version: str
    filters: Filters = NO_FILTERS  # with the run_id of the current assessment, if there is one
    user: User = roles.SYSTEM  # who is looking (core.ui.auth); `scope` is already narrowed to theirs

    @property
    def run_id(self) -> str | None:
        return self.filters.run_id

    def t(self, key: str, **kwargs) -> str:
        return i18n.t(key, self.lang, **kwargs)

    def help(self, key: str, **kwargs) -> str:
        """A widget's `?` help: the text, then a link to its glossary term (or the glossary)."""
        return glossary.help_text(key, self.lang, **kwargs)

    def link(self, **extra) -> dict[str, str]:
        """Query parameters for a link from this view: language, filters and `extra` (e.g.
        province="37"); None values are left out."""
        return {"lang": self.lang, **self.filters.to_query(), **{k: str(v) for k, v in extra.items() if v is not None}}

    def url(self, path: str, **extra) -> str:
        """A relative URL of another page with this view's language, filters and `extra`, for
        link columns and shareable links (Streamlit serves pages/3_Province.py at /Province)."""
        return page_url(path) + "?" + urlencode(self.link(**extra))

    def spec(self, build: Callable, *queries: Callable, query_params: dict | None = None, **options) -> dict:
        """A chart's Vega-Lite spec: `build(*frames, lang=..., **options)`, an Altair chart builder
        of core.ui.charts, through `derive`. Building an Altair chart validates it against the
        schema (10-100 ms each); a rerun must not pay that again."""
        return self.derive(_ChartSpec(build), *queries, query_params=query_params, **options)

    def derive(self, build: Callable, *queries: Callable, query_params: dict | None = None, **options):
        """`build(*frames, lang=..., **options)` on the frames of the page queries `queries` (each
        run with `query_params`), computed once per view, language and data version and then
        served from the cache: anything a page derives from query results alone (a chart spec,
        the written summary, the headline figures). `query_params` and `options` must be
        hashable; the result must be picklable."""
        return cache.derived(cache.qualname(build), tuple(cache.qualname(q) for q in queries),
                             cache.params_key(query_params or {}), cache.params_key(options), self.lang,
                             self.scope.key, self.filters, self.db_path, self.data_version,
                             _page=self, _build=build, _queries=queries)

    def key(self, name: str, *identity) -> str:
        """A widget key that changes with the data, scope and filters (and `identity`), so a
        selection made in one view does not survive into another (GUIDE 3)."""
        ident = repr((self.data_version, self.scope.key, self.filters, identity))
        return f"{name}-{hashlib.sha1(ident.encode()).hexdigest()[:10]}"

    def go(self, path: str, **extra) -> None:
        """Open another page with this view's language and filters (drill-down)."""
        st.switch_page(path, query_params=self.link(**extra))

    def within(self, scope: Scope) -> "Page":
        """The same page narrowed to `scope`, which must lie inside this page's scope: a narrower
        view can be asked for, a wider one never granted."""
        if not self.scope.contains(scope):
            raise PermissionError("the requested scope is wider than the user's access scope")
        return replace(self, scope=scope)

    @property
    def synthetic(self) -> bool:
        """The database holds the demo generator's data (core.store.loads.freshness): evaluation
        figures then measure the recovery of planted cases, and every page says so."""
        return bool(self.query(loads.freshness).iloc[0]["synthetic"])

    def query(self, fn: Callable, **params) -> pd.DataFrame:
        """A page query of the store (a function marked with core.store.sql.page_query, e.g.
        overview.emissions_by_year) for this page's scope and filters, cached until the data
        changes (queries that take no filters are cached once for every filter)."""
        kind = getattr(fn, "page_query", None)
        if kind is None:
            raise TypeError(f"{cache.qualname(fn)} is not a page query (core.store.sql.page_query)")
        takes_filters = kind in ("scoped", "filtered")
        return cache.query(cache.qualname(fn), self.scope.key, self.filters if takes_filters else NO_FILTERS,
                             cache.params_key(params), self.db_path, self.data_version, _fn=fn)


class _ChartSpec:
    """An Altair chart builder as a builder of its Vega-Lite dict (what the cache can keep),
    named after the builder so that the cache key tells charts apart."""

    def __init__(self, build: Callable):
        self.build = build
        self.__module__, self.__qualname__ = build.__module__, f"{build.__qualname__}.to_dict"

    def __call__(self, *frames, lang: str, **options) -> dict:
        return self.build(*frames, lang, **options).to_dict()


def page_url(path: str) -> str:
    """The URL path Streamlit gives a page file: "app.py" -> "/", "pages/3_Province.py" -> "/Province"."""
    if path == PAGES[0].path:
        return "/"
    return "/" + re.sub(r"^\d+_", "", Path(path).stem)


def page_setup(title_key: str, *, page_params: tuple[str, ...] = (), applies: tuple[str, ...] | None = None,
               not_applied_key: str | None = None) -> Page:
    """Config, language, navigation, title, scope, database and filters for one page run.
    `page_params` are the page's own URL parameters (e.g. "province"), kept when filters change.
    `applies`: the Filters fields the page applies (None: all); the active others are named under
    the title with `not_applied_key`'s words ({filters}), so that no filter seems to hold where it
    does not.

    Stops the run (st.stop) with a clear message when the scope is misconfigured or
    the database is missing or busy: a regulator sees what to do, not a traceback."""
    lang = i18n.parse_lang(st.query_params.get("lang"))
    st.set_page_config(page_title=f"{i18n.t(title_key, lang)} · CarbonWatch", page_icon=str(FAVICON),
                       layout="wide")
    nav = _sidebar(lang)
    if (note := i18n.lang_problem(st.query_params.get("lang"))) is not None:  # ?lang=xx: say the fallback
        st.sidebar.caption(note)
    title = st.empty()  # filled once the view's provinces are known (a province's view is not "National")
    title.title(i18n.t(title_key, lang))
    try:
        page = _open(lang, page_params)
    except _Refused as r:  # the navigation still renders, then what to do
        _nav_links(nav, lang, {"lang": lang})
        st.error(f"**{r.title}**\n\n{r.body}" if r.title else r.body, icon=":material/error:")
        st.stop()
    _nav_links(nav, lang, page.link())
    title.title(page_title(title_key, page))
    freshness(page)
    if applies is not None:
        unapplied = [f for f in page.filters.active() if f not in applies]
        if unapplied:
            shown = Filters(**{f: getattr(page.filters, f) for f in unapplied})
            st.caption(i18n.t(not_applied_key or "filters.not_applied", lang, filters=filter_words.describe(shown, lang, items_only=True)))
    return page


def freshness(page: Page) -> None:
    """The line under every page's title: how recent the data in the user's scope is, the market's
    last day, the last load (when, in Beijing time, and by whom), and a badge when the database holds
    the synthetic demo, so that nobody takes a planted case for a real one."""
    row = page.query(loads.freshness).iloc[0]
    t = page.t
    if pd.isna(row["loaded_at"]):
        st.caption(t("freshness.none"))
        return
    unknown = t("freshness.unknown")
    line = t("freshness.line",
             data=i18n.fmt_period(row["data_as_of"], page.lang) if pd.notna(row["data_as_of"]) else unknown,
             market=i18n.fmt_date(row["market_as_of"], page.lang) if pd.notna(row["market_as_of"]) else unknown,
             when=i18n.fmt_datetime(row["loaded_at"], page.lang),
             who=i18n.md_literal(row["loaded_by"]) if isinstance(row["loaded_by"], str) and row["loaded_by"] else unknown,
             source=i18n.md_literal(row["source"]))
    if bool(row["synthetic"]):  # the same fact as Page.synthetic
        line = f":orange-badge[:material/science: {t('freshness.synthetic')}] {line}"
    if page.user.source == "demo":  # nobody signed in: say so on every page, beside the data's age
        line = f":violet-badge[:material/person_off: {t('auth.demo.badge')}] {line}"
    st.caption(line, help=page.help("freshness.synthetic.help") if bool(row["synthetic"]) else None)


def page_title(title_key: str, page: Page) -> str:
    """The page's title for its view: a page whose title names the nation ("National carbon market
    overview") has a `<key>.region` form used when the view is narrowed to provinces, by the
    sidebar filter or by the user's access scope."""
    codes = page.filters.provinces or (sorted(page.scope.provinces) if page.scope.provinces is not None else ())
    key = f"{title_key}.region"
    if not codes or key not in i18n.STRINGS:
        return i18n.t(title_key, page.lang)
    names = access.province_names()
    return i18n.t(key, page.lang, region=i18n.fmt_list((names[c][page.lang] for c in codes), page.lang))


class _Refused(Exception):
    def __init__(self, body: str, title: str | None = None):
        super().__init__(body)
        self.body, self.title = body, title


def _open(lang: str, page_params: tuple[str, ...]) -> Page:
    """Scope, database, current assessment and filters, or a stop with what to do."""
    try:
        deployment = access.scope_from_env()
    except access.ScopeError as e:
        _stop_with(i18n.t("scope.invalid", lang, value=os.environ.get(access.ENV_VAR, ""), problem=e))

    path = db.resolve_path()
    if not path.exists():
        _stop_with(i18n.t("db.missing.body", lang, path=path), title=i18n.t("db.missing.title", lang))
    try:
        con = cache.connection(str(path))
    except db.DatabaseBusy:
        _stop_with(i18n.t("db.busy", lang, path=path))
    try:
        user = auth.identify(con, lang)  # the sign-in form, or who is signed in
    except auth.SignInRequired:
        st.stop()
    scope = user.within(deployment)  # the signed-in scope: every query below gets it, nothing widens it
    auth.account_box(con, user, lang)
    st.sidebar.caption(scope_label(scope, lang))
    version = db.data_version(con)
    base = Page(lang=lang, scope=scope, con=con, db_path=str(path), data_version=version,
                filters=NO_FILTERS.with_run(cache.assessment_id(str(path), version)), user=user)
    return replace(base, filters=filter_sidebar(base, page_params))


# --- language and navigation ---------------------------------------------------------------

def _set_lang_from_widget() -> None:
    st.query_params["lang"] = st.session_state[_LANG_WIDGET]


def _sidebar(lang: str):
    sb = st.sidebar
    sb.markdown(f"**{i18n.t('app.name', lang)}**")
    # Keep the switch in step with the URL (a nav link or a shared link may have changed it).
    st.session_state[_LANG_WIDGET] = lang
    sb.segmented_control(i18n.t("lang.label", lang), i18n.LANGS, key=_LANG_WIDGET, required=True,
                         format_func=i18n.LANG_NAMES.get, on_change=_set_lang_from_widget)
    return sb.container()  # navigation goes here, once the filters it carries are known


def _nav_links(box, lang: str, link: dict[str, str]) -> None:
    box.caption(i18n.t("nav.heading", lang))
    for p in PAGES:
        box.page_link(p.path, label=i18n.t(p.label_key, lang), icon=p.icon, query_params=link)


def scope_label(scope: Scope, lang: str) -> str:
    if scope.provinces is None:
        return i18n.t("scope.national", lang)
    names = access.province_names()
    provinces = i18n.fmt_list((names[c][lang] for c in sorted(scope.provinces)), lang)
    return i18n.t("scope.provinces", lang, provinces=provinces)


def _stop_with(body: str, title: str | None = None) -> None:
    raise _Refused(body, title)
