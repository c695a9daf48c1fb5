"""Concurrent sessions at the protocol level: the server's side of N people opening a page at once.

A browser session is one websocket to `/_stcore/stream`. The frontend's first message is a
BackMsg `rerun_script` with the page's query string; the server answers with ForwardMsgs (every
element of the page) until `script_finished`. `open_session` sends that message and reads the
answer to the end, parsing every message but drawing nothing, so N of them measure what the server
does for N sessions without N browsers taking the same cores.

Why not N Chromium pages on the bench machine: on 2 cores, five local renderers use about 87 % of
the CPU while they draw (10.5 of 12 CPU-seconds for five Overviews, the server 1.5), and even a
hello-world Streamlit page (a title and one line) takes 0.7 s alone and 3.1 s five at once there.
What five people at their own desks wait for is the server's time under five sessions plus their
own browser's drawing, which `browser_timings` of the harness measures on one page (the time
from the last message to the drawn page); the harness reports both, and the five local browsers too.
"""
from __future__ import annotations

import asyncio
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass(frozen=True)
class Session:
    """One page run as a client sees it: ms from connecting to `script_finished`, the messages
    and bytes received, and the elements among them (deltas that add an element)."""

    ms: float
    messages: int
    bytes: int
    elements: int


def _rerun(base_url: str, page: str, query: dict[str, str]) -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = urlencode(query)
    state.widget_states.SetInParent()
    if page.strip("/"):
        state.page_name = page.strip("/")
    info = state.context_info
    info.timezone, info.locale, info.color_scheme = "UTC", "en-US", "light"
    info.url = base_url + page
    return msg.SerializeToString()


async def open_session(base_url: str, page: str = "/", query: dict[str, str] | None = None,
                       timeout_s: float = 60) -> Session:
    """Connect as a new browser session, ask for `page` with `query`, read until the run ends.
    Raises RuntimeError when the run ends with an exception or the server closes first."""
    started = time.perf_counter()
    uri = base_url.replace("http", "ws", 1) + "/_stcore/stream"
    messages = size = elements = 0
    async with websockets.connect(uri, subprotocols=["streamlit"], origin=base_url, max_size=None,
                                  open_timeout=timeout_s) as ws:
        await ws.send(_rerun(base_url, page, query or {}))
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout_s)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            messages, size = messages + 1, size + len(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                elements += 1
                if msg.delta.new_element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"the page raised: {msg.delta.new_element.exception.message}")
            if kind == "script_finished":
                return Session((time.perf_counter() - started) * 1000, messages, size, elements)


def run(coro):
    """Run a coroutine on an event loop of its own thread (the caller may be inside Playwright's
    sync API, whose thread already runs a loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _many(base_url: str, page: str, queries: list[dict[str, str]]) -> list[Session]:
    return list(await asyncio.gather(*(open_session(base_url, page, q) for q in queries)))


def concurrent_sessions(server, page: str = "/", sessions: int = 5, repeats: int = 3,
                        langs: tuple[str, ...] = ("en", "zh")) -> dict:
    """One session at a time (`repeats` times, median) and then `sessions` at once (`repeats`
    rounds, median of the slowest of each round) against a running `AppServer`, after one warm-up
    run per language; with the server's CPU seconds per round of `sessions`."""
    base = server.base_url
    for lang in langs:  # warm the server's caches for every language the rounds use
        run(open_session(base, page, {"lang": lang}))
    one = [run(open_session(base, page, {"lang": langs[i % len(langs)]})) for i in range(repeats)]
    rounds, cpu = [], []
    for _ in range(repeats):
        cpu0, t0 = server.cpu_s(), time.perf_counter()
        got = run(_many(base, page, [{"lang": langs[i % len(langs)]} for i in range(sessions)]))
        rounds.append(((time.perf_counter() - t0) * 1000, got))
        cpu.append((server.cpu_s() - cpu0) * 1000)
    single = statistics.median(s.ms for s in one)
    slowest = statistics.median(ms for ms, _ in rounds)
    return {"sessions": sessions, "page": page,
            "one_ms": round(single, 1), "one_runs_ms": [round(s.ms, 1) for s in one],
            "all_ms": round(slowest, 1), "rounds_ms": [round(ms, 1) for ms, _ in rounds],
            "ratio": round(slowest / single, 2) if single else None,
            "server_cpu_per_round_ms": [round(c, 1) for c in cpu],
            "messages": one[0].messages, "bytes": one[0].bytes, "elements": one[0].elements}
