"""The global filters in the sidebar, kept in the URL (core.contract.filters holds the logic).

The URL is the truth: every run parses the filters from st.query_params, puts them
into the widgets, and a widget change writes the new filters back to the URL (which
reruns the page). So any filtered view is a link, the browser's back button works,
and moving between pages (whose links carry Page.link()) keeps the filters.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from core.contract import schema
from core.contract.filters import BANDS, PARAMS, FilterProblem, Filters
from core.engine.rules import RULES
from core.store import overview
from core.words import filters as filter_words
from core.words import i18n
from core.words import labels as label_words

_KEY = "flt_"  # widget keys: flt_<field>
LIST_FIELDS = ("provinces", "unit_classes", "groups", "consultants", "labs", "verifiers", "bands", "rules")


def sidebar(page, page_params: tuple[str, ...]) -> Filters:
    """Parse, validate and show the filters; returns them with the page's assessment run."""
    from core.contract import access

    lang = page.lang
    flt, problems = Filters.parse(st.query_params.to_dict(), set(access.province_names()), set(RULES))
    outside = [p for p in flt.provinces if not page.scope.allows(p)]
    if outside:  # a shared link grants nothing: provinces outside the user's scope are dropped
        flt = Filters(**{**_fields(flt), "provinces": tuple(p for p in flt.provinces if p not in outside)})
    flt = flt.with_run(page.run_id)

    choices = page.derive(_choice_lists, overview.filter_choices)
    flt, absent = known_only(flt, choices)
    problems = [*problems, *absent]
    box = st.sidebar.expander(i18n.t("filters.title", lang) + _count(flt, lang), expanded=not flt.is_empty(),
                              icon=":material/filter_alt:")
    # What the URL asked for and the view does not do is said in the page itself, under its title,
    # where the reader looks (the widgets then show what is applied): a range given in reverse was
    # used, swapped (a note); anything else was ignored.
    for p in problems:
        (st.info if p.swapped else st.warning)(filter_words.problem(p, lang, slider_mw=choices["capacity"]),
                                               icon=":material/filter_alt_off:")
    for code in outside:
        st.warning(i18n.t("filters.outside_scope", lang, code=code), icon=":material/block:")
    if flt.needs_run() and flt.run_id is None:
        box.warning(i18n.t("filters.no_run", lang))
    _sync_widgets(flt, choices)
    _widgets(box, page, choices, page_params)
    return flt


_NAMED = (("groups", "grp", "group"), ("consultants", "cons", "consultant"), ("labs", "lab", "lab"),
          ("verifiers", "ver", "verifier"))


def known_only(flt: Filters, choices: dict) -> tuple[Filters, list[FilterProblem]]:
    """`flt` without the group and intermediary ids that are not in the data of this scope, each
    named as a problem: a link's unknown value must not silently empty every view while the
    widgets say "All"."""
    problems, kept = [], {}
    for field, param, kind in _NAMED:
        values = getattr(flt, field)
        known = [v for v in values if v in choices[kind]]
        problems += [FilterProblem(param, v[:40], "not in the data", "absent") for v in values if v not in choices[kind]]
        if len(known) != len(values):
            kept[field] = tuple(known)
    return (replace(flt, **kept) if kept else flt), problems


def _fields(flt: Filters) -> dict:
    return {f: getattr(flt, f) for f in PARAMS.values()}


def _count(flt: Filters, lang: str) -> str:
    n = len(flt.active())
    return f" ({n})" if n else ""


def _choice_lists(choices: pd.DataFrame, lang: str) -> dict:
    """The filter_choices rows by kind, once per data version (Page.derive): months, the largest
    capacity, and id -> name for the groups and intermediaries."""
    by_kind = {kind: rows for kind, rows in choices.groupby("kind", sort=False)}
    empty = choices.iloc[0:0]
    cap = by_kind.get("capacity", empty)["id"]
    out = {"period": by_kind.get("period", empty)["id"].tolist(),
           "capacity": float(cap.iloc[0]) if len(cap) and pd.notna(cap.iloc[0]) else 1000.0}
    for kind in ("group", "consultant", "lab", "verifier"):
        rows = by_kind.get(kind, empty)
        out[kind] = dict(zip(rows["id"], rows["name"]))
    return out


