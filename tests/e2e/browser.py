"""The browser side of the quality harness, shared by the journeys (tests/e2e) and the
benchmark (tests/bench): a `streamlit run` server on a free port, Debian's Chromium driven
by Playwright, and waiting for a page to be *rendered* by asking the app, never by sleeping.

Streamlit publishes its state on the root element (GUIDE 2, streamlit's own e2e tests):
`[data-testid=stApp][data-test-connection-state=CONNECTED]` once the websocket is up, and
`data-test-script-state` going initial -> running -> notRunning for every script run.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

from core.store import db

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
# Debian's Chromium (GUIDE 4); Playwright's own browser download does not work here.
CHROMIUM = Path(os.environ.get("CARBONWATCH_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 30_000

CONNECTED = "[data-testid=stApp][data-test-connection-state=CONNECTED]"
NOT_RUNNING = "[data-testid=stApp][data-test-script-state=notRunning]"
# Rendered: the script run has ended, no element is still a loading skeleton and every Vega-Lite
# chart has drawn its SVG or canvas (charts draw after the run ends). Returns the page's own clock
# (ms since navigation started) so a benchmark is not quantised by Playwright's polling.
_RENDERED = f"""() => {{
    if (!document.querySelector('{NOT_RUNNING}') || document.querySelector('[data-testid=stSkeleton]')) return false;
    const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
    return charts.every(c => c.querySelector('svg, canvas')) && performance.now();
}}"""
_CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent]')]
        .map(e => e.scrollHeight))"""


def chromium_missing() -> str | None:
    """Why the browser parts cannot run here, or None when they can."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"Chromium not found at {CHROMIUM}: run `make chromium` (installs Debian's chromium and "
                f"fonts-noto-cjk with apt; needs root) or set CARBONWATCH_CHROMIUM")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: `make venv` installs requirements-dev.txt"
    return None


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_path(page_path: str) -> str:
    """The URL path Streamlit serves a registered page at: app.py -> "/", pages/1_Data.py -> "/Data"."""
    from streamlit.source_util import page_icon_and_name

    return "/" if page_path == "app.py" else "/" + page_icon_and_name(Path(page_path))[1]


class AppServer:
    """`streamlit run app.py` on 127.0.0.1:<free port> over `db_path`, national scope.

    Use as a context manager; `start()` returns once /_stcore/health answers "ok". The server
    holds the database file while it runs (DuckDB's lock), so give it a file of its own."""

    def __init__(self, db_path: Path | str, port: int | None = None, env: dict[str, str] | None = None):
        self.db_path = Path(db_path)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.pages_opened = 0  # counted by open_page: 0 means no script has run yet
        self._log = tempfile.NamedTemporaryFile("w+", prefix="streamlit-", suffix=".log", encoding="utf-8")

    def __enter__(self) -> "AppServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                "--server.address", "127.0.0.1", "--server.port", str(self.port)]

    def start(self, timeout_s: float = 60) -> "AppServer":
        env = {k: v for k, v in os.environ.items() if k != "CARBONWATCH_SCOPE"}  # national unless told
        env.update({db.ENV_VAR: str(self.db_path), **self.env})
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_healthy(timeout_s)
        return self

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)  # polling interval of the health probe, not a wait for rendering
        self.stop()
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout_s:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: nothing else is signalled
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def log(self, tail: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-tail:]

    def url(self, page_path: str = "app.py", **query: str) -> str:
        return self.base_url + url_path(page_path) + (f"?{urlencode(query)}" if query else "")

    def peak_rss_mb(self) -> float:
        """High-water resident memory (VmHWM) of the server and its child processes, in MiB."""
        return sum(_status_kb(pid, "VmHWM") for pid in _process_tree(self.proc.pid)) / 1024

    def rss_mb(self) -> float:
        return sum(_status_kb(pid, "VmRSS") for pid in _process_tree(self.proc.pid)) / 1024

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server and its children have used so far."""
        ticks = 0
        for pid in _process_tree(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return ticks / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else 0


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


# --- the browser -----------------------------------------------------------------------------

def launch_chromium(playwright):
    """Debian's Chromium, headless, through Playwright's executable_path."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))


def new_context(browser):
    """A fresh browser profile (cookies, cache, session) with our viewport and timeout."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_page(page, server: AppServer, page_path: str = "app.py", **query: str) -> float:
    """Navigate to a registered page (with query parameters) and wait until it has rendered;
    returns the ms from the start of the navigation to the rendered page (the page's clock)."""
    server.pages_opened += 1
    page.goto(server.url(page_path, **query))
    return wait_for_render(page)


def wait_for_render(page, timeout_ms: int = TIMEOUT_MS) -> float:
    """Wait until the app is connected, then until its script run has finished and everything it
    sent has drawn, checked on every animation frame; then for the fonts. Returns the page's
    clock at that moment (ms since the navigation began).

    Call it after a navigation. After an interaction, first wait for something the new run shows
    (its URL, a heading): the previous run's `notRunning` stays on the page until the rerun starts."""
    page.wait_for_function(f"() => !!document.querySelector('{CONNECTED}')", polling="raf", timeout=timeout_ms)
    rendered_at = page.wait_for_function(_RENDERED, polling="raf", timeout=timeout_ms).json_value()
    page.evaluate("document.fonts.ready.then(() => true)")
    return float(rendered_at)


def screenshot(page, name: str, folder: Path = ARTIFACTS) -> Path:
    """A full-page PNG: Streamlit scrolls inside stMain, so grow the viewport to the content first."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    size = page.viewport_size or VIEWPORT
    height = min(int(page.evaluate(_CONTENT_HEIGHT)), 12_000)
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    try:
        wait_for_render(page)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def copy_db(src: Path, dest_dir: Path) -> Path:
    """A private copy of a closed database for a server process (the server locks its file)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / Path(src).name
    shutil.copyfile(src, dest)
    return dest
