"""Every word the user reads, in English and simplified Chinese, and how numbers look.

The words live in catalogues, one TOML file per language and feature
(`locales/<lang>/<feature>.toml`), loaded at import into one dictionary of keys -> {lang: text};
`t()` raises on a missing key, so a typo fails a test instead of showing "overview.titel" to a
regulator. The formatters follow each audience's habits: 万/亿 for Chinese readers, k/M/G for
English.
"""
from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pandas as pd
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from core.contract import clock

DEFAULT_LANG = "en"
LOCALES_DIR = Path(__file__).with_name("locales")


def load_catalogues(root: Path = LOCALES_DIR) -> tuple[tuple[str, ...], dict[str, dict], dict[str, dict[str, str]]]:
    """(languages, {lang: its _meta.toml}, {key: {lang: text}}) from `root/<lang>/*.toml`.

    Every folder is a language (English first, then the rest sorted), so adding a language is
    adding a folder; `_meta.toml` holds its name and CLDR locale, every other file a flat table
    of quoted dotted keys. A key given twice within one language is an error (TOML itself
    refuses a repeat within one file), and so is a value that is not a string (an unquoted
    dotted key would make a nested table).
    """
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    langs = tuple(sorted((p.name for p in folders), key=lambda lang: (lang != DEFAULT_LANG, lang)))
    meta: dict[str, dict] = {}
    strings: dict[str, dict[str, str]] = {}
    for lang in langs:
        meta[lang] = tomllib.loads((root / lang / "_meta.toml").read_text(encoding="utf-8"))
        seen: dict[str, str] = {}
        for path in sorted((root / lang).glob("*.toml")):
            if path.name.startswith("_"):
                continue
            for key, text in tomllib.loads(path.read_text(encoding="utf-8")).items():
                if not isinstance(text, str):
                    raise ValueError(f"{path}: {key!r} is not a string (quote dotted keys)")
                if key in seen:
                    raise ValueError(f"{lang}: {key!r} is defined in both {seen[key]} and {path.name}")
                seen[key] = path.name
                strings.setdefault(key, {})[lang] = text
    return langs, meta, strings


LANGS, META, STRINGS = load_catalogues()
# Language names are shown in their own language, whatever the current one.
LANG_NAMES = {lang: META[lang]["name"] for lang in LANGS}


def t(key: str, lang: str, **kwargs) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from kwargs."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    text = STRINGS[key][lang]  # KeyError on a missing key, by design
    return text.format(**kwargs) if kwargs else text


def parse_lang(value) -> str:
    """A language from an untrusted source (URL); anything unknown is the default (lang_problem
    says so on the page)."""
    return value if value in LANGS else DEFAULT_LANG


def lang_problem(value) -> str | None:
    """The note a page shows when the URL asks for a language we do not have ("Language `xx` is
    not available; showing English."), in the language shown instead; None when `value` is one of
    ours or absent. The value is URL text: quoted as code, backticks replaced, cut short."""
    if value is None or value == "" or value in LANGS:
        return None
    shown = parse_lang(value)
    return t("lang.unavailable", shown, value=str(value).replace("`", "'")[:20], shown=LANG_NAMES[shown],
             available=fmt_list((LANG_NAMES[lang] for lang in LANGS), shown))


# --- numbers -----------------------------------------------------------------------------
# Digits, grouping, signs and percent signs are Babel's (CLDR), in each language's locale from its
# _meta.toml. Babel is handed the float's exact binary value (Decimal(x), in a context wide enough
# to hold it) so that it rounds exactly as Python's own formatting does: half to even on the true
# value. Given the float (it converts via str()) it would round 2.675 to 2.68 where f"{2.675:.2f}"
# shows 2.67, and a shown figure would change.
MISSING = "—"
LOCALES = {lang: Locale.parse(META[lang]["locale"]) for lang in LANGS}
_EXACT = decimal.Context(prec=800, rounding=decimal.ROUND_HALF_EVEN)
_pattern = functools.lru_cache(maxsize=None)(babel_numbers.parse_pattern)  # parsed once, not per cell


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _babel(x: float, pattern: str, lang: str, percent: bool = False) -> str:
    """x through a CLDR number pattern; `percent`: x is already the percentage (a float product
    v * 100, whose rounding is what the app has always shown), so Babel's own scaling by 100 is
    undone first. An infinity reads "inf" as it always has, not CLDR's "∞"."""
    with decimal.localcontext(_EXACT):
        d = Decimal(x).scaleb(-2) if percent else Decimal(x)
        text = _pattern(pattern).apply(d, LOCALES[lang])  # what format_decimal / format_percent do
    return text.replace("∞", "inf")


def _decimals(n: int) -> str:
    return "." + "0" * n if n else ""


