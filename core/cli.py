"""Command line: `python -m core.cli {load,demo} ...`.

    python -m core.cli load DIR [--db PATH]
    python -m core.cli demo [--scale S] [--seed N] [--out DIR] [--db PATH] [--format parquet|csv] [--no-assess]
    python -m core.cli score [--db PATH] [--detectors a,b] [--out ranked.csv]
    python -m core.cli evaluate [--db PATH] [--detectors a,b] [--budget 0.05] [--labels planted|decided]
    python -m core.cli detector-bench FOLDER [--trials 3] [--max-rows 10000] [--seed 0] [--markdown FILE] [--json FILE]
    python -m core.cli user add NAME --role ROLE [--provinces 37,32] [--password-stdin] [--db PATH]
    python -m core.cli user set NAME [--role ROLE] [--provinces 37,32] [--password-stdin] [--disable|--enable] [--db PATH]
    python -m core.cli contract-doc > docs/DATA_CONTRACT.md
    python -m core.cli user list [--db PATH]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from core.engine import detectors
from core.export import cells
from core.contract import roles
from core.insight import case_history, evaluate, runs
from core.store import db
from core.words import i18n
from core.words import reasons as reason_words


def _print_load_report(report) -> None:
    for table, (ins, upd) in report.tables.items():
        print(f"  {table:<16} inserted {ins:>9,}  updated {upd:>9,}")
    for w in report.warnings:
        print(f"  warning: {w}")


def _writable(path):
    """The database open for writing, or None after saying why not (the app holds it)."""
    try:
        return db.connect(path)
    except db.DatabaseBusy as e:
        print(f"error: {e}", file=sys.stderr)
        return None


def cmd_load(args) -> int:
    from core.store import loader

    con = _writable(args.db)
    if con is None:
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
    from core import demo
    from core.store import loader, loads

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
        report = loader.load_folder(con, out, source=loads.demo_source(args.scale, args.seed))
    except loader.LoadRejected as e:
        print(e.render(), file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"loaded into {path} in {time.perf_counter() - t1:.1f} s (total {time.perf_counter() - t0:.1f} s)")
    _print_load_report(report)
    if args.assess:
        t2 = time.perf_counter()
        con = db.connect(path)
        try:
            run = runs.run(con)
        finally:
            con.close()
        print(f"assessed (run {run.run_id}: rules + {', '.join(run.config.detectors)}) in "
              f"{time.perf_counter() - t2:.1f} s")
        con = db.connect(path)
        try:
            n = case_history.seed(con, roles.SYSTEM, run.run_id, args.seed)
        finally:
            con.close()
        print(f"case history: {n:,} cases of past years and open ones of the latest (synthetic, from the assessment)")
    return 0


def _open(path, read_only=False):
    try:
        return db.connect(path, read_only=read_only)
    except (db.DatabaseBusy, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2)


def _config(args) -> "runs.RunConfig":
    dets = tuple(d.strip() for d in args.detectors.split(",") if d.strip()) if args.detectors else None
    try:
        return runs.RunConfig(detectors=dets) if dets else runs.RunConfig()
    except ValueError as e:
        print(f"error: {e}; known detectors: {', '.join(detectors.REGISTRY)}", file=sys.stderr)
        raise SystemExit(2)


def cmd_score(args) -> int:
    config = _config(args)
    con = _open(args.db)
    try:
        t0 = time.perf_counter()
        run = runs.run(con, config, progress=lambda msg, frac: print(f"  {frac:4.0%} {msg}", file=sys.stderr))
        ranked = runs.ranked(con, run.run_id)
    finally:
        con.close()
    out = ranked.assign(top_reasons=[reason_words.describe_reasons(r, i18n.DEFAULT_LANG) for r in ranked.reasons])[
        ["enterprise_id", "risk_score", "band", "year", "top_reasons"]].rename(columns={"year": "worst_year"})
    source = "read back from storage" if run.from_store else f"computed in {run.duration_s:.1f} s"
    print(f"run {run.run_id} ({source}; {time.perf_counter() - t0:.2f} s); bands: "
          + ", ".join(f"{b} {n}" for b, n in out.band.value_counts().items()), file=sys.stderr)
    if args.out:
        cells.neutral_frame(out).to_csv(args.out, index=False)
        print(f"wrote {len(out):,} enterprises to {args.out}", file=sys.stderr)
    else:
        cells.neutral_frame(out).to_csv(sys.stdout, index=False)
    return 0


def cmd_evaluate(args) -> int:
    config = _config(args)
    con = _open(args.db)
    try:
        run = runs.run(con, config)
        try:
            ev = evaluate.evaluate(con, run, budget=args.budget, labels=args.labels)
        except LookupError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    finally:
        con.close()
    if ev.labels == "decided":
        print(f"run {run.run_id}: {ev.n_enterprises:,} enterprises, {ev.n_labels} decided cases on {ev.n_decided} "
              f"enterprises, {ev.n_positive} with a confirmed decision, review budget {ev.budget:.0%} = "
              f"{ev.budget_k} enterprises")
        print("decided cases are a biased sample (only what was inspected): decided@k counts the top k with a "
              "decision, precision_decided@k is the confirmed share among them")
    else:
        print(f"run {run.run_id}: {ev.n_enterprises:,} enterprises, {ev.n_positive} confirmed cases, "
              f"review budget {ev.budget:.0%} = {ev.budget_k} enterprises")
    print(ev.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    print("recall within the review budget, per pattern (risk composite"
          + (", confirmed cases):" if ev.labels == "decided" else "):"))
    print(ev.per_pattern.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0


def cmd_detector_bench(args) -> int:
    import json

    from core.engine import benchmark

    started = time.perf_counter()
    try:
        result = benchmark.run(Path(args.folder), trials=args.trials, max_rows=args.max_rows, seed=args.seed,
                               progress=lambda msg: print(f"  {msg}", file=sys.stderr, flush=True))
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    current, chosen = benchmark.summary(result), benchmark.summary(result, benchmark.choose(result))
    table = benchmark.markdown(result)
    print(table)
    print()
    for label, s in (("default ensemble", current), ("chosen by the benchmark", chosen)):
        print(f"{label} {s['ensemble']}: at or above the mean of the {len(benchmark.CLASSIC)} classic detectors on "
              f"{s['at_or_above_classic_mean']} of {s['sets']} sets ({s['share_at_or_above_classic_mean']:.0%}); "
              f"mean ROC-AUC {s['ensemble_mean_auc']:.3f} against {s['best_single_mean_auc']:.3f} for the best "
              f"single detector ({s['best_single_detector']}), a gap of {s['gap_to_best_single']:+.3f}; "
              f"{s['gap_to_per_set_best']:+.3f} below each set's best on average")
    print(f"{len(result.auc)} sets x {args.trials} trials in {time.perf_counter() - started:.0f} s; fit + score seconds: "
          + ", ".join(f"{k} {v:.0f}" for k, v in sorted(result.seconds.items(), key=lambda kv: -kv[1])))
    if result.failed:
        print("could not run: " + "; ".join(f"{k} on {', '.join(v)}" for k, v in result.failed.items()))
    if args.markdown:
        Path(args.markdown).write_text(table + "\n", encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "trials": result.trials, "max_rows": result.max_rows, "seed": result.seed,
            "sets": result.sets.to_dict(orient="records"), "auc": result.auc.round(4).to_dict(orient="index"),
            "seconds": result.seconds, "failed": result.failed, "default": current, "chosen": chosen}, indent=1),
            encoding="utf-8")
    return 0


def _read_password(args) -> str:
    """The new account's password: one line of standard input (--password-stdin, for scripts), or
    typed twice at a prompt that does not echo it."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_contract_doc(args) -> int:
    from core.words import contract_doc

    sys.stdout.write(contract_doc.markdown())
    return 0


