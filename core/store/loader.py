"""Validate a folder of contract files and load it into DuckDB, all or nothing.

The one way data enters CarbonWatch (docs/DATA_CONTRACT.md). Each file is
read as text (CSV in UTF-8 or GB18030, Parquet, or the first sheet of an XLSX)
into an all-string Arrow table, then parsed once into a temp table that holds
every contract column typed next to the text it came from. Validation is
set-wise: all column rules, plausibility checks and references of a file are
counted in one scan, and only failing rules fetch their first offending rows.
Nothing is written unless every file is clean; then all tables are upserted in
one transaction with a `load_log` row per table.

Identifiers in SQL come only from `core.schema` or this module; headers found in
files never reach SQL (columns are renamed to positions on reading), and values
are bound as parameters.
"""
from __future__ import annotations

import getpass
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from core.contract import clock, schema
from core.store import audit
from core.contract.access import Scope
from core.contract.schema import Column, Table
from core.store.reading import (  # noqa: F401  (re-exported: the loader's public names)
    _ROW,
    FORMATS,
    LoadRejected,
    Problem,
    RawFile,
    _q,
    read_file,
)

CAP_PER_RULE = 20  # problems listed per file, rule and column
CAP_TOTAL = 200  # problems listed per load (all are counted)
CHINA_TZ = clock.BEIJING_TZ  # no daylight saving in China


# --------------------------------------------------------------------------- results


@dataclass
class LoadReport:
    tables: dict[str, tuple[int, int]]  # table -> (inserted, updated), in load order
    warnings: list[str] = field(default_factory=list)


