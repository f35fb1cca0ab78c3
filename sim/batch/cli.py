"""`mutualsim sweep` and `mutualsim analyze`: the batch engine's sub-commands.

Exit codes: 0 every run succeeded; 1 some runs failed (they are recorded; re-running the same
command retries them); 2 bad input (spec, flags, or a directory holding another experiment).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.argtypes import non_negative, positive
from sim.batch.executors import EXECUTORS
from sim.scenario import ScenarioError

EXIT_RUNS_FAILED = 1


def add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run an experiment spec (resumes an interrupted one)",
        description="Expand an experiment spec into runs and execute them, streaming results "
                    "to DIR. On a DIR holding an interrupted sweep of the same spec, run only "
                    "the missing runs.")
    p.add_argument("spec", help="experiment spec (.toml path or bundled experiment name)")
    p.add_argument("--out", type=Path, help="experiment directory (default: out/<spec name>)")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where runs execute (default: process; dask with --scheduler)")
    p.add_argument("--workers", type=positive, help="processes / Dask workers (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="join a running Dask cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--retries", type=non_negative, default=0,
                   help="re-run a failed run up to N more times (default: 0)")
    p.add_argument("--chunk-size", type=positive, help="runs per task sent to a worker "
                                                     "(default: automatic, at most 50)")
    p.add_argument("--flush-every", type=positive, default=500,
                   help="runs per part file written (default: 500; also every 10 s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary line "
                                                        "(failures are still reported)")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    from sim.batch.spec import load_spec
    from sim.batch.sweep import sweep

    executor = args.executor or ("dask" if args.scheduler else "process")
    if args.scheduler and executor != "dask":
        raise ScenarioError(f"--scheduler needs --executor dask, not '{executor}'")
    spec = load_spec(args.spec)
    out = args.out or Path("out") / spec.name
    try:
        outcome = sweep(spec, out, executor=executor, workers=args.workers,
                        scheduler=args.scheduler, retries=args.retries,
                        progress=False if args.quiet else None, chunk_size=args.chunk_size,
                        flush_every=args.flush_every)
    except (OSError, TimeoutError) as exc:
        if not args.scheduler:
            raise
        raise ScenarioError(f"--scheduler {args.scheduler}: cannot connect: {exc}") from None
    if outcome.failed:
        print(f"sweep incomplete: {outcome.line()}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    if not args.quiet:
        print(f"sweep done: {outcome.line()}")
    return 0


def add_analyze(sub) -> None:
    p = sub.add_parser(
        "analyze", help="tables, figures, sensitivity indices and a report for an experiment",
        description="Read an experiment directory written by `mutualsim sweep` and write "
                    "DIR/analysis/: report.md with figures, setting_means.csv, sobol.csv or "
                    "morris.csv, failures.csv and an EMA Workbench export.")
    p.add_argument("dir", type=Path, help="experiment directory")
    p.add_argument("--outputs", nargs="+", metavar="NAME",
                   help="outputs to analyse (default: all the spec stores)")
    p.add_argument("--out", type=Path, help="where to write (default: DIR/analysis)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_analyze)


def cmd_analyze(args) -> int:
    from sim.batch.report import analyze

    report = analyze(args.dir, args.outputs, args.out)
    if not args.quiet:
        print(f"wrote {report}")
    return 0


