"""Who may see what: the access scope a deployment grants.

A national deployment sees every province; a provincial one is restricted with
CARBONWATCH_SCOPE="37,32". A malformed setting is refused, never widened to
national: a typo must not open the whole country's data.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from core.contract import schema


@dataclass(frozen=True)
class Scope:
    """Which provinces a user may see: None = the whole country.

    Every store query takes one (core.store.sql.scope_where), so access control is enforced in one place."""

    provinces: frozenset[str] | None = None

    @classmethod
    def national(cls) -> "Scope":
        return cls(None)

    @classmethod
    def of(cls, codes) -> "Scope":
        return cls(frozenset(str(c) for c in codes))

    @property
    def key(self) -> tuple[str, ...] | None:
        """A small hashable value for cache keys: None (national) or the sorted codes."""
        return None if self.provinces is None else tuple(sorted(self.provinces))

    @classmethod
    def from_key(cls, key: tuple[str, ...] | None) -> "Scope":
        return cls.national() if key is None else cls.of(key)

    @property
    def text(self) -> str:
        """How a scope is stored with a run or a saved scenario: "national" or "32,37"."""
        return "national" if self.provinces is None else ",".join(sorted(self.provinces))

    @classmethod
    def from_text(cls, text: str) -> "Scope":
        return cls.national() if text == "national" else cls.of(text.split(","))

    def contains(self, other: "Scope") -> bool:
        """`other` lies inside this scope: a narrower view can be asked for, a wider one never."""
        if self.provinces is None:
            return True
        return other.provinces is not None and other.provinces <= self.provinces

    def allows(self, province_code: str | None) -> bool:
        return self.provinces is None or province_code in self.provinces


ENV_VAR = "CARBONWATCH_SCOPE"
# The page queries that do not take the user's scope, each a named exception with its reason
# (tests/unit/test_roles.py holds the catalogue to this list: a new one cannot slip in unnoticed).
NATIONAL_EXCEPTIONS = {
    "market_by_month": "the exchange's published monthly market (price, volume): no province",
    "market_daily_by_method": "the exchange's published daily market: no province",
    "previous_assessment": "which stored run came before the current one: run metadata, no rows",
    "load_history": "the national load log: shown to the national administrator only",
}

# What a query returns in place of an identifier outside the user's scope that evidence would
# otherwise name (core.words.labels writes it as "an enterprise outside your scope").
OUTSIDE = "@outside-scope"
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