def _grouped(v: float, decimals: int, lang: str) -> str:
    """1,234.5: grouped, a fixed number of decimals."""
    return _babel(v, "#,##0" + _decimals(decimals), lang)


def _sig3(v: float, lang: str) -> str:
    """About three significant figures: 4.53, 45.3, 453, 4,530."""
    a = abs(v)
    decimals = 2 if a < 10 else 1 if a < 100 else 0
    return _grouped(v, decimals, lang)


# How each language scales amounts is data (`[units]` in its _meta.toml): (threshold, divisor,
# suffix) ladders, largest first. Not Babel's format_compact_decimal: CLDR's compact forms drop the
# grouping (1234.5万, where the app shows 1,234.5万吨), keep a fixed number of decimals (1.5亿 for
# 1.51亿吨) and scale English by thousand/million/billion (12.3M, CN¥320M) where tonnes take SI
# prefixes (12.3 Mt) and yuan the newspaper style (CNY 320 m).
UNITS = {lang: META[lang]["units"] for lang in LANGS}
_LADDERS = {lang: {kind: tuple(tuple(step) for step in UNITS[lang][kind]) for kind in ("tonnes", "cny", "mw")}
            for lang in LANGS}


def _step(v: float, steps) -> tuple[float, str]:
    for threshold, divisor, suffix in steps:
        if abs(v) >= threshold:
            return divisor, suffix
    return steps[-1][1], steps[-1][2]


def _scaled(v, lang: str, kind: str) -> str:
    if _missing(v):
        return MISSING
    divisor, suffix = _step(float(v), _LADDERS[lang][kind])
    x = float(v) / divisor
    if divisor == 1 or suffix in UNITS[lang]["whole"]:
        return _grouped(x, 0, lang) + suffix
    # "fixed" keeps a decimal (45.3亿吨, 1,234.5万吨; two below ten: 1.51亿吨);
    # "sig3" about three significant figures (4.53 Gt, 151 Mt).
    if UNITS[lang]["scaled"] == "fixed":
        return _grouped(x, 2 if abs(x) < 10 else 1, lang) + suffix
    return _sig3(x, lang) + suffix


def tonnes_unit(v: float, lang: str) -> tuple[float, str]:
    """(divisor, unit) a chart axis should use for values up to `v`, matching fmt_tonnes."""
    divisor, suffix = _step(float(v or 0), _LADDERS[lang]["tonnes"])
    return divisor, suffix.strip()


def tonnes_column_unit(largest: float, lang: str) -> tuple[float, str]:
    """(divisor, unit) for a whole table column of tonnes whose largest value is `largest`:
    万吨 in Chinese; kt, or Mt from 1 Mt, in English."""
    for start, divisor, unit in UNITS[lang]["tonnes_column"]:
        if largest >= start:
            return divisor, unit
    return tuple(UNITS[lang]["tonnes_column"][-1][1:])


def cny_column_unit(lang: str) -> tuple[float, str]:
    """(divisor, unit) for a whole table column of yuan: 万元 in Chinese, CNY m in English."""
    divisor, unit = UNITS[lang]["cny_column"]
    return divisor, unit


def fmt_in_unit(v, divisor: float, lang: str, digits: int = 2, signed: bool = False) -> str:
    """v / divisor, grouped, with `digits` decimals and no unit (the column header names it):
    1,234.56; signed=True for positions (+12.30, -4.00, 0.00). A value too small to show in the
    unit reads <0.01 (-<0.01 below zero), never 0.00: a trade of 850 t is not nothing."""
    if _missing(v):
        return MISSING
    x = float(v) / divisor
    body = "#,##0" + _decimals(digits)
    if x == 0:
        return _babel(0.0, body, lang)
    sign = "-" if x < 0 else "+" if signed else ""
    if round(x, digits) == 0:
        return sign + "<" + _babel(10.0 ** -digits, body, lang)
    return sign + _babel(abs(x), body, lang)


def fmt_tonnes_column(values, lang: str, signed: bool = False, largest: float | None = None) -> tuple[list[str], str]:
    """(texts, unit) for a table column of tonnes in one unit: every row in the unit the column's
    largest absolute value calls for (tonnes_column_unit: 万吨; kt, or Mt from 1 Mt), so 850 t and
    1.2 Mt never read 850吨 above 120.0万吨; the unit goes in the header. `largest`: a bound shared
    by several columns of one table (allocated, verified, position), so they compare at a glance."""
    values = list(values)
    if largest is None:
        largest = max((abs(float(v)) for v in values if not _missing(v)), default=0.0)
    divisor, unit = tonnes_column_unit(largest, lang)
    return [fmt_in_unit(v, divisor, lang, signed=signed) for v in values], unit