def _sync_widgets(flt: Filters, choices: dict) -> None:
    """Put the URL's filters into the widgets (a link or the back button may have changed them)."""
    months = choices["period"]
    if months:
        lo = flt.to_query().get("from", months[0])
        hi = flt.to_query().get("to", months[-1])
        st.session_state[_KEY + "period"] = (_clamp(lo, months), _clamp(hi, months))
    cap_max = choices["capacity"]
    st.session_state[_KEY + "capacity"] = (min(flt.capacity_min or 0.0, cap_max),
                                           min(flt.capacity_max if flt.capacity_max is not None else cap_max, cap_max))
    for f in LIST_FIELDS:
        st.session_state[_KEY + f] = list(getattr(flt, f))


def _clamp(month: str, months: list[str]) -> str:
    return min(max(month, months[0]), months[-1])


def _widgets(box, page, choices: dict, page_params: tuple[str, ...]) -> None:
    lang, t = page.lang, page.t
    on_change = dict(on_change=_write_url, args=(choices, page_params))
    months = choices["period"]
    if len(months) > 1:
        # value= makes it a range slider: with the range in session state only, Streamlit 1.67 reads
        # the two ends sent back on the next rerun as one month and fires on_change with a string
        box.select_slider(t("filters.period"), months, value=(months[0], months[-1]), key=_KEY + "period",
                          format_func=lambda m: i18n.fmt_period(pd.Timestamp(m + "-01"), lang), **on_change)
    names = _province_names(page)
    box.multiselect(t("filters.provinces"), list(names), key=_KEY + "provinces", format_func=names.get,
                    placeholder=t("filters.all"), **on_change)
    box.multiselect(t("filters.unit_classes"), list(schema.UNIT_CLASSES), key=_KEY + "unit_classes",
                    format_func=lambda c: i18n.t(f"unit_class.{c}", lang), placeholder=t("filters.all"), **on_change)
    cap_max = choices["capacity"]
    box.slider(t("filters.capacity"), 0.0, cap_max, key=_KEY + "capacity", step=10.0, format="%d MW", **on_change)
    for field, kind in (("groups", "group"), ("consultants", "consultant"), ("labs", "lab"),
                        ("verifiers", "verifier")):
        opts = choices[kind]
        box.multiselect(t(f"filters.{field}"), list(opts), key=_KEY + field, placeholder=t("filters.all"),
                        format_func=lambda i, o=opts: o.get(i) or i, **on_change)
    box.multiselect(t("filters.bands"), list(BANDS), key=_KEY + "bands", placeholder=t("filters.all"),
                    format_func=lambda b: i18n.t(f"band.{b}", lang), **on_change)
    box.multiselect(t("filters.rules"), list(RULES), key=_KEY + "rules", placeholder=t("filters.all"),
                    format_func=lambda r: f"{r} {label_words.rule_title(r, lang)}", **on_change)
    box.button(t("filters.clear"), key=_KEY + "clear", on_click=_clear_url, args=(page_params,),
               icon=":material/filter_alt_off:", width="stretch")


def _province_names(page) -> dict[str, str]:
    from core.contract import access

    names = access.province_names()
    codes = sorted(names) if page.scope.provinces is None else sorted(page.scope.provinces)
    return {c: names[c][page.lang] for c in codes}


def _from_widgets(choices: dict) -> Filters:
    """The filters the widgets now show; full ranges mean no filter, so links stay short."""
    s = st.session_state
    values: dict = {f: tuple(sorted(s.get(_KEY + f) or ())) for f in LIST_FIELDS}
    months = choices["period"]
    lo, hi = s.get(_KEY + "period", (None, None)) if months else (None, None)
    query = {}
    if lo and lo != months[0]:
        query["from"] = lo
    if hi and hi != months[-1]:
        query["to"] = hi
    cap_lo, cap_hi = s.get(_KEY + "capacity", (0.0, None))
    if cap_lo:
        query["capmin"] = f"{cap_lo:g}"
    if cap_hi is not None and cap_hi < choices["capacity"]:
        query["capmax"] = f"{cap_hi:g}"
    parsed, _ = Filters.parse(query)
    return Filters(**{**_fields(parsed), **values})


def _write_url(choices: dict, page_params: tuple[str, ...]) -> None:
    _replace_url(_from_widgets(choices), page_params)


def _clear_url(page_params: tuple[str, ...]) -> None:
    _replace_url(Filters(), page_params)


def narrow(flt: Filters, page_params: tuple[str, ...] = (), **changes) -> None:
    """Drill-down by filtering: add `changes` (field -> tuple of values) to the filters in the URL;
    the page reruns with every query narrowed."""
    _replace_url(replace(flt, **changes), page_params)


def _replace_url(flt: Filters, page_params: tuple[str, ...]) -> None:
    """Set the URL to the language, the page's own parameters and `flt`."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if k == "lang" or k in page_params}
    st.query_params.from_dict({**keep, **flt.to_query()})
