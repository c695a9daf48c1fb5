"""Fixtures of the browser tests: Chromium once per session (one Playwright per process), a fresh
browser context per test."""
from __future__ import annotations

import os

import pytest

from tests.e2e import browser


@pytest.fixture(scope="session")
def chromium_ready() -> None:
    reason = browser.chromium_missing()
    if reason:
        if os.environ.get("CARBONWATCH_E2E") == "require":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium(chromium_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = browser.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(chromium):
    context = browser.new_context(chromium)
    yield context.new_page()
    context.close()
