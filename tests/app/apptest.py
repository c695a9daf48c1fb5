"""How the AppTests open a page: as a user does, or by a link that is the session's first request."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def open_page(path: str = "app.py", *, timeout: float = TIMEOUT, session: dict | None = None, **query: str) -> AppTest:
    """Start from app.py with the URL's query parameters (and `session` state set before the first
    run, e.g. the demo mode's role), then switch to `path` (GUIDE 4)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (session or {}).items():
        at.session_state[k] = v
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if path == "app.py":
        return at
    at.switch_page(path)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def deep_link(path: str, *, timeout: float = TIMEOUT, **query: str) -> AppTest:
    """A fresh session whose first request is the page's URL (no run of app.py before it)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(path)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()
