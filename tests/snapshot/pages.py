"""Snapshot of what every page shows, captured with Streamlit's AppTest, and the comparison of two
snapshots: proof that a refactoring changed no page's output.

    python -m tests.snapshot.pages capture --db DB --out DIR [--root CHECKOUT] [--timeout 300]
    python -m tests.snapshot.pages compare DIR_A DIR_B [--rtol 1e-9]

Before and after a restructuring of `core/`, on the scale-1 national demo::

    git worktree add /tmp/base <commit before>
    (cd /tmp/base && python -m core.cli demo --scale 1 --seed 2022 --db /tmp/snap/demo1.duckdb)
    python -m tests.snapshot.pages capture --root /tmp/base --db /tmp/snap/demo1.duckdb --out /tmp/snap/before
    python -m tests.snapshot.pages capture --db /tmp/snap/demo1.duckdb --out /tmp/snap/after
    python -m tests.snapshot.pages compare /tmp/snap/before /tmp/snap/after   # exit 1 and the differences

**capture** opens each view as a link that is the session's first request (`AppTest.from_file(
ROOT/"app.py")`, `switch_page`, `query_params`, `run`), with `CARBONWATCH_DB` set to a private copy
of `--db` (the app opens its database writable and a page may write to it; the reference file is
never opened) and `CARBONWATCH_SCOPE` unset (national). `--root` (default: the checkout this file
lives in) is put first on `sys.path` and made the working directory, so that checkout's `app.py`,
`pages/` and `core` are the ones run. The tool imports nothing from `core`: only the page files are
a stable interface. The manifest records which `core` package the app actually imported.

The views: each of the eight pages (`app.py`, `pages/1_Data.py` … `pages/7_Scenarios.py`) with
`lang=en` and `lang=zh` (the Scenarios page opens with its default scenario), and, in both
languages, the deep links `Province ?province=37`, `Enterprise ?enterprise=<the first enterprise of
the Overview's top-risk table>`, `Market ?alert=<the first alert of the alerts table>` (when the
table is shown), `Intermediaries ?agency=<the first agency of the ranking table>`, and the filtered
Overview `?prov=37&from=2024-01`.

Of each view, every element of the main area, the sidebar and the event area, in order, with the
chain of containers it sits in (keys, columns, expanders…) and its user key:

- `dataframe` / `table`: the frame Streamlit received (what `.value` returns), saved as Parquet
  (Arrow IPC when Parquet cannot hold a type); a Styler's display values as a second frame and its
  CSS; the column configuration (labels, formats, link texts) as JSON;
- `vega_lite_chart` (st.altair_chart / st.vega_lite_chart): the spec JSON and every dataset it
  references as a frame;
- every other element (metric label/value/delta/help, title, header, subheader, markdown, caption,
  info, warning, error, success, exception, json, download button label, page links, widgets with
  their options and values, expander and tab labels…): its protobuf fields as JSON;
- the view's final query parameters (the URL the app leaves).

Normalisation (nondeterministic between two runs of the same code, or not part of the output):

- a time of day (`HH:MM[:SS]`), an ISO datetime and a date followed by a time (`3 Dec 2026 14:22`,
  `2026年12月3日 14:22`) in any text become `<time>` / `<datetime>` (load timestamps, "Generated
  …"; a constant clock time such as the close window's "14:30" in a help text is masked too);
  frames are not masked (their timestamps come from the database, which is the same file);
- the checkout root in any text becomes `<ROOT>` and the private database path `<DB>`;
- element ids (a hash of the widget's arguments), page links' `page_script_hash` (a hash of the
  page file's absolute path: it differs between checkouts; the link's page name and query string
  are kept) and media URLs (download buttons, images) are dropped; the hex digest ending a
  data-dependent user key (`top-1a2b3c4d5e`, `province_table_37_1e3dfe50933c`: a hash of a repr
  of the filters) is kept apart as `key_hash` and not compared; an exception's stack trace is
  dropped (file paths and line numbers move in a restructuring), its type and message are kept;
- a Styler's random uuid (`T_79f3b`) in its CSS becomes `T_<uuid>`;
- in a chart, the dataset names (`data-<hash>`, a hash of the data's serialisation) become
  `dataset_0, dataset_1…` in order of first appearance in the spec, and Altair's process-wide
  counters (`view_12`, `param_3`, `selector004`) are renumbered in order of appearance per chart.

**compare** checks that both snapshots hold the same views, each with the same elements in the
same order; frames: same columns in the same order, same number of rows, same index, dtypes of
the same family (int, float, bool, text/object, datetime with its zone, timedelta, category),
strings and integers exactly equal, floats within a relative tolerance of 1e-9 (NaN equals NaN);
JSON (texts, specs, widget states): equal, numbers within the same tolerance. It prints every
difference per view and element and exits 1, or a one-line summary and exits 0.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import decimal
import difflib
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

FORMAT = "carbonwatch-page-snapshot/1"
DEFAULT_ROOT = Path(__file__).resolve().parents[2]
LANGS = ("en", "zh")
PAGES = (
    ("overview", "app.py"),
    ("data", "pages/1_Data.py"),
    ("lab", "pages/2_Anomaly_Lab.py"),
    ("province", "pages/3_Province.py"),
    ("enterprise", "pages/4_Enterprise.py"),
    ("market", "pages/5_Market.py"),
    ("agencies", "pages/6_Intermediaries.py"),
    ("scenarios", "pages/7_Scenarios.py"),
)
PAGE_PATH = dict(PAGES)
MANIFEST = "manifest.json"
ELEMENTS = "elements.json"

# --- normalisation ---------------------------------------------------------------------------------

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_HHMM = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<datetime>"),
    (re.compile(rf"(?:\d{{1,2}} {_MONTH},? \d{{4}}|{_MONTH} \d{{1,2}},? \d{{4}}|\d{{4}}年\d{{1,2}}月\d{{1,2}}日)"
                rf",? ?(?:at )?{_HHMM}"), "<datetime>"),
    (re.compile(rf"(?<![A-Za-z0-9_:.\-/]){_HHMM}(?![A-Za-z0-9_:.\-/])"), "<time>"),
)
_STYLER_UUID = re.compile(r"T_[0-9a-f]{5,}")
_KEY_HASH = re.compile(r"^(.*?)[-_]([0-9a-f]{8,40})$")
_ALTAIR_COUNTER = re.compile(r"(?<![A-Za-z0-9])(view|param|selector)(_?)(\d+)(?![0-9])")
_DROP_FIELDS = {"id", "form_id", "url", "deferred_file_id", "stack_trace", "page_script_hash"}  # see the docstring
_ALERT_ID = re.compile(r"[a-z_]{3,32}:[A-Za-z0-9_.:\-]{1,100}")
_AGENCY_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class _Masker:
    def __init__(self, replacements: dict[str, str]):
        # longest first, so a path inside another is replaced whole
        self.replacements = sorted(((k, v) for k, v in replacements.items() if k), key=lambda kv: -len(kv[0]))

    def text(self, s: str) -> str:
        for old, new in self.replacements:
            s = s.replace(old, new)
        for rx, new in _MASKS:
            s = rx.sub(new, s)
        return s

    def tree(self, x):
        if isinstance(x, str):
            return self.text(x)
        if isinstance(x, dict):
            return {k: self.tree(v) for k, v in x.items()}
        if isinstance(x, list):
            return [self.tree(v) for v in x]
        return x


def _jsonable(x):
    """A widget value or proto field as plain JSON (dates as ISO text, sets sorted)."""
    import numpy as np

    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else repr(x)
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if isinstance(x, (dt.datetime, dt.date, dt.time)):
        return x.isoformat()
    if isinstance(x, dt.timedelta):
        return f"timedelta({x.total_seconds()})"
    if isinstance(x, decimal.Decimal):
        return str(x)
    if isinstance(x, bytes):
        return "bytes:" + hashlib.sha256(x).hexdigest()
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (set, frozenset)):
        return sorted((_jsonable(v) for v in x), key=repr)
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "to_dict"):
        try:
            return _jsonable(x.to_dict())
        except Exception:  # noqa: BLE001
            pass
    return repr(x)


def _proto_fields(proto, drop=()) -> dict:
    """The proto's set fields as JSON, without ids, media URLs and the fields in `drop`."""
    from google.protobuf.json_format import MessageToDict

    d = MessageToDict(proto, preserving_proto_field_name=True)
    for name in set(drop) | _DROP_FIELDS:
        d.pop(name, None)
    return d


