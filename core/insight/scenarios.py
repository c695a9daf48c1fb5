"""What-if scenarios: recompute emissions, allowance gaps, penalties and review lists under
changed assumptions, live, and compare them with what the data says now.

Three kinds, each a frozen dataclass of validated parameters (`Scenario.kind`, `.params`,
`to_json()` / `from_json()`; a bad value raises ValueError naming the field):

- `CarbonDefault`: measured coal carbon content that chosen rules flagged in the stored run, and/or
  that lies below a threshold, is replaced by the default value (mrv.default_carbon_content) ->
  recomputed emissions, allowance gaps and penalty exposure (domain.md §6.4).
- `ReviewBudget`: other rule severities, model threshold and risk weights -> the composite is
  recomputed from the stored components and rule hits (no refit) -> who is reviewed, province by
  province, and how many known cases (case_labels) a review budget catches, top-k for every k.
- `UnreliableIntermediaries`: every report of chosen labs, consultants or verifiers is distrusted
  -> their clients' measured carbon content is replaced by the default (labs: the months they
  tested; consultants: every month of their clients; verifiers: the years they verified, whose
  verified figure falls back to the formula) -> totals as in CarbonDefault, and risk ranks with
  the clients' context component set to 1.

  Why context and not "as if a high rule fired": the rules component is evidence about the
  enterprise's own data, and declaring its agency unreliable is no such evidence; the context
  component already measures how suspect an enterprise's intermediaries are (core.engine.risk), and a
  distrusted agency is its extreme. With the default weights this lifts a client by up to 10
  points: enough to reorder a review list, not enough to condemn a plant on its agency alone.

Every value reaches SQL as a bound parameter (core.store, section "what-if scenarios"); the
global filters and the user's scope apply to every recompute. Scenarios can be saved (table
`scenarios`) and reopened from a link with identical results, and exported as CSV and Excel.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, fields
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from core.contract import clock
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.engine import risk, rules
from core.store import db, whatif

KINDS = ("carbon_default", "review_budget", "unreliable_intermediaries")
OFF = "off"  # a rule severity meaning "do not count this rule"
SEVERITY_CHOICES = (*rules.SEVERITIES, OFF)
REVIEW_BY = ("budget", "threshold")
# Rules that question the carbon test itself (batch test dates, rewritten numbers, copied results,
# carbon below the band, moisture invented for the basis conversion): the default selection.
CARBON_RULES = ("R01", "R02", "R04", "R05", "R06")
CC_RANGE = (0.01, 0.04)  # tC/GJ: fuels' carbon content per unit heat lies well inside (domain.md §3.1)
Z_RANGE = (0.0, 30.0)  # robust SDs: core.engine.detectors clips ensemble scores to [-5, 30]
WEIGHT_MAX = 10.0
BUDGET_MAX = 1_000_000
MAX_AGENCIES = 200
NAME_MAX = 80
DEFAULT_BUDGET = 100
DEFAULT_THRESHOLD = dict(risk.BANDS)["high"]
ID_PATTERN = re.compile(r"[0-9a-f]{12}")
_AGENCY_ID = re.compile(r"[^\x00-\x1f\x7f]{1,120}")


# --- validation -----------------------------------------------------------------------------------

def _number(field: str, value, lo: float, hi: float, *, lo_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{field}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < lo or v > hi or (lo_open and v == lo):
        raise ValueError(f"{field}: {value!r} is outside {'(' if lo_open else '['}{lo:g}, {hi:g}]")
    return v


def _integer(field: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
        raise ValueError(f"{field}: expected a whole number, got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{field}: {value!r} is outside [{lo}, {hi}]")
    return v


def _items(field: str, values) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, set, frozenset)):
        raise ValueError(f"{field}: expected a list, got {values!r}")
    return list(values)


def _rule_ids(field: str, values) -> tuple[str, ...]:
    items = _items(field, values)
    bad = [v for v in items if not isinstance(v, str) or v not in rules.RULES]
    if bad:
        raise ValueError(f"{field}: unknown rule id {str(bad[0])[:40]!r} (known: {', '.join(rules.RULES)})")
    return tuple(r for r in rules.RULES if r in set(items))  # catalogue order: one what-if, one value


def _agency_ids(field: str, values) -> tuple[str, ...]:
    items = _items(field, values)
    if len(items) > MAX_AGENCIES:
        raise ValueError(f"{field}: more than {MAX_AGENCIES} agencies")
    bad = [v for v in items if not isinstance(v, str) or not _AGENCY_ID.fullmatch(v)]
    if bad:
        raise ValueError(f"{field}: {str(bad[0])[:40]!r} is not an agency id (1-120 characters, no control characters)")
    return tuple(sorted(set(items)))


def validate_name(name) -> str:
    """A saved scenario's name: 1-80 characters after trimming, no control characters."""
    if not isinstance(name, str):
        raise ValueError("name: expected text")
    text = name.strip()
    if not 1 <= len(text) <= NAME_MAX:
        raise ValueError(f"name: expected 1-{NAME_MAX} characters, got {len(text)}")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValueError("name: control characters are not allowed")
    return text


