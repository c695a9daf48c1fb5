"""Names of the engine's parts as readers see them: detectors."""
from __future__ import annotations

from core.engine import detectors


def detector_label(name: str, lang: str) -> str:
    d = detectors.REGISTRY.get(name)
    return name if d is None else (d.label_zh if lang == "zh" else d.label_en)
