"""The product's one clock: Beijing time (UTC+8; China has no daylight saving).

The contract's own timestamps (a report's submitted_at, a trade's ts) are Beijing wall-clock time
without an offset, and so is every time the product writes into the database (load_log.loaded_at,
model_runs.created_at, scenarios.created_at; see core.store.ddl). `now()` is what writers store;
the pages show any of them through core.words.i18n.fmt_datetime, which names the zone.
"""
from __future__ import annotations

import datetime as dt

BEIJING_TZ = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def now_aware() -> dt.datetime:
    """Now in Beijing time, to the second, time-zone aware (it converts correctly wherever it goes)."""
    return dt.datetime.now(BEIJING_TZ).replace(microsecond=0)


def now() -> dt.datetime:
    """Now as naive Beijing wall-clock time, to the second: what the database stores."""
    return now_aware().replace(tzinfo=None)


def wall_clock(when: dt.datetime) -> dt.datetime:
    """`when` as naive Beijing wall-clock time: an aware time is converted, a naive one already is."""
    return when.astimezone(BEIJING_TZ).replace(tzinfo=None) if when.tzinfo else when