# --- the scenarios --------------------------------------------------------------------------------

class Scenario:
    """A what-if: `kind`, validated fields, and its parameters as plain JSON-ready data."""

    kind: ClassVar[str]

    @property
    def params(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "params": self.params}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))

    @staticmethod
    def from_params(kind: str, params) -> "Scenario":
        """The scenario of `kind` from its parameters (missing ones take their defaults)."""
        cls = _KIND_CLASSES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {str(kind)[:40]!r}")
        if not isinstance(params, dict):
            raise ValueError("params: expected an object")
        unknown = sorted(set(params) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"params: unknown field {str(unknown[0])[:40]!r} for {kind}")
        return cls(**params)

    @staticmethod
    def from_json(text: str) -> "Scenario":
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            raise ValueError("params: not valid JSON") from None
        if not isinstance(data, dict):
            raise ValueError("params: expected an object with kind and params")
        return Scenario.from_params(data.get("kind"), data.get("params", {}))


def _plain(v):
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


@dataclass(frozen=True)
class CarbonDefault(Scenario):
    """Replace measured coal carbon content flagged by `rule_ids` (in the stored run) and/or below
    `below` tC/GJ by the default value."""

    kind: ClassVar[str] = "carbon_default"
    rule_ids: tuple[str, ...] = CARBON_RULES
    below: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "rule_ids", _rule_ids("rule_ids", self.rule_ids))
        if self.below is not None:
            object.__setattr__(self, "below", _number("below", self.below, *CC_RANGE))


@dataclass(frozen=True)
class _Review:
    """Who gets reviewed: the top `budget` enterprises, or every one scoring at least `threshold`."""

    review_by: str = "budget"
    budget: int = DEFAULT_BUDGET
    threshold: float = DEFAULT_THRESHOLD

    def _check_review(self):
        if self.review_by not in REVIEW_BY:
            raise ValueError(f"review_by: expected one of {', '.join(REVIEW_BY)}, got {str(self.review_by)[:40]!r}")
        object.__setattr__(self, "budget", _integer("budget", self.budget, 0, BUDGET_MAX))
        object.__setattr__(self, "threshold", _number("threshold", self.threshold, 0.0, 100.0))


@dataclass(frozen=True)
class ReviewBudget(_Review, Scenario):
    """Other rule severities (`severities`: rule -> severity or "off"), model threshold (`z_floor`,
    `z_full` in robust SDs; `contamination`: only rows in that top share count) and `weights`
    (rules, model, motive, context)."""

    kind: ClassVar[str] = "review_budget"
    severities: tuple[tuple[str, str], ...] = ()
    weights: tuple[float, float, float, float] = tuple(risk.DEFAULT_WEIGHTS[c] for c in risk.COMPONENTS)
    z_floor: float = risk.MODEL_Z_FLOOR
    z_full: float = risk.MODEL_Z_FULL
    contamination: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "severities", _severities(self.severities))
        object.__setattr__(self, "weights", _weights(self.weights))
        object.__setattr__(self, "z_floor", _number("z_floor", self.z_floor, Z_RANGE[0], Z_RANGE[1]))
        object.__setattr__(self, "z_full", _number("z_full", self.z_full, Z_RANGE[0], Z_RANGE[1]))
        if self.z_full <= self.z_floor:
            raise ValueError(f"z_full: must be above z_floor ({self.z_floor:g}), got {self.z_full:g}")
        object.__setattr__(self, "contamination", _number("contamination", self.contamination, 0.0, 1.0,
                                                          lo_open=True))
        self._check_review()

    @property
    def params(self) -> dict:
        p = super().params
        p["severities"] = dict(self.severities)
        p["weights"] = dict(zip(risk.COMPONENTS, self.weights))
        return p

    def rule_weights(self) -> tuple[tuple[str, float], ...]:
        """(rule_id, severity weight) for every rule when any severity is overridden, else ()."""
        if not self.severities:
            return ()
        sev = {r: x.severity for r, x in rules.RULES.items()} | dict(self.severities)
        return tuple((r, 0.0 if s == OFF else rules.SEVERITY_WEIGHT[s]) for r, s in sev.items())