def _renumber_counters(text: str) -> str:
    """Altair's process-wide counters (view_12, param_3, selector004) renumbered in order of first
    appearance, per kind, so the same chart gets the same names whatever was drawn before it."""
    seen: dict[tuple[str, str], str] = {}
    counts: Counter = Counter()

    def sub(m: re.Match) -> str:
        k = (m.group(1), m.group(2) + m.group(3))
        if k not in seen:
            seen[k] = f"{m.group(1)}{m.group(2)}#{counts[m.group(1)]}"
            counts[m.group(1)] += 1
        return seen[k]

    return _ALTAIR_COUNTER.sub(sub, text)


# --- frames ----------------------------------------------------------------------------------------

def _arrow_table(data: bytes):
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def _save_table(table, folder: Path, stem: str) -> str:
    """Parquet, or an Arrow IPC file when Parquet cannot hold one of the types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = f"{stem}.parquet"
    try:
        pq.write_table(table, folder / name)
        return name
    except (pa.ArrowException, NotImplementedError, ValueError, TypeError):
        (folder / name).unlink(missing_ok=True)
    name = f"{stem}.arrow"
    with pa.OSFile(str(folder / name), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return name


def _read_frame(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        with pa.memory_map(str(path)) as src:
            table = pa.ipc.open_file(src).read_all()
    return table.to_pandas()


def _arrow_parts(msg) -> tuple[bytes, object | None]:
    """The Arrow bytes and the styler of an Arrow proto (Dataframe.arrow_data, Table, datasets)."""
    fields = msg.DESCRIPTOR.fields_by_name
    data = msg.data if "data" in fields else b""
    styler = msg.styler if "styler" in fields and msg.HasField("styler") else None
    return data, styler


# --- capture ---------------------------------------------------------------------------------------

class _ViewCapture:
    """Walks one view's element tree and writes its elements and frames to `folder`."""

    def __init__(self, folder: Path, masker: _Masker):
        self.folder = folder
        self.mask = masker
        self.records: list[dict] = []
        self.tables: dict[tuple[int, str], object] = {}  # (element no., frame name) -> pyarrow Table

    def frame(self, n: int, name: str, data: bytes) -> dict:
        table = _arrow_table(data)
        self.tables[(n, name)] = table
        file = _save_table(table, self.folder, f"e{n:03d}.{name}")
        return {"file": file, "rows": table.num_rows, "columns": [str(c) for c in table.schema.names]}

    def walk(self, block, where: list[str]) -> None:
        from streamlit.testing.v1.element_tree import Block

        for idx in sorted(block.children):
            node = block.children[idx]
            if isinstance(node, Block):
                label = self._block_label(node, len([c for c in block.children if c < idx]))
                if node.type in {"expander", "tab", "popover", "status", "chat_message", "form", "dialog"}:
                    self.element(node, where, kind=f"block.{node.type}")
                self.walk(node, where + [label])
            else:
                self.element(node, where)

    @staticmethod
    def _block_label(node, position: int) -> str:
        key = None
        try:
            key = node.key
        except Exception:  # noqa: BLE001
            pass
        if key:
            m = _KEY_HASH.match(key)
            key = m.group(1) if m else key
        return f"{node.type}[{key}]" if key else f"{node.type}#{position}"

    def element(self, node, where: list[str], kind: str | None = None) -> None:
        n = len(self.records)
        kind = kind or getattr(node, "type", type(node).__name__)
        rec: dict = {"n": n, "kind": kind, "where": "/".join(where)}
        key = None
        try:
            key = node.key
        except Exception:  # noqa: BLE001
            pass
        if key:
            m = _KEY_HASH.match(key)
            rec["key"], rec["key_hash"] = (m.group(1), m.group(2)) if m else (key, None)
        proto = node.proto
        frames: dict[str, dict] = {}
        if proto is None:
            fields: dict = {}
        elif kind == "dataframe" or kind == "table":
            fields = _proto_fields(proto, drop=("arrow_data", "lazy_data", "data", "styler"))
            if isinstance(fields.get("columns"), str):
                try:
                    fields["columns"] = json.loads(fields["columns"])
                except ValueError:
                    pass
            arrow = proto.arrow_data if "arrow_data" in proto.DESCRIPTOR.fields_by_name else proto
            data, styler = _arrow_parts(arrow)
            if not data and "lazy_data" in proto.DESCRIPTOR.fields_by_name and proto.HasField("lazy_data"):
                data = proto.lazy_data.initial_chunk.data
            if data:
                frames["value"] = self.frame(n, "value", data)
            if styler is not None:
                fields["styler"] = {"caption": styler.caption,
                                    "styles": _STYLER_UUID.sub("T_<uuid>", styler.styles)}
                if styler.display_values:
                    frames["display_values"] = self.frame(n, "display_values", styler.display_values)
        elif kind in {"vega_lite_chart", "arrow_vega_lite_chart"}:
            fields = self._chart(n, proto, frames)
        else:
            fields = _proto_fields(proto)
            if kind == "json" and isinstance(fields.get("body"), str):
                try:
                    fields["body"] = json.loads(fields["body"])
                except ValueError:
                    pass
            if kind == "metric":
                fields = {"label": node.label, "value": node.value, "delta": node.delta, **fields}
            elif self._is_widget(node):
                try:
                    fields["value"] = _jsonable(node.value)
                except Exception as e:  # noqa: BLE001
                    fields["value"] = f"<unreadable: {type(e).__name__}>"
        rec["fields"] = self.mask.tree(_jsonable(fields))
        if frames:
            rec["frames"] = frames
        self.records.append(rec)

    @staticmethod
    def _is_widget(node) -> bool:
        from streamlit.testing.v1.element_tree import Widget

        return isinstance(node, Widget) and node.type != "download_button"

    def _chart(self, n: int, proto, frames: dict) -> dict:
        fields = _proto_fields(proto, drop=("spec", "data", "datasets"))
        spec_text = proto.spec or "{}"
        names = [d.name for d in proto.datasets]
        # dataset names in order of first appearance in the spec, then any unreferenced ones
        order = sorted(names, key=lambda nm: (spec_text.find(nm) if nm and nm in spec_text else len(spec_text) + 1,
                                              names.index(nm)))
        alias = {nm: f"dataset_{i}" for i, nm in enumerate(order)}
        for nm in sorted(alias, key=len, reverse=True):
            if nm:
                spec_text = spec_text.replace(json.dumps(nm)[1:-1], alias[nm])
        # Altair counters, renumbered over the spec and the selection modes together
        joined = _renumber_counters(json.dumps([spec_text, fields.get("selection_mode", [])]))
        spec_text, selection = json.loads(joined)
        if selection:
            fields["selection_mode"] = selection
        try:
            fields["spec"] = json.loads(spec_text)
        except ValueError:
            fields["spec"] = spec_text
        for d in proto.datasets:
            data, _ = _arrow_parts(d.data)
            if data:
                frames[alias[d.name]] = self.frame(n, alias[d.name], data)
        data, _ = _arrow_parts(proto.data)
        if data:
            frames["data"] = self.frame(n, "data", data)
        return fields


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name)