class _Sink:
    """Collects problems: counts every one, lists up to the caps."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0
        self._listed: Counter = Counter()

    def room(self, file: str, rule: str, column: str | None) -> int:
        return max(0, min(CAP_PER_RULE - self._listed[(file, rule, column)], CAP_TOTAL - len(self.problems)))

    def count(self, n: int) -> None:
        self.total += n

    def list(self, p: Problem) -> None:
        if self.room(p.file, p.rule, p.column) > 0:
            self._listed[(p.file, p.rule, p.column)] += 1
            self.problems.append(p)

    def add(self, p: Problem) -> None:
        self.count(1)
        self.list(p)

    def extend(self, problems: list[Problem], total: int | None = None) -> None:
        self.count(total if total is not None else len(problems))
        for p in problems:
            self.list(p)


# --------------------------------------------------------------------------- rules as SQL

_NUM_RE = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"  # only for hints; parsing uses TRY_CAST
_INT_RE = r"[+-]?\d{1,9}(\.0+)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}( 00:00:00)?"
_TS_RE = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?"
_PERIOD_RE = r"\d{4}-\d{2}"
_PROVINCE_RE = r"\d{2}(0000)?"
_TRUE = ("true", "1", "yes", "是")
_FALSE = ("false", "0", "no", "否")


def _lit(v: str) -> str:
    """A SQL string literal for a constant of this module or of core.schema (never file data)."""
    return "'" + v.replace("'", "''") + "'"


def _parse_sql(col: Column, v: str) -> str:
    """SQL turning the trimmed text `v` into the column's type; NULL when it does not parse.

    Numbers use TRY_CAST (several times faster than a regex over 500k rows); the
    only extra spellings it accepts are '_' digit separators, refused here, and
    inf/nan, refused by the type probe."""
    t = col.type
    if t == "str":
        return v
    if t == "float":
        return f"CASE WHEN NOT contains({v}, '_') THEN TRY_CAST({v} AS DOUBLE) END"
    if t == "int":
        return (f"CASE WHEN regexp_full_match({v}, {_lit(_INT_RE)}) "
                f"THEN TRY_CAST(regexp_replace({v}, '\\.0+$', '') AS INTEGER) END")
    if t == "bool":
        true, false = ", ".join(map(_lit, _TRUE)), ", ".join(map(_lit, _FALSE))
        return f"CASE WHEN lower({v}) IN ({true}) THEN true WHEN lower({v}) IN ({false}) THEN false END"
    if t == "date":
        return (f"CASE WHEN regexp_full_match({v}, {_lit(_DATE_RE)}) "
                f"THEN CAST(TRY_STRPTIME(left({v}, 10), '%Y-%m-%d') AS DATE) END")
    if t == "timestamp":
        return (f"CASE WHEN regexp_full_match({v}, {_lit(_TS_RE)}) "
                f"THEN TRY_CAST(replace({v}, 'T', ' ') AS TIMESTAMP) END")
    if t == "period":
        return (f"CASE WHEN regexp_full_match({v}, {_lit(_PERIOD_RE)}) "
                f"THEN CAST(TRY_STRPTIME({v} || '-01', '%Y-%m-%d') AS DATE) END")
    if t == "province":
        return f"CASE WHEN regexp_full_match({v}, {_lit(_PROVINCE_RE)}) THEN left({v}, 2) END"
    raise ValueError(f"unknown column type {t!r} for {col.name}")


def _text(col: Column) -> str:
    """The staged column holding what the file says for `col` (str columns are their own text)."""
    return _q(col.name if col.type == "str" else f"{col.name}:text")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


Hint = Callable[[str | None], str]


@dataclass(frozen=True)
class _Probe:
    """One rule as a SQL predicate over a staged table (TRUE = the row breaks it)."""

    rule: str
    column: str | None
    bad: str
    message: str
    hint: Hint
    shown: str = "NULL"  # SQL for the value to show: the file's text of `column`


def _const(text: str) -> Hint:
    return lambda _v: text


def _type_hint(col: Column) -> Hint:
    base = schema.TYPE_HINTS.get(col.type, "")

    def hint(v: str | None) -> str:
        v = v or ""
        if col.type in ("float", "int"):
            if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", v):
                return f"remove the thousands separators: write {v.replace(',', '')} ({base})"
            if re.fullmatch(r"[+-]?\d+,\d+", v):
                return f"use '.' as the decimal separator: write {v.replace(',', '.')} ({base})"
            if col.type == "int" and re.fullmatch(_NUM_RE, v):
                return f"{col.name} must be a whole number ({base})"
        if col.type == "province" and re.fullmatch(r"\d{6}", v):
            return f"{v} is a city or county code; use the province code {v[:2]}0000 or {v[:2]}"
        if col.type == "period" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return f"write the month without the day: {v[:7]}"
        return base

    return hint


def _enum_hint(col: Column) -> Hint:
    allowed = ", ".join(col.enum)

    def hint(v: str | None) -> str:
        close = [e for e in col.enum if v and e.lower() == v.strip().lower()]
        if close:
            return f"did you mean '{close[0]}'? values are case-sensitive; allowed: {allowed}"
        return f"use one of: {allowed}"

    return hint


def _range_hint(col: Column) -> Hint:
    lo = "" if col.min is None else (f"greater than {_num(col.min)}" if col.min_exclusive else f"at least {_num(col.min)}")
    hi = "" if col.max is None else f"at most {_num(col.max)}"
    base = f"{col.name} must be " + " and ".join(s for s in (lo, hi) if s)

    def hint(v: str | None) -> str:
        try:
            x = float(v or "")
        except ValueError:
            return base
        if col.max == 1 and 1 < x <= 100:
            return f"{base}: it is a fraction, and {v} looks like a percentage (divide by 100)"
        if col.min is not None and x < col.min <= 0:
            return f"{base}: a negative {col.name} is not possible"
        return base

    return hint


def _range_sql(col: Column, c: str) -> str:
    parts = []
    if col.min is not None:
        parts.append(f"{c} {'<=' if col.min_exclusive else '<'} {_num(col.min)}")
    if col.max is not None:
        parts.append(f"{c} > {_num(col.max)}")
    return " OR ".join(parts)


def _is_key(t: Table, col: Column) -> bool:
    return col.required or col.name in t.key


def _column_probes(t: Table, present: set[str]) -> list[_Probe]:
    """Per column: required values present, text parses as the type, enum membership, physical range."""
    probes = []
    for col in t.columns:
        c, text = _q(col.name), _text(col)
        if _is_key(t, col):
            probes.append(_Probe("required", col.name, f"{text} IS NULL", "required value is missing",
                                 _const(f"every row needs a {col.name}" + (
                                     f" ({schema.TYPE_HINTS[col.type]})" if col.type in schema.TYPE_HINTS else "")),
                                 text))
        if col.name not in present:
            continue
        if col.type != "str":
            bad = f"{text} IS NOT NULL AND ({c} IS NULL" + (" OR NOT isfinite({c}))" if col.type == "float" else ")")
            probes.append(_Probe("type", col.name, bad.format(c=c), f"not a valid {col.type}", _type_hint(col), text))
        if col.enum:
            probes.append(_Probe("enum", col.name, f"{c} IS NOT NULL AND {c} NOT IN ({', '.join(map(_lit, col.enum))})",
                                 f"not an allowed {col.name}", _enum_hint(col), text))
        if col.min is not None or col.max is not None:
            probes.append(_Probe("range", col.name, _range_sql(col, c), "value out of range", _range_hint(col), text))
    return probes


def _check_probes(t: Table) -> list[_Probe]:
    """The table's row-level plausibility checks, on the typed row (NULL = not a problem)."""
    return [_Probe(chk.name, chk.columns[0] if chk.columns else None, f"({chk.bad})", chk.message, _const(chk.hint),
                   _text(t.column(chk.columns[0])) if chk.columns else "NULL")
            for chk in t.checks]


