"""Every page query of the store, as plain data: the bench times each one against its raw SQL
and the tests run each one on every scope. Pages call the functions themselves
(`page.query(overview.emissions_by_year)`); this list is for enumeration only."""
from __future__ import annotations

from core.store import campaigns, cases, changes, dossiers, intermediaries, loads, overview, risk_views, surveillance

MODULES = (overview, loads, risk_views, changes, dossiers, surveillance, intermediaries, cases, campaigns)
PAGE_QUERIES = tuple(fn for m in MODULES for fn in vars(m).values()
                     if callable(fn) and getattr(fn, "page_query", None) and fn.__module__ == m.__name__)


def of_kind(kind: str) -> dict:
    """name -> function of the page queries of one kind (core.store.sql.PAGE_QUERY_KINDS)."""
    return {fn.__name__: fn for fn in PAGE_QUERIES if fn.page_query == kind}


SCOPED = of_kind("scoped")
UNFILTERED = of_kind("unfiltered")
FILTERED = of_kind("filtered")
NATIONAL = of_kind("national")
