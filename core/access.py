"""Who may see what: the access scope a deployment grants.

A national deployment sees every province; a provincial one is restricted with
CARBONWATCH_SCOPE="37,32". A malformed setting is refused, never widened to
national: a typo must not open the whole country's data.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from core import schema
from core.db import Scope

ENV_VAR = "CARBONWATCH_SCOPE"
_CODE = re.compile(r"\d{2}")


class ScopeError(ValueError):
    """The configured scope is not a list of 2-digit province codes."""


def parse_scope(text: str | None, known_codes: set[str] | None = None) -> Scope:
    """'37, 32' -> Scope of {'37', '32'}; empty or unset -> national."""
    if text is None or not text.strip():
        return Scope.national()
    codes = [c.strip() for c in text.split(",")]
    bad = [c for c in codes if not _CODE.fullmatch(c)]
    if bad:
        raise ScopeError(f"not 2-digit province codes: {', '.join(repr(c) for c in bad)}")
    if known_codes is not None:
        unknown = sorted(set(codes) - known_codes)
        if unknown:
            raise ScopeError(f"unknown province codes: {', '.join(unknown)}")
    return Scope.of(codes)


@lru_cache(maxsize=1)
def province_names() -> dict[str, dict[str, str]]:
    """code -> {"zh": 山东省, "en": Shandong} for the 32 regions of the national market."""
    return {r[0]: {"zh": r[2], "en": r[3]} for r in schema.province_rows()}


def scope_from_env() -> Scope:
    """The deployment's scope from $CARBONWATCH_SCOPE, checked against the known province codes."""
    return parse_scope(os.environ.get(ENV_VAR), set(province_names()))