def _severities(value) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, dict) else _items("severities", value)
    out = {}
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"severities: expected rule -> severity pairs, got {str(pair)[:40]!r}")
        rule_id, severity = pair
        if not isinstance(rule_id, str) or rule_id not in rules.RULES:
            raise ValueError(f"severities: unknown rule id {str(rule_id)[:40]!r}")
        if severity not in SEVERITY_CHOICES:
            raise ValueError(f"severities: {rule_id}: expected one of {', '.join(SEVERITY_CHOICES)}, "
                             f"got {str(severity)[:40]!r}")
        if severity != rules.RULES[rule_id].severity:  # an override equal to the catalogue changes nothing
            out[rule_id] = severity
    return tuple((r, out[r]) for r in rules.RULES if r in out)


def _weights(value) -> tuple[float, ...]:
    if isinstance(value, dict):
        if set(value) != set(risk.COMPONENTS):
            raise ValueError(f"weights: expected exactly {', '.join(risk.COMPONENTS)}")
        value = [value[c] for c in risk.COMPONENTS]
    items = _items("weights", value)
    if len(items) != len(risk.COMPONENTS):
        raise ValueError(f"weights: expected {len(risk.COMPONENTS)} weights ({', '.join(risk.COMPONENTS)})")
    w = tuple(_number(f"weights.{c}", v, 0.0, WEIGHT_MAX) for c, v in zip(risk.COMPONENTS, items))
    if sum(w) <= 0:
        raise ValueError("weights: at least one weight must be above 0")
    return w


@dataclass(frozen=True)
class UnreliableIntermediaries(_Review, Scenario):
    """Distrust every report of these labs, consultants and verifiers (agency ids)."""

    kind: ClassVar[str] = "unreliable_intermediaries"
    labs: tuple[str, ...] = ()
    consultants: tuple[str, ...] = ()
    verifiers: tuple[str, ...] = ()

    def __post_init__(self):
        for f in ("labs", "consultants", "verifiers"):
            object.__setattr__(self, f, _agency_ids(f, getattr(self, f)))
        self._check_review()

    def agencies(self) -> dict[str, tuple[str, ...]]:
        return {"labs": self.labs, "consultants": self.consultants, "verifiers": self.verifiers}


_KIND_CLASSES: dict[str, type] = {c.kind: c for c in (CarbonDefault, ReviewBudget, UnreliableIntermediaries)}
DEFAULTS: dict[str, Scenario] = {k: c() for k, c in _KIND_CLASSES.items()}


# --- the recompute --------------------------------------------------------------------------------

@dataclass
class Result:
    """A scenario's comparison in the scope and filters it was computed for."""

    scenario: Scenario
    totals: dict[str, float]  # the scope's figures before and after
    provinces: pd.DataFrame  # one row per province, largest change first
    enterprises: pd.DataFrame  # one row per enterprise, largest change first
    curve: pd.DataFrame | None  # k, caught_before, caught_after: known cases in the top k
    prices: pd.DataFrame | None  # the price basis of the surrender penalty, per emission year


EMISSION_SUMS = ("replaced_months", "fallback_years", "emissions_before_t", "emissions_after_t", "shortfall_before_t",
                 "shortfall_after_t", "penalty_low_cny", "penalty_high_cny", "fine_low_cny", "fine_high_cny")
RANK_SUMS = ("reviewed_before", "reviewed_after", "known_cases", "caught_before", "caught_after")
_PROVINCE = ["province_code", "province_zh", "province_en"]


