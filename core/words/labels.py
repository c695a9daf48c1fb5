"""Names and explanations as readers see them: rules, detectors, provinces on the map.

The texts live in the catalogues (locales/<lang>/rules.toml, detectors.toml); the engine holds
only ids, so it needs no words.
"""
from __future__ import annotations

import json

from core.contract import access
from core.words import i18n


def rule_title(rule_id: str, lang: str) -> str:
    """A rule's title: "Lab results copied" / "检测结果复制" (KeyError for an unknown rule)."""
    return i18n.t(f"rule.{rule_id}.title", lang)


def rule_explain(rule_id: str, evidence: dict | str, lang: str) -> str:
    """A hit's explanation, written from its evidence (a dict or its JSON)."""
    ev = json.loads(evidence) if isinstance(evidence, str) else evidence
    ev = {k: i18n.t("scope.outside_enterprise", lang) if v == access.OUTSIDE else v for k, v in ev.items()}
    return i18n.t(f"rule.{rule_id}.explain", lang).format(**ev)


def party(value, lang: str, kind: str = "account") -> str:
    """A name or account as shown: the words for one outside the user's scope when a query put
    access.OUTSIDE (or its pseudonym, '@outside-scope-1a2b3c') in its place, else the value."""
    if isinstance(value, str) and value.startswith(access.OUTSIDE):
        suffix = value[len(access.OUTSIDE) + 1:]
        words = i18n.t(f"scope.outside_{kind}", lang)
        return f"{words} ({suffix})" if suffix else words
    return value


def has_rule(rule_id) -> bool:
    """Whether the catalogues have words for `rule_id` (a user's case labels may name others)."""
    return f"rule.{rule_id}.title" in i18n.STRINGS


def detector_label(name: str, lang: str) -> str:
    """A detector's name for readers; an unknown name is shown as it is."""
    key = f"detector.{name}.label"
    return i18n.t(key, lang) if key in i18n.STRINGS else name


# A province's label on a map tile: the provinces table's abbreviation in the language where it has
# one (abbr_zh: 鲁, 苏), else its name, with the few English names that would not fit a tile shortened.
SHORT_NAMES = {"en": {"15": "Inner Mong.", "23": "Heilongjiang", "45": "Guangxi", "54": "Tibet", "64": "Ningxia",
                      "65": "Xinjiang", "66": "XPCC"}}


def province_tile_labels(provinces, lang: str):
    """The tile labels of a provinces frame (province_code, name_<lang>, abbr_<lang> where there is one)."""
    abbr = f"abbr_{lang}"
    if abbr in provinces:
        return provinces[abbr]
    return provinces["province_code"].map(SHORT_NAMES.get(lang, {})).fillna(provinces[f"name_{lang}"])