def fmt_cny_column(values, lang: str) -> tuple[list[str], str]:
    """(texts, unit) for a table column of yuan in one unit (cny_column_unit: 万元 / CNY m)."""
    divisor, unit = cny_column_unit(lang)
    return [fmt_in_unit(v, divisor, lang) for v in values], unit


def fmt_tonnes(v, lang: str) -> str:
    """Tonnes (of CO2): 45.3亿吨, 1,234.5万吨 / 4.53 Gt, 12.3 Mt, 850 t."""
    return _scaled(v, lang, "tonnes")


def fmt_cny(v, lang: str) -> str:
    """Yuan: 3.2亿元, 56.0万元 / CNY 320 m, CNY 1.23 bn."""
    s = _scaled(v, lang, "cny")
    return s if s == MISSING else UNITS[lang]["cny_prefix"] + s


def fmt_capacity_mw(v, lang: str) -> str:
    """Installed capacity given in MW: 12.3亿千瓦, 4,560.0万千瓦 / 1,230 GW, 660 MW."""
    return _scaled(v, lang, "mw")


def fmt_int(v, lang: str) -> str:
    if _missing(v):
        return MISSING
    return _babel(round(float(v)), "#,##0", lang)


def fmt_pct(v, lang: str, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.931 -> 93.1%; signed=True for changes (+3.2%). Not grouped
    (12345.0%), as the app has always shown it."""
    if _missing(v):
        return MISSING
    x = float(v) * 100
    body = "0" + _decimals(digits) + "%"
    return _babel(x, f"+{body};-{body}" if signed else body, lang, percent=True)


def fmt_signed(v, digits: int = 1, lang: str = DEFAULT_LANG) -> str:
    """A number with its sign: +1.2, -9.3, 0.0 (zero has no sign). The minus is CLDR's for en and
    zh, the hyphen-minus, and that is what Streamlit reads: st.metric draws a down arrow only for a
    delta that starts with "-" (a typographic U+2212 drew an up arrow beside a fall)."""
    if _missing(v):
        return MISSING
    x = round(float(v), digits)
    if x == 0:
        return f"{0:.{digits}f}"
    body = "#,##0" + _decimals(digits)
    return _babel(x, f"+{body};-{body}", lang)


def direction(change, digits: int = 1) -> str:
    """The arrow a change gets, by its value as shown (rounded to `digits`): "up", "down", or "off"
    for no change or nothing to compare (st.metric's delta_arrow)."""
    if _missing(change):
        return "off"
    x = round(float(change), digits)
    return "up" if x > 0 else "down" if x < 0 else "off"


# --- dates ---------------------------------------------------------------------------------
# Babel with each language's CLDR month names. A month is CLDR's own yMMM skeleton (Apr 2023 /
# 2023年4月). A day is the catalogue's pattern format.date: en_US's CLDR dates put the month first
# (Apr 15, 2023) where the app writes 15 Apr 2023; zh's equals CLDR's (2023年4月15日).


def _as_datetime(d) -> dt.datetime | None:
    if _missing(d):
        return None
    if isinstance(d, str):
        d = pd.Timestamp(d)
    if isinstance(d, pd.Timestamp):
        return d.to_pydatetime()
    if isinstance(d, dt.datetime):
        return d
    return dt.datetime(d.year, d.month, d.day)


def fmt_date(d, lang: str) -> str:
    """2023年4月15日 / 15 Apr 2023."""
    x = _as_datetime(d)
    return MISSING if x is None else babel_dates.format_date(x, t("format.date", lang), locale=LOCALES[lang])


BEIJING_TZ = clock.BEIJING_TZ  # China Standard Time: no daylight saving


_MARKDOWN = re.compile(r"([\\`*_\[\]#|<>~$:])")  # what Markdown (and Streamlit's :colour[...]) would read


def md_literal(text) -> str:
    """Text from data (a name, a file path, an account) shown inside Markdown: every character
    Markdown or Streamlit's directives would read is escaped, so it shows as written."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def now_beijing() -> dt.datetime:
    """Now in Beijing time (UTC+8), to the second. Time-zone aware, so it converts correctly
    wherever it goes; core.contract.clock.now() gives the naive Beijing wall clock the database
    stores."""
    return clock.now_aware()


def fmt_datetime(d, lang: str, zone: bool = True) -> str:
    """2023年4月15日 09:30（北京时间） / 15 Apr 2023 09:30 (Beijing time): in Beijing time, and
    saying so. A naive time is Beijing wall-clock time already (what the database holds,
    core.contract.clock); an aware one is converted. `zone=False` leaves the zone out, for a
    table column whose header names it once."""
    x = _as_datetime(d)
    if x is None:
        return MISSING
    text = babel_dates.format_datetime(clock.wall_clock(x), t("format.datetime", lang), locale=LOCALES[lang])
    return t("format.datetime.zoned", lang, when=text, zone=t("time.zone", lang)) if zone else text


def fmt_month_range(first, last, lang: str) -> str:
    """The months of one year from `first` to `last`, as CLDR writes the range (the skeleton is the
    language's month_range in _meta.toml): Jun – Dec / 6–12月; one month alone: Jun / 6月."""
    a, b = _as_datetime(first), _as_datetime(last)
    if a is None or b is None:
        return MISSING
    return babel_dates.format_interval(a, b, META[lang]["month_range"], locale=LOCALES[lang])


def fmt_year_period(year, lang: str, months=None, first=None, last=None) -> str:
    """A year, or the part of it a figure covers: 2025 / 2025年 when all 12 months (or an unknown
    number) are covered; 2025 (Jun – Dec) / 2025年6–12月 for `months` (1-11) from `first` to `last`."""
    if _missing(year):
        return MISSING
    if months is None or _missing(months) or not 0 < int(months) < 12 or first is None or last is None:
        return t("format.year", lang, year=int(year))
    return t("format.year_part", lang, year=int(year), months=fmt_month_range(first, last, lang))


def fmt_coverage(months, first, last, lang: str) -> str:
    """How much of its year a figure covers: Jun – Dec, 7 of 12 months / 6–12月，全年12个月中的7个月
    (the count is of months reported, so a gap shows: Jun – Dec, 6 of 12 months)."""
    return t("format.coverage", lang, months=fmt_month_range(first, last, lang), n=fmt_int(months, lang))


def fmt_period(d, lang: str) -> str:
    """A month: 2023年4月 / Apr 2023."""
    x = _as_datetime(d)
    return MISSING if x is None else babel_dates.format_skeleton("yMMM", x, locale=LOCALES[lang])


def fmt_quarter(d, lang: str) -> str:
    """A quarter: Q2 2023 / 2023年第2季度 (CLDR's yQQQ skeleton)."""
    x = _as_datetime(d)
    return MISSING if x is None else babel_dates.format_skeleton("yQQQ", x, locale=LOCALES[lang])


def fmt_seconds(v, lang: str) -> str:
    """A duration: 0.4 s / 26.5 s / 2 min 5 s; 0.4秒 / 26.5秒 / 2分5秒. Not Babel's format_unit,
    whose short English unit is "sec" (0.4 sec) and which has no minutes-and-seconds form."""
    if _missing(v):
        return MISSING
    x = float(v)
    if x < 60:
        return t("unit.seconds", lang, value=_babel(x, "0.00" if x < 1 else "0.0", lang))
    m, sec = divmod(round(x), 60)
    return t("unit.minutes_seconds", lang, m=m, s=sec)


# --- lists ---------------------------------------------------------------------------------
# Not babel.lists.format_list: CLDR joins the last two items with a word (a、b和c; a, b, and c) or,
# in its unit style, with nothing in Chinese (abc); the app enumerates with one separator
# throughout (a、b、c / a, b, c), and the catalogues hold it (sep.list, sep.clause, ...).


def fmt_list(items, lang: str, sep: str = "list") -> str:
    """Items joined by the language's separator `sep.<sep>`: list 、/", ", clause ；/"; ",
    comma ，/", ", names 、/"; " (names that may hold a comma)."""
    return t(f"sep.{sep}", lang).join(items)


# How each detection feature's value reads (core.engine.features.MODEL_FEATURES): robust z, a relative
# deviation (shown in %), a difference in percentage points, or a share. Unknown features: plain.
FEATURE_KIND = {
    "coal_rate_peer_z": "z", "intensity_peer_z": "z", "cc_peer_z": "z",
    "coal_rate_own_dev": "relative", "cc_own_dev": "relative", "ncv_dry_own_dev": "relative", "cc_mom": "relative",
    "moisture_own_diff": "points", "load_factor": "share", "hours_share": "share",
}


def fmt_feature(name: str, v, lang: str) -> str:
    """A feature value the way it reads: −9.3 (z), −24.0% (relative), +1.2 pts / +1.2个百分点, 85.0% (share)."""
    if _missing(v):
        return MISSING
    kind = FEATURE_KIND.get(name)
    if kind == "relative":
        return fmt_signed(float(v) * 100, 1) + "%"
    if kind == "share":
        return fmt_pct(v, lang)
    if kind == "points":
        return t("unit.points", lang, value=fmt_signed(v, 1))
    return fmt_signed(v, 2 if abs(float(v)) < 10 else 1)


def label(prefix: str, name: str, lang: str, **kwargs) -> str:
    """The translated label `prefix.name`, or `name` itself for a value we have no words for
    (e.g. a pattern in a user's own case labels)."""
    key = f"{prefix}.{name}"
    return t(key, lang, **kwargs) if key in STRINGS else str(name)
