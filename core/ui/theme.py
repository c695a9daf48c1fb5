"""The palette every chart, table and the exported deck share."""
from __future__ import annotations

DARK, LIGHT, ACCENT = "#1f4e79", "#9fb7cf", "#b42318"
# Risk bands (core.contract.scoring.BANDS), the same on every page, the map and the exported deck.
BAND_COLOURS = {"critical": "#b42318", "high": "#f79009", "medium": "#fdd663", "low": "#d0e3c4"}
NO_DATA = "#eaecf0"
# One colour per regional grid, the same in every language (tableau10 hues).
REGION_COLOURS = {
    "north": "#e15759", "northeast": "#76b7b2", "east": "#f28e2b", "central": "#4e79a7",
    "south": "#59a14f", "southwest": "#b07aa1", "northwest": "#edc948",
}