def recompute(con, scenario: Scenario, scope: Scope, flt: Filters = NO_FILTERS) -> Result:
    """The scenario's before/after comparison for `scope` and `flt` (flt.run_id names the stored
    assessment whose rule hits and components it starts from)."""
    if isinstance(scenario, CarbonDefault):
        emis = whatif.scenario_carbon_default(con, scope, flt, rule_ids=scenario.rule_ids, below=scenario.below)
        return _combine(scenario, _emissions(emis), None, whatif.scenario_penalty_prices(con))
    if isinstance(scenario, ReviewBudget):
        rank = whatif.scenario_risk_ranking(
            con, scope, flt, rule_weights=scenario.rule_weights(), z_floor=scenario.z_floor, z_full=scenario.z_full,
            min_percentile=round(1.0 - scenario.contamination, 9), weights=scenario.weights)
        return _combine(scenario, None, _ranked(rank, scenario), None)
    if isinstance(scenario, UnreliableIntermediaries):
        emis = whatif.scenario_unreliable_agencies(con, scope, flt, **scenario.agencies())
        rank = whatif.scenario_risk_ranking(con, scope, flt, **scenario.agencies())
        return _combine(scenario, _emissions(emis), _ranked(rank, scenario), whatif.scenario_penalty_prices(con))
    raise TypeError(f"not a scenario: {scenario!r}")


def _emissions(df: pd.DataFrame) -> pd.DataFrame:
    out = df.assign(emissions_change_t=df["emissions_after_t"] - df["emissions_before_t"],
                    shortfall_change_t=df["shortfall_after_t"] - df["shortfall_before_t"],
                    changed=(df["replaced_months"] > 0) | (df["fallback_years"] > 0))
    return out


def _ranked(df: pd.DataFrame, review: _Review) -> pd.DataFrame:
    if review.review_by == "budget":
        before, after = df["rank_before"] <= review.budget, df["rank_after"] <= review.budget
    else:
        before, after = df["score_before"] >= review.threshold, df["score_after"] >= review.threshold
    return df.assign(rank_change=df["rank_before"] - df["rank_after"], reviewed_before=before, reviewed_after=after)


def review_curve(ranking: pd.DataFrame) -> pd.DataFrame:
    """Known cases caught when the top k enterprises are reviewed, for k = 0..N, before and after:
    k, caught_before, caught_after (non-decreasing; at k = N every labelled case is caught)."""
    caught = {}
    for side in ("before", "after"):
        hits = ranking.sort_values(f"rank_{side}")["confirmed"].astype(int).to_numpy()
        caught[f"caught_{side}"] = [0, *hits.cumsum().tolist()]
    return pd.DataFrame({"k": range(len(ranking) + 1), **caught})


def _combine(scenario: Scenario, emis: pd.DataFrame | None, rank: pd.DataFrame | None,
             prices: pd.DataFrame | None) -> Result:
    totals: dict[str, float] = {}
    parts, ents = [], None
    if emis is not None:
        totals.update({c: float(emis[c].sum()) for c in EMISSION_SUMS})
        totals["enterprises_changed"] = int(emis["changed"].sum())
        totals["priced"] = bool(emis["priced"].all()) if len(emis) else True
        parts.append(emis.groupby(_PROVINCE, as_index=False).agg(
            enterprises=("enterprise_id", "size"), enterprises_changed=("changed", "sum"),
            **{c: (c, "sum") for c in EMISSION_SUMS}))
        ents = emis
    if rank is not None:
        r = rank.assign(caught_before=rank["reviewed_before"] & rank["confirmed"],
                        caught_after=rank["reviewed_after"] & rank["confirmed"], known_cases=rank["confirmed"])
        totals.update({c: int(r[c].sum()) for c in RANK_SUMS})
        totals["assessed"] = len(r)
        totals["rank_changed"] = int((r["rank_change"] != 0).sum())
        totals["entering"] = int((r["reviewed_after"] & ~r["reviewed_before"]).sum())
        totals["leaving"] = int((r["reviewed_before"] & ~r["reviewed_after"]).sum())
        parts.append(r.groupby(_PROVINCE, as_index=False).agg(
            assessed=("enterprise_id", "size"), rank_changed=("rank_change", lambda s: int((s != 0).sum())),
            **{c: (c, "sum") for c in RANK_SUMS}))
        keep = ["enterprise_id", "score_before", "band_before", "rank_before", "score_after", "band_after",
                "rank_after", "rank_change", "reviewed_before", "reviewed_after", "confirmed", "client"]
        ents = rank if ents is None else ents.merge(rank[keep], on="enterprise_id", how="left")
    provinces = parts[0] if len(parts) == 1 else parts[0].merge(parts[1], on=_PROVINCE, how="outer")
    provinces = _largest_change_first(provinces)
    enterprises = _largest_change_first(ents)
    for c in RANK_SUMS + ("assessed", "rank_changed", "enterprises", "enterprises_changed", "replaced_months",
                          "fallback_years"):
        if c in provinces:
            provinces[c] = provinces[c].fillna(0).astype(int)
    return Result(scenario, totals, provinces.reset_index(drop=True), enterprises.reset_index(drop=True),
                  review_curve(rank) if rank is not None else None, prices)


