"""The colour keys a reader sees, one for the screen and the exports alike: the risk bands, and the
province tile map's classes. The Overview's tile map (core.ui.charts.province_tiles) and the
briefing deck's (core.export.briefing) both colour a province, draw its legend and pick its text
colour here, so the two cannot tell a reader different things about the same data.

The map colours a province by how many of its enterprises are flagged (critical or high band, the
`flagged` column of core.store.risk_views.risk_by_province): none, then up to MAX_CLASSES classes of
one round width (1-2-2.5-5 steps) reaching the largest count in view, the darkest always holding the
province with the most. A province outside the scope, or with no assessed enterprise, is grey: it
has no count to show, which is not the same as a count of zero.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core.words import i18n

INK, PAPER = "#1a1a1a", "#ffffff"  # the two text colours; the one that contrasts more is used
# Risk bands (core.contract.scoring.BANDS); equal to core.ui.theme.BAND_COLOURS (a test checks).
BAND_COLOURS = {"critical": "#b42318", "high": "#f79009", "medium": "#fdd663", "low": "#d0e3c4"}
NO_DATA = "#eaecf0"
NONE_FLAGGED = "#fef0d9"
# ColorBrewer OrRd, light to dark; its darkest is the app's accent, the critical band's red.
RAMP = ("#fdcc8a", "#fc8d59", "#e34a33", "#b42318")
MAX_CLASSES = len(RAMP)
NO_DATA_KEY = "no_data"


@dataclass(frozen=True)
class Entry:
    """One legend entry: a class of provinces, its words and colours. `lo`..`hi` are the flagged
    counts it holds (both None for no data)."""
    key: str
    label: str
    colour: str
    ink: str
    lo: int | None = None
    hi: int | None = None


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ink_on(colour: str) -> str:
    """INK or PAPER, whichever contrasts more with `colour` (WCAG contrast ratio)."""
    bg = _luminance(colour)
    on_paper = (_luminance(PAPER) + 0.05) / (bg + 0.05)
    on_ink = (bg + 0.05) / (_luminance(INK) + 0.05)
    return PAPER if on_paper > on_ink else INK


def band_ink(band: str) -> str:
    return ink_on(BAND_COLOURS[band])


# --- the province map --------------------------------------------------------------------------

def map_title(lang: str) -> str:
    return i18n.t("mapkey.title", lang)


def has_data(df: pd.DataFrame) -> pd.Series:
    """Which provinces have a count to colour: in the scope (where the frame says), with enterprises
    and, where the frame says how many, at least one assessed."""
    ok = df["enterprises"].fillna(0) > 0
    if "in_scope" in df:
        ok &= df["in_scope"].fillna(False).astype(bool)
    if "assessed" in df:
        ok &= df["assessed"].fillna(0) > 0
    return ok


def _step(top: int) -> int:
    """The smallest round class width (1, 2, 3, 4, 5, then 1-2-2.5-5 x 10^k) with which
    MAX_CLASSES classes reach `top`."""
    if top <= MAX_CLASSES * 5:
        return max(1, math.ceil(top / MAX_CLASSES))
    k = 10
    while True:
        for m in (1, 2, 2.5, 5):
            if MAX_CLASSES * m * k >= top:
                return int(m * k)
        k *= 10


def _count_label(lo: int, hi: int, lang: str) -> str:
    if lo == hi:
        return i18n.t("mapkey.count", lang, n=i18n.fmt_int(lo, lang))
    return i18n.t("mapkey.range", lang, lo=i18n.fmt_int(lo, lang), hi=i18n.fmt_int(hi, lang))


def map_legend(df: pd.DataFrame, lang: str) -> tuple[Entry, ...]:
    """The map's legend for the provinces in `df` (columns flagged, enterprises; in_scope and
    assessed where known): none flagged, the count classes up to the largest count, no data."""
    counts = df.loc[has_data(df), "flagged"].fillna(0)
    top = int(counts.max()) if len(counts) else 0
    entries = [Entry("0", _count_label(0, 0, lang), NONE_FLAGGED, ink_on(NONE_FLAGGED), 0, 0)]
    if top > 0:
        step = _step(top)
        n = math.ceil(top / step)
        for i, colour in enumerate(RAMP[-n:]):
            lo, hi = i * step + 1, (i + 1) * step
            entries.append(Entry(f"{lo}-{hi}", _count_label(lo, hi, lang), colour, ink_on(colour), lo, hi))
    entries.append(Entry(NO_DATA_KEY, i18n.t("mapkey.no_data", lang), NO_DATA, ink_on(NO_DATA)))
    return tuple(entries)


def map_classes(df: pd.DataFrame, lang: str, legend: tuple[Entry, ...] | None = None) -> list[Entry]:
    """Each province's legend entry, in the order of `df`'s rows."""
    legend = legend or map_legend(df, lang)
    no_data = legend[-1]
    counted = legend[:-1]
    out = []
    for ok, flagged in zip(has_data(df), df["flagged"].fillna(0)):
        n = int(flagged)
        out.append(next((e for e in counted if e.lo <= n <= e.hi), counted[-1]) if ok else no_data)
    return out