def _first_value(cap: _ViewCapture, under_key: str | None, pattern: re.Pattern, *, link_param: str | None = None,
                 prefer_last: bool = True) -> str | None:
    """A value of the first row of the first dataframe (inside the container keyed `under_key`):
    the `link_param` of a link cell, or the cell matching `pattern` (the last column first)."""
    for rec in cap.records:
        if rec["kind"] != "dataframe" or "value" not in rec.get("frames", {}):
            continue
        if under_key and f"[{under_key}]" not in rec["where"]:
            continue
        table = cap.tables[(rec["n"], "value")]
        if table.num_rows == 0:
            continue
        row = table.slice(0, 1).to_pylist()[0]
        cells = [v for k, v in row.items() if not str(k).startswith("__index_level")]
        if prefer_last:
            cells = cells[::-1]
        for v in cells:
            if not isinstance(v, str):
                continue
            if link_param:
                m = re.search(rf"[?&]{re.escape(link_param)}=([^&#\s]+)", v)
                if m:
                    return unquote(m.group(1))
            elif pattern.fullmatch(v):
                return v
        return None
    return None


def _run_view(root: Path, page: str, query: dict[str, str], timeout: float):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(root / "app.py"), default_timeout=timeout)
    if page != "app.py":
        at.switch_page(page)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def capture(db: Path, out: Path, root: Path, timeout: float, only: set[str] | None = None) -> int:
    root, db, out = root.resolve(), db.resolve(), out.resolve()
    if not (root / "app.py").exists():
        print(f"error: no app.py in {root}", file=sys.stderr)
        return 2
    if not db.exists():
        print(f"error: no database at {db}", file=sys.stderr)
        return 2
    if out.exists() and any(out.iterdir()):
        if not (out / MANIFEST).exists():
            print(f"error: {out} is not empty and holds no snapshot; refusing to overwrite it", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    # the app and its `core` come from `root`
    sys.path[:] = [str(root)] + [p for p in sys.path if Path(p or ".").resolve() != root]
    os.chdir(root)
    tmp = Path(tempfile.mkdtemp(prefix="carbonwatch-snapshot-"))
    private = tmp / db.name
    shutil.copyfile(db, private)
    if Path(str(db) + ".wal").exists():
        shutil.copyfile(str(db) + ".wal", str(private) + ".wal")
    os.environ["CARBONWATCH_DB"] = str(private)
    os.environ.pop("CARBONWATCH_SCOPE", None)
    masker = _Masker({str(private): "<DB>", str(tmp): "<DB_DIR>", str(root): "<ROOT>"})

    import streamlit

    manifest: dict = {
        "format": FORMAT, "root": str(root), "db": str(db), "db_sha256": _sha256(db),
        "streamlit": streamlit.__version__, "python": sys.version.split()[0],
        "captured_at": dt.datetime.now().isoformat(timespec="seconds"), "views": [],
    }
    derived: dict[str, str | None] = {}
    t_all = time.perf_counter()

    def view(name: str, page_name: str, query: dict[str, str]) -> _ViewCapture | None:
        if only and not any(name.startswith(o) for o in only):
            return None
        folder = out / _slug(name)
        folder.mkdir()
        cap = _ViewCapture(folder, masker)
        entry: dict = {"name": name, "page": PAGE_PATH[page_name], "query": query, "dir": folder.name}
        t0 = time.perf_counter()
        try:
            at = _run_view(root, PAGE_PATH[page_name], query, timeout)
        except Exception as e:  # noqa: BLE001 - the harness failed (timeout…): record it, go on
            entry["error"] = masker.text(f"{type(e).__name__}: {e}")
            at = None
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        if at is not None:
            tree = at._tree
            for i, area in ((0, "main"), (1, "sidebar"), (2, "event")):
                if i in tree.children:
                    cap.walk(tree.children[i], [area])
            entry["final_query"] = masker.tree(_jsonable(dict(sorted(at.query_params.items()))))
        (folder / ELEMENTS).write_text(json.dumps(cap.records, ensure_ascii=False, indent=1, sort_keys=True))
        kinds = Counter(r["kind"] for r in cap.records)
        entry.update(elements=len(cap.records), frames=sum(len(r.get("frames", {})) for r in cap.records),
                     kinds=dict(sorted(kinds.items())))
        problems = [r["kind"] for r in cap.records if r["kind"] in {"exception", "error"}]
        flag = f"  [{', '.join(problems)}]" if problems else ""
        err = f"  HARNESS ERROR: {entry['error']}" if "error" in entry else ""
        print(f"  {name:<34} {entry['seconds']:>6.1f} s  {entry['elements']:>4} elements  "
              f"{entry['frames']:>3} frames{flag}{err}", flush=True)
        manifest["views"].append(entry)
        return cap

    try:
        print(f"capturing {root} on a copy of {db}", flush=True)
        for page_name, _ in PAGES:
            for lang in LANGS:
                cap = view(f"{page_name}.{lang}", page_name, {"lang": lang})
                if cap is None or lang != "en":
                    continue
                if page_name == "overview":
                    derived["enterprise"] = _first_value(cap, "top_risks", _AGENCY_ID, link_param="enterprise")
                elif page_name == "market":
                    derived["alert"] = _first_value(cap, "market_alerts", _ALERT_ID)
                elif page_name == "agencies":
                    derived["agency"] = _first_value(cap, "agency_ranking", _AGENCY_ID)
        manifest["derived"] = derived
        for lang in LANGS:
            view(f"overview.prov37.from2024-01.{lang}", "overview", {"lang": lang, "prov": "37", "from": "2024-01"})
        for lang in LANGS:
            view(f"province.37.{lang}", "province", {"lang": lang, "province": "37"})
        deep = (("enterprise", "enterprise", "enterprise.top"), ("market", "alert", "market.alert.first"),
                ("agencies", "agency", "agencies.agency.first"))
        for page_name, param, name in deep:
            if not derived.get(param):
                if not only or any(name.startswith(o) for o in only):
                    print(f"  {name:<34} skipped: no {param} found to link to", flush=True)
                    manifest.setdefault("skipped", []).append(name)
                continue
            for lang in LANGS:
                view(f"{name}.{lang}", page_name, {"lang": lang, param: derived[param]})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    core = sys.modules.get("core")
    manifest["core_imported_from"] = masker.text(str(Path(core.__file__).resolve().parent)) if core else None
    manifest["seconds"] = round(time.perf_counter() - t_all, 1)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    views = manifest["views"]
    n_el = sum(v["elements"] for v in views)
    n_fr = sum(v["frames"] for v in views)
    print(f"captured {len(views)} views, {n_el} elements, {n_fr} frames in {manifest['seconds']} s -> {out} "
          f"(core from {manifest['core_imported_from']})")
    if core and not Path(core.__file__).resolve().is_relative_to(root):
        print(f"error: the app imported core from {core.__file__}, not from {root}", file=sys.stderr)
        return 2
    failed = [v["name"] for v in views if "error" in v]
    if failed:
        print(f"error: the harness failed on {', '.join(failed)}", file=sys.stderr)
        return 2
    return 0


# --- compare ---------------------------------------------------------------------------------------

def _close(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def _is_na(x) -> bool:
    try:
        import pandas as pd

        r = pd.isna(x)
        return bool(r) if isinstance(r, (bool,)) or getattr(r, "shape", None) == () else False
    except (TypeError, ValueError):
        return False


def _value_eq(a, b, rtol: float) -> bool:
    """Cell equality: exact, except floats (relative tolerance) and NA == NA; lists and dicts
    element-wise."""
    import numpy as np

    if isinstance(a, np.ndarray):
        a = a.tolist()
    if isinstance(b, np.ndarray):
        b = b.tolist()
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_value_eq(x, y, rtol) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(_value_eq(a[k], b[k], rtol) for k in a))
    na_a, na_b = _is_na(a), _is_na(b)
    if na_a or na_b:
        return na_a and na_b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return _close(float(a), float(b), rtol)
        return False
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return a == b


def _family(dtype) -> str:
    import pandas as pd
    from pandas.api import types as pt

    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pt.is_bool_dtype(dtype):
        return "bool"
    if pt.is_integer_dtype(dtype):
        return "int"
    if pt.is_float_dtype(dtype):
        return "float"
    if pt.is_complex_dtype(dtype):
        return "complex"
    if pt.is_datetime64_any_dtype(dtype):
        return f"datetime[{getattr(dtype, 'tz', None)}]"
    if pt.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pt.is_string_dtype(dtype) or pt.is_object_dtype(dtype):
        return "text/object"
    return str(dtype)


def _short(x, n: int = 80) -> str:
    if hasattr(x, "item") and getattr(x, "shape", None) == ():  # a numpy scalar, shown as Python's
        x = x.item()
    s = repr(x)
    return s if len(s) <= n else s[: n - 1] + "…"


def _series_diffs(sa, sb, label: str, rtol: float, limit: int) -> list[str]:
    import numpy as np

    fa, fb = _family(sa.dtype), _family(sb.dtype)
    out = []
    if fa != fb:
        out.append(f"{label}: dtype {sa.dtype} ({fa}) vs {sb.dtype} ({fb})")
    if fa == fb == "float":
        a, b = sa.to_numpy(dtype=float, na_value=np.nan), sb.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)))
        bad = np.flatnonzero(~same)
    else:
        va, vb = sa.tolist(), sb.tolist()
        bad = [i for i, (x, y) in enumerate(zip(va, vb)) if not _value_eq(x, y, rtol)]
    if len(bad):
        rows = [f"row {sa.index[i]!r}: {_short(sa.iloc[i])} vs {_short(sb.iloc[i])}" for i in bad[:limit]]
        more = f" (+{len(bad) - limit} more)" if len(bad) > limit else ""
        out.append(f"{label}: {len(bad)} of {len(sa)} values differ{more}\n" + "\n".join("        " + r for r in rows))
    return out


