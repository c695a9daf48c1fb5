"""The global filters every page shares, as one frozen value that lives in the URL.

A filtered view is a link: `Filters.to_query()` writes the filters as short query
parameters, `Filters.parse()` reads them back and validates every value (a shared
URL is untrusted input). Nothing here is ever formatted into SQL: `sql()` returns
fragments with `?` placeholders and the values to bind, and core.store splices
the fragments into its scoped CTEs, so every page query honours the same filters.

The period narrows reports, trades and risk years; the other filters select
enterprises (and, for unit classes and capacity, the units that are counted).
Risk band and rule filters refer to a stored assessment run, which the page sets
(`with_run`): the band of an enterprise is that of its worst year in the period,
with the default weights, as on every page.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields, replace
from typing import Mapping

from core.contract import access, schema, scoring

# URL parameter -> field. Short names keep shared links readable.
PARAMS = {
    "from": "period_from", "to": "period_to", "prov": "provinces", "cls": "unit_classes",
    "capmin": "capacity_min", "capmax": "capacity_max", "grp": "groups", "cons": "consultants",
    "lab": "labs", "ver": "verifiers", "band": "bands", "rule": "rules",
}
LIST_SEP = ","
MAX_ITEMS = 200  # more values than this in one filter is not a view anyone shares
_PERIOD = re.compile(r"(\d{4})-(\d{2})")
# Identifiers (agencies) and free names (groups) are bound as parameters; this only keeps out
# control characters and absurd lengths so an error message can quote the value safely.
_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,120}")
BANDS = scoring.BAND_NAMES
_RULE_ID = re.compile(r"R\d{2}")
CAPACITY_MAX_MW = 10_000  # the largest unit capacity a link may give (the slider stops at the data's largest unit)


@dataclass(frozen=True)
class FilterProblem:
    param: str
    value: str
    reason: str  # in English, for logs; the reader's words come from `code` (core.words.filters.problem)
    # filters.reason.<code>[.<param>] in the catalogues; "swapped": the range was used with its two
    # ends swapped (a note, not an ignored value); None: no words yet, the English reason is shown
    code: str | None = None

    @property
    def swapped(self) -> bool:
        return self.code == "swapped"

    def __str__(self) -> str:
        return f"{self.param}={self.value!r}: {self.reason}"


@dataclass(frozen=True)
class Filters:
    period_from: dt.date | None = None  # first day of a month
    period_to: dt.date | None = None    # first day of a month, inclusive
    provinces: tuple[str, ...] = ()
    unit_classes: tuple[str, ...] = ()
    capacity_min: float | None = None   # MW, per unit
    capacity_max: float | None = None
    groups: tuple[str, ...] = ()
    consultants: tuple[str, ...] = ()
    labs: tuple[str, ...] = ()
    verifiers: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    run_id: str | None = None  # the assessment bands and rules refer to; set by the page, never by the URL

    # --- state ------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self) if f.name != "run_id")

    def active(self) -> list[str]:
        """The names of the fields that are set, in URL order."""
        return [f for f in PARAMS.values() if getattr(self, f) not in (None, ())]

    def with_run(self, run_id: str | None) -> "Filters":
        return replace(self, run_id=run_id)

    def cleared(self) -> "Filters":
        return Filters(run_id=self.run_id)

    @property
    def year_from(self) -> int | None:
        return self.period_from.year if self.period_from else None

    @property
    def year_to(self) -> int | None:
        return self.period_to.year if self.period_to else None

    def needs_run(self) -> bool:
        return bool(self.bands or self.rules)

    # --- URL ----------------------------------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """Query parameters for this view; empty filters write nothing."""
        out: dict[str, str] = {}
        for param, name in PARAMS.items():
            v = getattr(self, name)
            if v in (None, ()):
                continue
            if isinstance(v, dt.date):
                out[param] = f"{v.year:04d}-{v.month:02d}"
            elif isinstance(v, tuple):
                out[param] = LIST_SEP.join(v)
            else:
                out[param] = f"{v:g}"
        return out

    @classmethod
    def parse(cls, query: Mapping[str, object], known_provinces: set[str] | None = None,
              known_rules: set[str] | None = None) -> tuple["Filters", list[FilterProblem]]:
        """Filters from URL parameters. Invalid values are dropped, each with a problem saying
        which parameter, which value and why, so the page can tell the reader what it ignored.
        `known_rules`: the rule catalogue's ids (core.engine.rules.RULES); without it a rule id
        need only look like one (R01)."""
        known = {"provinces": known_provinces, "rules": known_rules}
        problems: list[FilterProblem] = []
        values: dict[str, object] = {}
        for param, name in PARAMS.items():
            raw = query.get(param)
            if raw is None:
                continue
            raw = raw[-1] if isinstance(raw, list) else raw
            raw = str(raw).strip()
            if not raw:
                continue
            try:
                values[name] = _PARSERS[name](raw, known, problems, param)
            except ValueError as e:
                problems.append(FilterProblem(param, raw, str(e), getattr(e, "code", None)))
        f = cls(**{k: v for k, v in values.items() if v not in (None, ())})
        if f.period_from and f.period_to and f.period_from > f.period_to:
            problems.append(FilterProblem("from", f.to_query()["from"],
                                          "the period starts after it ends; its two ends were swapped", "swapped"))
            f = replace(f, period_from=f.period_to, period_to=f.period_from)
        if f.capacity_min is not None and f.capacity_max is not None and f.capacity_min > f.capacity_max:
            problems.append(FilterProblem("capmin", f"{f.capacity_min:g}",
                                          "minimum above maximum; the two were swapped", "swapped"))
            f = replace(f, capacity_min=f.capacity_max, capacity_max=f.capacity_min)
        return f, problems


NO_FILTERS = Filters()


# --- parsers: raw URL text -> value, raising ValueError with the reason -----------------------

class _Invalid(ValueError):
    """A refused value: the English reason and the code of its words (FilterProblem.code)."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.code = code


