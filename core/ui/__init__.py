"""The Streamlit glue: the only package besides app.py and pages/ that imports streamlit."""
from core.ui.page import PAGES, Page, page_setup

__all__ = ["PAGES", "Page", "page_setup"]