def _frame_diffs(pa_: Path, pb: Path, rtol: float, limit: int) -> list[str]:
    import pandas as pd

    a, b = _read_frame(pa_), _read_frame(pb)
    out = []
    ca, cb = [str(c) for c in a.columns], [str(c) for c in b.columns]
    if ca != cb:
        only_a = [c for c in ca if c not in cb]
        only_b = [c for c in cb if c not in ca]
        msg = f"columns differ: A {ca} vs B {cb}"
        if only_a or only_b:
            msg += f" (only in A: {only_a}; only in B: {only_b})"
        out.append(msg)
    if len(a) != len(b):
        out.append(f"rows: {len(a)} vs {len(b)}")
        return out
    ia, ib = a.index.to_series().reset_index(drop=True), b.index.to_series().reset_index(drop=True)
    if not (isinstance(a.index, pd.RangeIndex) and isinstance(b.index, pd.RangeIndex) and a.index.equals(b.index)):
        out += _series_diffs(ia, ib, "index", rtol, limit)
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if ca == cb:
        pairs = [(ca[i], a.iloc[:, i], b.iloc[:, i]) for i in range(len(ca))]
    else:
        common = [c for c in ca if c in cb and ca.count(c) == 1 and cb.count(c) == 1]
        pairs = [(c, a.iloc[:, ca.index(c)], b.iloc[:, cb.index(c)]) for c in common]
    for name, sa, sb in pairs:
        out += _series_diffs(sa, sb, f"column {name!r}", rtol, limit)
    return out