# --------------------------------------------------------------------------- staging & validation


@dataclass
class _Staged:
    table: Table
    file: str
    rel: str  # temp table: __row, typed contract columns, and the text of non-str columns
    n_rows: int


_CONTRACT_NAMES = {c.name for t in schema.TABLES for c in t.columns}


def _normalise_header(h: str) -> str:
    """A file's header as a contract column name: trimmed, case-insensitive, Chinese
    headers through HEADER_MAP_ZH, a trailing unit in brackets tolerated."""
    s = h.replace("\ufeff", "").strip()
    bare = re.sub(r"\s*[(（][^)）]*[)）]$", "", s)  # e.g. 发电量（MWh）, capacity_mw (MW)
    for cand in (s, bare):
        if cand in schema.HEADER_MAP_ZH:
            return schema.HEADER_MAP_ZH[cand]
        if cand.lower() in _CONTRACT_NAMES:
            return cand.lower()
    return s.lower()


def _map_headers(t: Table, raw: RawFile, sink: _Sink, warnings: list[str]) -> dict[str, int] | None:
    """Contract column -> position in the file, or None if the header is unusable."""
    file = raw.path.name
    mapping: dict[str, int] = {}
    seen: dict[str, str] = {}
    unknown, ok = [], True
    for i, h in enumerate(raw.headers):
        name = _normalise_header(h)
        if name not in t.names:
            unknown.append(h)
            continue
        if name in mapping:
            sink.add(Problem(file, None, name, None, "duplicate_column",
                             f"two columns map to {name}: '{seen[name]}' and '{h}'",
                             "keep exactly one column for each field"))
            ok = False
            continue
        mapping[name] = i
        seen[name] = h
    if unknown:
        shown = ", ".join(f"'{u}'" for u in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        warnings.append(f"{file}: ignored {len(unknown)} column{'s' if len(unknown) != 1 else ''} "
                        f"not in the {t.name} table: {shown}")
    for col in t.columns:
        if _is_key(t, col) and col.name not in mapping:
            found = ", ".join(raw.headers[:12]) + (" ..." if len(raw.headers) > 12 else "")
            hint = f"add a column headed '{col.name}'; the file has: {found}"
            if len(raw.headers) == 1 and any(s in raw.headers[0] for s in (";", "\t", "|")):
                hint = "the file must be comma-separated (it looks like ';', tab or '|' was used)"
            sink.add(Problem(file, None, col.name, None, "missing_column", "required column is missing", hint))
            ok = False
    if ok and raw.n_rows == 0:
        sink.add(Problem(file, None, None, None, "no_rows", "the file has a header but no data rows",
                         "add one row per record below the header, or leave the file out of the folder"))
        ok = False
    return mapping if ok else None


def _normalise(a: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim (Unicode) whitespace; empty becomes NULL. Arrow does this ~5x faster than SQL trim with a character set."""
    a = pc.utf8_trim_whitespace(a)
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def _stage(cur, t: Table, raw: RawFile, mapping: dict[str, int], seq: int) -> _Staged:
    """Parse the file once into a temp table holding each column typed and, for non-text
    types, its text (what a problem shows)."""
    arrow, rel = f"_cw_arrow_{seq}", f"_cw_stage_{seq}"
    data = pa.table({_ROW: raw.data.column(_ROW),
                     **{name: _normalise(raw.data.column(i)) for name, i in mapping.items()}})
    cols = [_ROW]
    for col in t.columns:
        src = _q(col.name) if col.name in mapping else "CAST(NULL AS VARCHAR)"
        cols.append(f"CAST({_parse_sql(col, src)} AS {col.db_type}) AS {_q(col.name)}")
        if col.type != "str":
            cols.append(f"{src} AS {_text(col)}")
    cur.register(arrow, data)
    try:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS SELECT {', '.join(cols)} FROM {arrow}")
    finally:
        cur.unregister(arrow)
    return _Staged(t, raw.path.name, rel, raw.n_rows)


def _run(cur, sink: _Sink, file: str, rel: str, probes: list[_Probe]) -> None:
    """Count every probe in one scan of `rel`; fetch the first offending rows of those that fail."""
    if not probes:
        return
    counts = cur.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {p.bad})" for p in probes) + f" FROM {rel}").fetchall()[0]
    for p, n in zip(probes, counts):
        if not n:
            continue
        sink.count(n)
        room = sink.room(file, p.rule, p.column)
        if room <= 0:
            continue
        rows = cur.execute(f"SELECT {_ROW}, {p.shown} FROM {rel} WHERE {p.bad} ORDER BY {_ROW} LIMIT ?",
                           [room]).fetchall()
        for row, value in rows:
            sink.list(Problem(file, int(row), p.column, value, p.rule, p.message, p.hint(value)))


def _duplicates(cur, sink: _Sink, s: _Staged) -> None:
    """Every row of a key that occurs more than once in the file (all of them, not just the second)."""
    t = s.table
    keys = ", ".join(_q(k) for k in t.key)
    not_null = " AND ".join(f"{_q(k)} IS NOT NULL" for k in t.key)
    n = cur.execute(f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {s.rel} WHERE {not_null} "
                    f"GROUP BY {keys} HAVING count(*) > 1)").fetchall()[0][0]
    if not n:
        return
    sink.count(int(n))
    column = ", ".join(t.key)
    room = sink.room(s.file, "duplicate_key", column)
    if room <= 0:
        return
    text = " || ', ' || ".join(f"coalesce({_text(t.column(k))}, '')" for k in t.key)
    rows = cur.execute(
        f"SELECT {_ROW}, list({_ROW}) OVER (PARTITION BY {keys}) AS rows, {text} AS shown, "
        f"count(*) OVER (PARTITION BY {keys}) AS n FROM {s.rel} WHERE {not_null} QUALIFY n > 1 "
        f"ORDER BY {_ROW} LIMIT ?", [room]).fetchall()
    for row, group, value, _n in rows:
        others = ", ".join(str(x) for x in sorted(group) if x != row)
        sink.list(Problem(s.file, int(row), column, value, "duplicate_key",
                          f"duplicate key ({column}): the same key is also in row {others}",
                          f"keep one row per {column}; remove or correct the repeated rows"))


def _foreign_key_probes(s: _Staged, staged: dict[str, _Staged], failed: set[str]) -> list[_Probe]:
    """Each reference must exist in the database or among the rows loaded with it."""
    probes = []
    for col in s.table.columns:
        if not col.ref:
            continue
        rt, rc = col.ref.split(".")
        if rt in failed:
            continue  # its file could not be read: checking against it would only add noise
        c = _q(col.name)

        def parents(where: str = "") -> str:
            rows = [f"SELECT {_q(rc)} FROM {_q(rt)} WHERE TRUE{where}"]
            if rt in staged:
                rows.append(f"SELECT {_q(rc)} FROM {staged[rt].rel} WHERE {_q(rc)} IS NOT NULL{where}")
            return " UNION ALL ".join(rows)

        bad = f"{c} IS NOT NULL AND {c} NOT IN ({parents()})"
        if col.ref_kind:
            # kinds come from schema.py (trusted values), never from a file
            of_kind = parents(f" AND kind = {_lit(col.ref_kind)}")
            probes.append(_Probe(
                "agency_kind", col.name, f"{c} IN ({parents()}) AND {c} NOT IN ({of_kind})",
                f"{col.name} names an agency that is not a {col.ref_kind}",
                _const(f"use the agency_id of a {col.ref_kind} (agencies.kind = '{col.ref_kind}'); this id belongs "
                       f"to another kind of agency"), _text(col)))
        if rt == "provinces":
            probes.append(_Probe("unknown_province", col.name, bad, "unknown province code",
                                 _const(schema.TYPE_HINTS["province"]), _text(col)))
        else:
            probes.append(_Probe(
                "foreign_key", col.name, bad, f"{col.name} not found in {rt}",
                _const(f"add this {rc} to {rt} (in this folder or an earlier load), or correct a typo"), _text(col)))
    return probes


def _db_foreign_keys(cur, table: str) -> set[str]:
    """Columns of `table` that carry a FOREIGN KEY constraint in the database."""
    rows = cur.execute("SELECT constraint_column_names FROM duckdb_constraints() "
                       "WHERE table_name = ? AND constraint_type = 'FOREIGN KEY'", [table]).fetchall()
    return {c for (cols,) in rows for c in cols}


def _children(table: str) -> list[tuple[str, str, str]]:
    """(child table, child column, parent column) for every reference to `table`."""
    return [(child.name, col.name, col.ref.split(".")[1]) for child in schema.TABLES for col in child.columns
            if col.ref and col.ref.split(".")[0] == table]


def _reference_changes(cur, sink: _Sink, s: _Staged) -> None:
    """Stored rows that other tables point to cannot have a foreign-key column changed
    (DuckDB rewrites such a row as delete + insert and refuses); say so before committing."""
    t = s.table
    children = _children(t.name)
    refs = [c for c in t.columns if c.ref and c.name not in t.key]
    if children and refs:
        constrained = _db_foreign_keys(cur, t.name)
        refs = [c for c in refs if c.name in constrained]
    if not children or not refs:
        return
    on = " AND ".join(f"m.{_q(k)} = {s.rel}.{_q(k)}" for k in t.key)
    referenced = " OR ".join(f"EXISTS (SELECT 1 FROM {_q(ct)} x WHERE x.{_q(cc)} = m.{_q(pcol)})"
                             for ct, cc, pcol in children)
    users = ", ".join(sorted({ct for ct, _, _ in children}))
    probes = [_Probe(
        "reference_change", c.name,
        f"EXISTS (SELECT 1 FROM {_q(t.name)} m WHERE {on} AND m.{_q(c.name)} IS DISTINCT FROM "
        f"{s.rel}.{_q(c.name)} AND ({referenced}))",
        f"cannot change {c.name} of a stored {t.name} row that other tables ({users}) refer to",
        _const(f"the database engine cannot rewrite a referenced row: keep the stored {c.name}, or load the "
               "complete corrected folder into a new database file"), _text(c))
        for c in refs]
    _run(cur, sink, s.file, s.rel, probes)


# Tables of no province: a load in a provincial scope cannot hold them (the national office loads them).
NATIONAL_TABLES = ("agencies", "market_daily", "trades")


def _scope_probes(s: _Staged, staged: dict[str, _Staged], scope: Scope | None) -> list[_Probe]:
    """In a provincial scope, every row must belong to one of its provinces: an enterprise's own
    province_code (and, for one already stored, its stored province: no enterprise moves into the
    scope from outside), and for the rows of an enterprise or a unit, that enterprise's province
    (as loaded with it, else as stored)."""
    if scope is None or scope.provinces is None:
        return []
    codes = "(" + ", ".join(_lit(c) for c in sorted(scope.provinces)) + ")"
    where = ", ".join(sorted(scope.provinces))
    hint = _const(f"load only rows of your provinces ({where}); the national office loads the others")
    cols = {c.name for c in s.table.columns}

    def province_of(enterprise: str) -> str:
        rows = ["SELECT enterprise_id, province_code FROM enterprises"]
        if "enterprises" in staged:
            rows.insert(0, f"SELECT enterprise_id, province_code FROM {staged['enterprises'].rel}")
        return (f"(SELECT province_code FROM ({' UNION ALL '.join(rows)}) p WHERE p.enterprise_id = {enterprise} "
                f"LIMIT 1)")

    probes = []
    if s.table.name == "enterprises":
        probes.append(_Probe("outside_scope", "province_code", f"province_code NOT IN {codes}",
                             f"an enterprise of a province outside your scope ({where})", hint,
                             _text(s.table.column("province_code"))))
        probes.append(_Probe("outside_scope", "enterprise_id",
                             f"enterprise_id IN (SELECT enterprise_id FROM enterprises WHERE province_code NOT IN {codes})",
                             f"this enterprise is stored under a province outside your scope ({where}); it cannot be "
                             f"moved into it from here", hint, _text(s.table.column("enterprise_id"))))
    elif "enterprise_id" in cols:
        probes.append(_Probe("outside_scope", "enterprise_id",
                             f"enterprise_id IS NOT NULL AND coalesce({province_of(f'{s.rel}.enterprise_id')}, '') NOT IN {codes}",
                             f"a row of an enterprise outside your scope ({where})", hint,
                             _text(s.table.column("enterprise_id"))))
    elif "unit_id" in cols:
        units = ["SELECT unit_id, enterprise_id FROM units"]
        if "units" in staged:
            units.insert(0, f"SELECT unit_id, enterprise_id FROM {staged['units'].rel}")
        owner = f"(SELECT u.enterprise_id FROM ({' UNION ALL '.join(units)}) u WHERE u.unit_id = {s.rel}.unit_id LIMIT 1)"
        probes.append(_Probe("outside_scope", "unit_id",
                             f"coalesce({province_of(owner)}, '') NOT IN {codes}",
                             f"a row of a unit outside your scope ({where})", hint, _text(s.table.column("unit_id"))))
    return probes


def _validate(cur, s: _Staged, mapping: dict, staged: dict[str, _Staged], failed: set[str], sink: _Sink,
              scope: Scope | None = None) -> None:
    t = s.table
    before = sink.total
    _run(cur, sink, s.file, s.rel,
         _column_probes(t, set(mapping)) + _check_probes(t) + _foreign_key_probes(s, staged, failed)
         + _scope_probes(s, staged, scope))
    _duplicates(cur, sink, s)
    if sink.total == before:  # only worth saying about rows that are otherwise valid
        _reference_changes(cur, sink, s)


# --------------------------------------------------------------------------- commit


def _upsert(cur, s: _Staged) -> tuple[int, int]:
    t = s.table
    names = ", ".join(_q(c) for c in t.names)
    on = " AND ".join(f"m.{_q(k)} = s.{_q(k)}" for k in t.key)
    updated = cur.execute(
        f"SELECT count(*) FROM {s.rel} s WHERE EXISTS (SELECT 1 FROM {_q(t.name)} m WHERE {on})").fetchall()[0][0]
    sql = f"INSERT INTO {_q(t.name)} ({names}) SELECT {names} FROM {s.rel} ORDER BY {_ROW}"
    if updated:  # keys are unique within the file (validated), so each row updates at most once
        rest = [c for c in t.names if c not in t.key]
        refs = [c.name for c in t.columns if c.ref and c.name not in t.key]
        if refs:
            # DuckDB rewrites a row whose foreign-key (indexed) column is set as delete + insert:
            # slow (12 s instead of 0.3 s for 500k reports), and refused for rows other tables
            # refer to even when the value is unchanged. So rows whose references really change
            # are updated on their own (validation has ruled out referenced ones), and the
            # upsert leaves reference columns alone.
            changed = " OR ".join(f"m.{_q(c)} IS DISTINCT FROM s.{_q(c)}" for c in refs)
            cur.execute(f"UPDATE {_q(t.name)} AS m SET {', '.join(f'{_q(c)} = s.{_q(c)}' for c in rest)} "
                        f"FROM {s.rel} AS s WHERE {on} AND ({changed})")
        sets = [c for c in rest if c not in refs]
        action = ("DO UPDATE SET " + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in sets)) if sets else "DO NOTHING"
        sql += f" ON CONFLICT ({', '.join(_q(k) for k in t.key)}) {action}"
    cur.execute(sql)
    return s.n_rows - int(updated), int(updated)


def loader_account() -> str:
    """Who is loading, as the load log records it: CARBONWATCH_USER when set (the signed-in user of
    a deployment), else the operating-system account running the command or the server."""
    try:
        return os.environ.get("CARBONWATCH_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's numeric uid)
        return f"uid {os.getuid()}"


def _commit(cur, staged: list[_Staged], source: str, loaded_by: str, user) -> dict[str, tuple[int, int]]:
    loaded_at = clock.now()  # Beijing wall-clock time, as every time the database holds (core.store.ddl)
    result: dict[str, tuple[int, int]] = {}
    current = None
    cur.execute("BEGIN TRANSACTION")
    try:
        for s in staged:
            current = s
            result[s.table.name] = _upsert(cur, s)
            cur.execute(
                "INSERT INTO load_log (loaded_at, source, table_name, file_name, inserted, updated, loaded_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [loaded_at, source, s.table.name, s.file, *result[s.table.name], loaded_by])
        audit.record(cur, user, "load", source, detail={
            "loaded_by": loaded_by, "files": {s.table.name: s.file for s in staged},
            "rows": {name: {"inserted": i, "updated": u} for name, (i, u) in result.items()}})
        cur.execute("COMMIT")
    except Exception as e:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the transaction was already aborted
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        file = current.file if current else "(load)"
        audit.record(cur, user, "load_rejected", source, outcome="failed",
                     detail={"loaded_by": loaded_by, "file": file, "error": first[:300]})
        raise LoadRejected([Problem(file, None, None, None, "commit_failed",
                                    f"the database refused the load and it was rolled back: {first}",
                                    "nothing was changed; fix the data named in the message, or report this "
                                    "if the files passed every other check")]) from e
    return result


# --------------------------------------------------------------------------- entry points


def _check_required(cur, tables: set[str], where: str, sink: _Sink) -> None:
    for t in schema.TABLES:
        if t.required_file and t.name not in tables:
            if cur.execute(f"SELECT count(*) FROM {_q(t.name)}").fetchall()[0][0] == 0:
                sink.add(Problem(where, None, None, None, "missing_file",
                                 f"no {t.name} file, and the database has no {t.name} yet",
                                 f"add {t.name}.csv (or .parquet / .xlsx) with the {t.name} table"))


def _load(con, files: dict[str, Path], source: str, where: str, sink: _Sink, warnings: list[str],
          loaded_by: str | None = None, user=None, scope: Scope | None = None) -> LoadReport:
    cur = con.cursor()  # own connection-level state: temp objects and the transaction
    staged: dict[str, _Staged] = {}
    failed: set[str] = set()
    try:
        for seq, t in enumerate(schema.TABLES):
            if t.name not in files:
                continue
            if scope is not None and scope.provinces is not None and t.name in NATIONAL_TABLES:
                sink.add(Problem(Path(files[t.name]).name, None, None, None, "outside_scope",
                                 f"{t.name} belongs to no province: a load in a provincial scope cannot hold it",
                                 "leave this file out; the national office loads it"))
                failed.add(t.name)
                continue
            try:
                raw = read_file(files[t.name])
            except LoadRejected as e:
                sink.extend(e.problems, e.total)
                failed.add(t.name)
                continue
            mapping = _map_headers(t, raw, sink, warnings)
            if mapping is None:
                failed.add(t.name)
                continue
            s = _stage(cur, t, raw, mapping, seq)
            _validate(cur, s, mapping, staged, failed, sink, scope)
            staged[t.name] = s
        if files:
            _check_required(cur, set(files), where, sink)
        if sink.total:
            audit.record(cur, user, "load_rejected", source, outcome="refused", detail={
                "loaded_by": loaded_by or (user.name if user else loader_account()),
                "files": {k: Path(v).name for k, v in files.items()}, "problems": sink.total,
                "first": [f"{p.file}:{p.row}:{p.column}: {p.message}" for p in sink.problems[:5]]})
            raise LoadRejected(sink.problems, sink.total)
        tables = _commit(cur, list(staged.values()), source,
                         loaded_by or (user.name if user else loader_account()), user)
        return LoadReport(tables, warnings)
    finally:
        for s in staged.values():
            cur.execute(f"DROP TABLE IF EXISTS {s.rel}")
        cur.close()


def load_files(con, files: dict[str, Path], *, source: str, loaded_by: str | None = None, user=None,
               scope: Scope | None = None) -> LoadReport:
    """Validate and load an explicit table -> file mapping (e.g. files uploaded to a temp folder)."""
    sink, known = _Sink(), {}
    for name, path in files.items():
        if name in schema.TABLE_BY_NAME:
            known[name] = Path(path)
        else:
            sink.add(Problem(Path(path).name, None, None, None, "unknown_table", f"'{name}' is not a table of the "
                             "data contract", "tables are: " + ", ".join(t.name for t in schema.TABLES)))
    if not files:
        sink.add(Problem("(upload)", None, None, None, "no_files", "no files to load",
                         "choose at least one file named after a table, e.g. enterprises.csv"))
    return _load(con, known, source, "(upload)", sink, [], loaded_by, user, scope)


def load_folder(con, folder: Path, *, source: str | None = None, loaded_by: str | None = None,
                user=None, scope: Scope | None = None) -> LoadReport:
    """Validate every `<table>.csv|.parquet|.xlsx` in `folder` and load them all, or nothing."""
    folder = Path(folder)
    sink, warnings = _Sink(), []
    files: dict[str, Path] = {}
    if not folder.is_dir():
        sink.add(Problem(str(folder), None, None, None, "no_folder", "folder not found",
                         "give the path of a folder holding one file per table"))
    else:
        for p in sorted(folder.iterdir()):
            if p.name.startswith(".") or p.is_dir():
                continue
            stem, suffix = p.stem.lower(), p.suffix.lower()
            if stem not in schema.TABLE_BY_NAME:
                warnings.append(f"{p.name}: not a table of the data contract, ignored")
            elif suffix not in FORMATS:
                sink.add(Problem(p.name, None, None, None, "unsupported_format", f"unsupported file type '{suffix}'",
                                 "save the table as .csv (UTF-8 or GB18030), .parquet or .xlsx"))
            elif stem in files:
                sink.add(Problem(p.name, None, None, None, "duplicate_file",
                                 f"two files for the {stem} table: {files[stem].name} and {p.name}",
                                 "keep exactly one file per table"))
            else:
                files[stem] = p
        if not files and not sink.total:
            sink.add(Problem(folder.name or str(folder), None, None, None, "no_files",
                             "no table files found in the folder",
                             "name files after the tables, e.g. enterprises.csv, units.csv, monthly_reports.csv"))
    return _load(con, files, source or str(folder), folder.name or str(folder), sink, warnings, loaded_by, user,
                 scope)