def cmd_user(args) -> int:
    from core.contract import access
    from core.store import accounts

    con = _writable(args.db)
    if con is None:
        return 2
    try:
        if args.action == "list":
            shown = accounts.users(con)
            if shown.empty:
                print("no accounts: the app runs in demo mode on 127.0.0.1 and refuses other addresses")
            for r in shown.itertuples():
                print(f"{r.name:<24} {r.role:<20} {r.provinces or 'all provinces':<20} "
                      f"{'disabled' if r.disabled else 'enabled'}  created {r.created_at:%Y-%m-%d %H:%M} by {r.created_by}")
            return 0
        try:
            provinces = access.parse_scope(args.provinces, set(access.province_names())).provinces \
                if args.provinces else None
            if args.action == "set":
                password = _read_password(args) if args.password_stdin else None
                user = accounts.change_user(con, args.name, role=args.role, provinces=provinces, password=password,
                                            disabled=args.disabled)
            else:
                password = _read_password(args)
                user = accounts.add_user(con, args.name, args.role, provinces, password, by=None)
        except (access.ScopeError, accounts.AccountError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        where = "all provinces" if user.scope.provinces is None else roles.provinces_text(user.provinces)
        print(f"user {user.name} {'changed' if args.action == 'set' else 'added'}: {user.role}, {where}")
        return 0
    finally:
        con.close()


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
    pd_.add_argument("--no-assess", dest="assess", action="store_false",
                     help="skip the risk assessment run after loading")
    pd_.set_defaults(func=cmd_demo)

    for name, func, text in (("score", cmd_score, "rank every enterprise by risk (rules + detectors), highest first"),
                             ("evaluate", cmd_evaluate, "measure the ranking against case_labels or decided cases")):
        ps = sub.add_parser(name, help=text)
        ps.add_argument("--db", help="database file (default: $CARBONWATCH_DB or data/carbonwatch.duckdb)")
        ps.add_argument("--detectors", help=f"comma-separated, default {','.join(detectors.DEFAULT_ENSEMBLE)}")
        if name == "score":
            ps.add_argument("--out", help="CSV file for the ranking (default: standard output)")
        else:
            ps.add_argument("--budget", type=float, default=0.05, help="review budget, share of enterprises")
            ps.add_argument("--labels", choices=evaluate.LABEL_SOURCES, default="planted",
                            help="planted: the case_labels table (the demo's planted cases); decided: the last "
                                 "decision of every enterprise case")
        ps.set_defaults(func=func)

    pb = sub.add_parser("detector-bench", help="the detectors and their ensemble on ADBench's classical sets "
                        "(PyOD's protocol), side by side")
    pb.add_argument("folder", help="folder of ADBench .npz files (adbench/datasets/Classical/ of github.com/Minqi824/ADBench)")
    pb.add_argument("--trials", type=int, default=3, help="random 60/40 splits per set (PyOD's benchmark uses 10)")
    pb.add_argument("--max-rows", type=int, default=10_000, help="larger sets are subsampled (stratified) to this")
    pb.add_argument("--seed", type=int, default=0)
    pb.add_argument("--markdown", help="write the table to this file")
    pb.add_argument("--json", help="write every figure to this file")
    pb.set_defaults(func=cmd_detector_bench)

    pc = sub.add_parser("contract-doc", help="the import format as Markdown, from the schema (docs/DATA_CONTRACT.md)")
    pc.set_defaults(func=cmd_contract_doc)

    pu = sub.add_parser("user", help="local accounts of a standalone office: add, change, list")
    pu.add_argument("action", choices=("add", "set", "list"))
    pu.add_argument("name", nargs="?", help="the account's name (add)")
    pu.add_argument("--role", choices=("national_admin", "national_analyst", "provincial_analyst", "viewer"))
    pu.add_argument("--provinces", help="province codes of a provincial account, e.g. 37,32")
    pu.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    state = pu.add_mutually_exclusive_group()
    state.add_argument("--disable", dest="disabled", action="store_const", const=True, help="set: no more sign-ins")
    state.add_argument("--enable", dest="disabled", action="store_const", const=False, help="set: sign-ins again")
    pu.add_argument("--db", help="database file (default: $CARBONWATCH_DB or data/carbonwatch.duckdb)")
    pu.set_defaults(func=cmd_user)

    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "cmd", None) == "user" and args.action == "add" and not (args.name and args.role):
        parser.error("user add needs NAME and --role")
    if getattr(args, "cmd", None) == "user" and args.action == "set" and not args.name:
        parser.error("user set needs NAME")
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `score | head`: the reader has what it wanted
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
