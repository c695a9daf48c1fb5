"""The Streamlit glue: the only package besides app.py and pages/ that imports streamlit."""
from core.ui.page import PAGES, Page, clear_query_cache, page_setup

__all__ = ["PAGES", "Page", "clear_query_cache", "page_setup"]
