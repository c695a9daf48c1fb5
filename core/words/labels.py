"""Names and explanations of the engine's parts as readers see them: rules and detectors.

The texts live in the catalogues (locales/<lang>/rules.toml, detectors.toml); the engine holds
only ids, so it needs no words.
"""
from __future__ import annotations

import json

from core.words import i18n


def rule_title(rule_id: str, lang: str) -> str:
    """A rule's title: "Lab results copied" / "检测结果复制" (KeyError for an unknown rule)."""
    return i18n.t(f"rule.{rule_id}.title", lang)


def rule_explain(rule_id: str, evidence: dict | str, lang: str) -> str:
    """A hit's explanation, written from its evidence (a dict or its JSON)."""
    ev = json.loads(evidence) if isinstance(evidence, str) else evidence
    return i18n.t(f"rule.{rule_id}.explain", lang).format(**ev)


def has_rule(rule_id) -> bool:
    """Whether the catalogues have words for `rule_id` (a user's case labels may name others)."""
    return f"rule.{rule_id}.title" in i18n.STRINGS


def detector_label(name: str, lang: str) -> str:
    """A detector's name for readers; an unknown name is shown as it is."""
    key = f"detector.{name}.label"
    return i18n.t(key, lang) if key in i18n.STRINGS else name