def _period(raw: str, *_):
    m = _PERIOD.fullmatch(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise _Invalid("expected a month as YYYY-MM, e.g. 2023-06", "period")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _number(raw: str, *_):
    try:
        v = float(raw)
    except ValueError:
        raise _Invalid("expected a number of MW, e.g. 300", "number") from None
    if not 0 <= v <= CAPACITY_MAX_MW:
        raise _Invalid(f"expected a unit capacity between 0 and {CAPACITY_MAX_MW} MW", "capacity_range")
    return v


def _items(raw: str) -> list[str]:
    items = list(dict.fromkeys(x.strip() for x in raw.split(LIST_SEP) if x.strip()))
    if len(items) > MAX_ITEMS:
        raise _Invalid(f"more than {MAX_ITEMS} values", "too_many")
    return items


def _choice(allowed, what: str):
    def parse(raw: str, known, problems: list[FilterProblem], param: str):
        ok, allowed_now = [], allowed(known) if callable(allowed) else allowed
        for item in _items(raw):
            if item in allowed_now:
                ok.append(item)
            else:
                problems.append(FilterProblem(param, item, f"not a known {what}", "unknown"))
        return tuple(sorted(ok))
    return parse


def _text(what: str):
    def parse(raw: str, known, problems: list[FilterProblem], param: str):
        ok = []
        for item in _items(raw):
            if _TEXT.fullmatch(item):
                ok.append(item)
            else:
                problems.append(FilterProblem(param, item[:40], f"not a valid {what}", "invalid"))
        return tuple(sorted(ok))
    return parse


def _provinces(known: dict) -> set[str]:
    return known["provinces"] if known["provinces"] is not None else set(access.province_names())


class _RuleIds:
    """The known rule ids, or any id of the catalogue's form when none are given."""

    def __init__(self, known: dict):
        self.known = known["rules"]

    def __contains__(self, item: str) -> bool:
        return item in self.known if self.known is not None else bool(_RULE_ID.fullmatch(item))


_PARSERS = {
    "period_from": _period, "period_to": _period,
    "provinces": _choice(_provinces, "province code (2 digits, e.g. 37)"),
    "unit_classes": _choice(schema.UNIT_CLASSES, "unit class"),
    "capacity_min": _number, "capacity_max": _number,
    "groups": _text("group name"), "consultants": _text("consultant id"),
    "labs": _text("laboratory id"), "verifiers": _text("verifier id"),
    "bands": _choice(BANDS, "risk band (critical, high, medium, low)"),
    "rules": _choice(_RuleIds, "rule id (e.g. R01)"),
}