def _json_diffs(a, b, path: str, rtol: float, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append(f"{p}: only in A: {_short(a[k], 160)}")
            elif k not in a:
                out.append(f"{p}: only in B: {_short(b[k], 160)}")
            else:
                _json_diffs(a[k], b[k], p, rtol, out, limit)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} vs {len(b)} items")
            sm = difflib.SequenceMatcher(a=[json.dumps(x, sort_keys=True) for x in a],
                                         b=[json.dumps(x, sort_keys=True) for x in b], autojunk=False)
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op != "equal" and len(out) < limit:
                    out.append(f"{path}[{i1}:{i2}] vs [{j1}:{j2}] ({op}): "
                               f"{_short(a[i1:i2], 160)} vs {_short(b[j1:j2], 160)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _json_diffs(x, y, f"{path}[{i}]", rtol, out, limit)
        return
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        if (isinstance(a, float) or isinstance(b, float)) and _close(float(a), float(b), rtol):
            return
        if a == b and type(a) is type(b):
            return
    elif a == b and type(a) is type(b):
        return
    if isinstance(a, str) and isinstance(b, str) and (len(a) > 60 or len(b) > 60):
        d = "\n".join("        " + ln for ln in difflib.unified_diff(a.splitlines(), b.splitlines(), "A", "B",
                                                                     lineterm="", n=0))
        out.append(f"{path}: text differs\n        A: {_short(a, 300)}\n        B: {_short(b, 300)}"
                   + (f"\n{d}" if a.count("\n") > 1 else ""))
    else:
        out.append(f"{path}: {_short(a, 160)} vs {_short(b, 160)}")


def _signature(rec: dict) -> tuple:
    return rec["kind"], rec["where"], rec.get("key")


def _describe(rec: dict) -> str:
    f = rec.get("fields", {})
    text = f.get("body") or f.get("label") or ""
    if isinstance(text, (dict, list)):
        text = json.dumps(text, ensure_ascii=False)
    key = f" key={rec['key']}" if rec.get("key") else ""
    return f"#{rec['n']} {rec['kind']}{key} @ {rec['where']} {_short(text, 70) if text else ''}".rstrip()


def _element_diffs(ra: dict, rb: dict, da: Path, db_: Path, rtol: float, limit: int) -> list[str]:
    out: list[str] = []
    _json_diffs(ra.get("fields", {}), rb.get("fields", {}), "", rtol, out, limit)
    fa, fb = ra.get("frames", {}), rb.get("frames", {})
    for name in sorted(set(fa) | set(fb)):
        if name not in fb:
            out.append(f"frame {name}: only in A")
        elif name not in fa:
            out.append(f"frame {name}: only in B")
        else:
            found = _frame_diffs(da / fa[name]["file"], db_ / fb[name]["file"], rtol, limit)
            out += [f"frame {name}: {m}" for m in found]
    return out


def compare(dir_a: Path, dir_b: Path, rtol: float = 1e-9, limit: int = 10) -> int:
    ma = json.loads((dir_a / MANIFEST).read_text())
    mb = json.loads((dir_b / MANIFEST).read_text())
    report: list[str] = []
    notes: list[str] = []
    if ma.get("db_sha256") != mb.get("db_sha256"):
        notes.append(f"note: the snapshots were taken on different databases ({ma.get('db')} vs {mb.get('db')})")
    for side, m in (("A", ma), ("B", mb)):
        bad = [v["name"] for v in m["views"] if "error" in v]
        if bad:
            report.append(f"{side}: the capture failed on {', '.join(bad)}")
    va = {v["name"]: v for v in ma["views"]}
    vb = {v["name"]: v for v in mb["views"]}
    if list(va) != list(vb):
        only_a = [n for n in va if n not in vb]
        only_b = [n for n in vb if n not in va]
        if only_a or only_b:
            report.append(f"views differ: only in A {only_a}; only in B {only_b}")
        else:
            report.append("views are in a different order")
    if ma.get("derived") != mb.get("derived"):
        report.append(f"deep-link targets differ: A {ma.get('derived')} vs B {mb.get('derived')}")
    n_views = n_elements = n_frames = 0
    for name, a in va.items():
        if name not in vb:
            continue
        b = vb[name]
        n_views += 1
        lines: list[str] = []
        if a["query"] != b["query"]:
            lines.append(f"query: {a['query']} vs {b['query']}")
        if a.get("final_query") != b.get("final_query"):
            lines.append(f"URL after the run: {a.get('final_query')} vs {b.get('final_query')}")
        ea = json.loads((dir_a / a["dir"] / ELEMENTS).read_text())
        eb = json.loads((dir_b / b["dir"] / ELEMENTS).read_text())
        sa, sb = [_signature(r) for r in ea], [_signature(r) for r in eb]
        pairs: list[tuple[dict, dict]] = []
        if sa == sb:
            pairs = list(zip(ea, eb))
        else:
            sm = difflib.SequenceMatcher(a=sa, b=sb, autojunk=False)
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1
                                     and all(x[0] == y[0] for x, y in zip(sa[i1:i2], sb[j1:j2]))):
                    if op == "replace":
                        for x, y in zip(ea[i1:i2], eb[j1:j2]):
                            lines.append(f"{_describe(x)}: moved/re-keyed, B has {y['where']} key={y.get('key')}")
                    pairs += list(zip(ea[i1:i2], eb[j1:j2]))
                    continue
                for r in ea[i1:i2]:
                    lines.append(f"only in A: {_describe(r)}")
                for r in eb[j1:j2]:
                    lines.append(f"only in B: {_describe(r)}")
        for x, y in pairs:
            n_elements += 1
            n_frames += len(x.get("frames", {}))
            d = _element_diffs(x, y, dir_a / a["dir"], dir_b / b["dir"], rtol, limit)
            if d:
                lines.append(f"{_describe(x)}:")
                lines += ["    " + ln for ln in d]
        if lines:
            report.append(f"== {name} ({a['page']} {a['query']})")
            report += ["  " + ln for ln in lines]
    for n in notes:
        print(n)
    if report:
        print("\n".join(report))
        n_diff = sum(1 for r in report if r.startswith("== "))
        print(f"DIFFERENT: {dir_a} vs {dir_b} ({n_diff} of {n_views} views differ)")
        return 1
    print(f"identical: {n_views} views, {n_elements} elements, {n_frames} frames ({dir_a} = {dir_b}, rtol {rtol:g})")
    return 0


# --- command line ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.snapshot.pages", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture", help="run every view with AppTest and save what it shows")
    c.add_argument("--db", required=True, type=Path, help="the database (copied; never opened itself)")
    c.add_argument("--out", required=True, type=Path, help="the snapshot folder (replaced if it is one)")
    c.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=f"the checkout to run (default {DEFAULT_ROOT})")
    c.add_argument("--timeout", type=float, default=300.0, help="seconds per AppTest run (default 300)")
    c.add_argument("--only", default="", help="comma-separated view-name prefixes (for debugging)")
    k = sub.add_parser("compare", help="compare two snapshots; exit 1 when they differ")
    k.add_argument("dir_a", type=Path)
    k.add_argument("dir_b", type=Path)
    k.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance for floats (default 1e-9)")
    k.add_argument("--limit", type=int, default=10, help="differences shown per frame column or element")
    args = ap.parse_args(argv)
    if args.cmd == "capture":
        only = {o.strip() for o in args.only.split(",") if o.strip()} or None
        return capture(args.db, args.out, args.root, args.timeout, only)
    return compare(args.dir_a, args.dir_b, args.rtol, args.limit)


if __name__ == "__main__":
    sys.exit(main())