def _largest_change_first(df: pd.DataFrame) -> pd.DataFrame:
    """Emissions scenarios: the largest change in emissions first, then in rank; rank scenarios:
    the largest move in rank first, then the new rank (provinces: reviewed after)."""
    keys, asc = [], []
    d = df.copy()
    if "emissions_after_t" in d:
        d["_e"] = (d["emissions_after_t"] - d["emissions_before_t"]).abs()
        keys.append("_e"), asc.append(False)
    if "rank_change" in d:
        d["_r"] = d["rank_change"].abs()
        keys += ["_r", "rank_after"]
        asc += [False, True]
    elif "reviewed_after" in d:
        d["_r"] = (d["reviewed_after"] - d["reviewed_before"]).abs()
        keys += ["_r", "reviewed_after"]
        asc += [False, False]
    keys.append("enterprise_id" if "enterprise_id" in d else "province_code")
    asc.append(True)
    return d.sort_values(keys, ascending=asc, kind="stable").drop(columns=[c for c in ("_e", "_r") if c in d])


# --- saved scenarios ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    scenario_id: str
    name: str
    scenario: Scenario
    filters: Filters  # without a run id: the page adds its current assessment
    filters_query: str
    scope: str  # "national" or the province codes it was saved in
    created_at: dt.datetime  # Beijing wall-clock time, as stored (core.contract.clock)
    data_version: str


def scope_label(scope: Scope) -> str:
    return scope.text


def filters_query(flt: Filters) -> str:
    """The filters as the URL query string they travel in (core.contract.filters), in a stable order."""
    return urlencode(sorted(flt.to_query().items()))


def scenario_id(scenario: Scenario, flt: Filters, scope: Scope) -> str:
    """A short hash of kind, parameters, filters and scope: one what-if in one view is one id (the
    scope is part of it so a provincial office never overwrites a national save of the same)."""
    payload = json.dumps({"scenario": json.loads(scenario.to_json()), "filters": filters_query(flt),
                          "scope": scope_label(scope)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()[:12]


def save(con, name: str, scenario: Scenario, flt: Filters, scope: Scope, user=None) -> str:
    """Store the scenario under a validated name (saving it again renames it), audited as `user`'s;
    returns its id."""
    name = validate_name(name)
    sid = scenario_id(scenario, flt, scope)
    whatif.save_scenario(con, [sid, name, scenario.kind, json.dumps(scenario.params, sort_keys=True, ensure_ascii=False),
                                clock.now(), db.data_version(con), scope_label(scope),
                                filters_query(flt)], user)
    return sid


def load(con, scenario_id: str, scope: Scope | None = None) -> Saved | None:
    """The saved scenario, or None when there is none under that id, or (with `scope`) when it
    was saved in a scope wider than or beside `scope`: an id is computable from parameters, so
    knowing one must not show another office's scenario. Its parameters are validated again (a
    stored row is input like any other)."""
    if not isinstance(scenario_id, str) or not ID_PATTERN.fullmatch(scenario_id):
        raise ValueError("scenario_id: expected 12 lowercase hexadecimal characters")
    row = whatif.scenario_row(con, scenario_id)
    if row.empty:
        return None
    r = row.iloc[0]
    if scope is not None and not scope.contains(Scope.from_text(r["scope"])):
        return None  # as unknown: nothing about it is said
    return _saved(r)


def _saved(r) -> Saved:
    flt, _ = Filters.parse(dict(parse_qsl(r["filters"])))
    return Saved(r["scenario_id"], r["name"], Scenario.from_params(r["kind"], json.loads(r["params"])), flt,
                 r["filters"], r["scope"], pd.Timestamp(r["created_at"]).to_pydatetime(), r["data_version"])


def list_saved(con, scope: Scope) -> list[Saved]:
    """The scenarios saved inside `scope`, newest first (rows that no longer validate are skipped)."""
    out = []
    for _, r in whatif.saved_scenarios(con, scope).iterrows():
        try:
            out.append(_saved(r))
        except ValueError:
            continue
    return out
