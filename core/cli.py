"""Command line: `python -m core.cli {load,demo} ...`.

    python -m core.cli load DIR [--db PATH]
    python -m core.cli demo [--scale S] [--seed N] [--out DIR] [--db PATH] [--format parquet|csv]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from core import db


def _print_load_report(report) -> None:
    for table, (ins, upd) in report.tables.items():
        print(f"  {table:<16} inserted {ins:>9,}  updated {upd:>9,}")
    for w in report.warnings:
        print(f"  warning: {w}")


def cmd_load(args) -> int:
    from core import loader

    try:
        con = db.connect(args.db)
    except db.DatabaseBusy as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        report = loader.load_folder(con, Path(args.folder))
    except loader.LoadRejected as e:
        print(e.render(), file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"loaded {args.folder} into {db.resolve_path(args.db)}")
    _print_load_report(report)
    return 0


def cmd_demo(args) -> int:
    from core import demo, loader

    t0 = time.perf_counter()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="carbonwatch-demo-"))
    summary = demo.write(out, scale=args.scale, seed=args.seed, fmt=args.format)
    t1 = time.perf_counter()
    print(f"demo data (scale {args.scale}, seed {args.seed}) written to {out} in {t1 - t0:.1f} s")
    for k, v in summary.items():
        print(f"  {k:<22} {v:>12,}")
    path = db.resolve_path(args.db)
    if path.exists() and not args.append:
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    try:
        con = db.connect(path)
    except db.DatabaseBusy as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        report = loader.load_folder(con, out, source=f"demo scale={args.scale} seed={args.seed}")
    except loader.LoadRejected as e:
        print(e.render(), file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"loaded into {path} in {time.perf_counter() - t1:.1f} s (total {time.perf_counter() - t0:.1f} s)")
    _print_load_report(report)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.cli", description="CarbonWatch command line")
    sub = p.add_subparsers(dest="cmd", required=True)

    pl = sub.add_parser("load", help="validate a folder in the data-contract format and load it (all or nothing)")
    pl.add_argument("folder")
    pl.add_argument("--db", help="database file (default: $CARBONWATCH_DB or data/carbonwatch.duckdb)")
    pl.set_defaults(func=cmd_load)

    pd_ = sub.add_parser("demo", help="generate the calibrated national demo data and load it through the loader")
    pd_.add_argument("--scale", type=float, default=1.0, help="1 = national size (about 2,200 power enterprises)")
    pd_.add_argument("--seed", type=int, default=2022)
    pd_.add_argument("--out", help="folder for the contract files (default: a temporary folder)")
    pd_.add_argument("--db", help="database file (default: $CARBONWATCH_DB or data/carbonwatch.duckdb)")
    pd_.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    pd_.add_argument("--append", action="store_true", help="load into an existing database instead of replacing it")
    pd_.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
