"""The one public cache of the ui: the process's database connection, page-query results and
what is derived from them per view (chart specs, written summaries), and the current assessment's
id, all keyed by small hashable values (a function's qualified name, the scope key, the frozen
filters, the data version; GUIDE 3).
Page (core/ui/page.py) and the page glue modules read through it; a load or a model run clears it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from core.contract.access import Scope
from core.contract.filters import Filters
from core.insight import runs
from core.store import db


def assessment_changed() -> None:
    """After a model run: the default assessment may exist now (its id is cached per data version)."""
    assessment_id.clear()


def clear() -> None:
    """After a load: drop every cached result (the data version changes too; this frees memory)."""
    _query.clear()
    derived.clear()
    assessment_id.clear()


@st.cache_resource(show_spinner=False)
def connection(path: str) -> db.Connection:
    """One connection per process (GUIDE 3); every query takes its own cursor from it."""
    if not Path(path).exists():  # never create an empty database behind the user's back
        raise FileNotFoundError(path)
    return db.connect(path)


def params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def qualname(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@st.cache_data(show_spinner=False, max_entries=512)
def derived(name: str, query_names: tuple[str, ...], query_params: tuple, options: tuple, lang: str,
            scope_key, flt: Filters, db_path: str, data_version: str, *, _page,
            _build: Callable, _queries: tuple[Callable, ...]):
    """`_build(*frames, lang=lang, **options)` on the page queries' frames, once per view and
    language: chart specs, the written summary, display tables. `name` (the builder's qualified
    name) and the view key the cache; `_build`, `_queries` and `_page` are not hashed."""
    frames = [_page.query(q, **dict(query_params)) for q in _queries]
    return _build(*frames, lang=lang, **dict(options))


@st.cache_data(show_spinner=False, max_entries=64)
def assessment_id(db_path: str, data_version: str) -> str | None:
    """The default national assessment of this data version (core.cli demo stores it), if made."""
    run = runs.latest_assessment(connection(db_path))
    return run.run_id if run is not None else None


def query(name: str, scope_key: tuple[str, ...] | None, flt: Filters, params: tuple, db_path: str,
          data_version: str, *, _fn: Callable) -> pd.DataFrame:
    """`name` (the function's qualified name) and the view key the cache; `_fn` is not hashed.

    The key Streamlit hashes is one string, the repr of all six (Filters is a frozen dataclass whose
    repr names every field): hashing the Filters object itself took 0.3 ms a call, a string 0.03 ms,
    and a page makes a dozen calls a run (the bench's small queries paid it twice per miss)."""
    frame = _query(repr((name, scope_key, flt, params, db_path, data_version)), _scope_key=scope_key, _flt=flt,
                   _params=params, _db_path=db_path, _fn=_fn)
    # The cached frame itself is shared by every session; each caller gets a shallow copy, which
    # under pandas 3's copy-on-write copies data only when the caller writes to it, so no page can
    # change what another reads. (st.cache_data would unpickle a deep copy on every read: 8 % of a
    # warm Overview run, py-spy.)
    return frame.copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=1024)
def _query(key: str, *, _scope_key: tuple[str, ...] | None, _flt: Filters, _params: tuple, _db_path: str,
           _fn: Callable) -> pd.DataFrame:
    con = connection(_db_path)
    kind, params = _fn.page_query, dict(_params)
    if kind == "national":
        return _fn(con, **params)
    if kind == "filtered":
        return _fn(con, _flt, **params)
    scope = Scope.from_key(_scope_key)
    if kind == "unfiltered":
        return _fn(con, scope, **params)
    return _fn(con, scope, _flt, **params)
