"""`mutualsim calibrate SPEC --out DIR`: fit parameters to targets; re-run to resume.

Exit codes: 0 done; 2 bad input (spec, flags, or a directory holding another calibration).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.argtypes import check_output_dir, positive
from sim.batch.executors import EXECUTORS, check_scheduler
from sim.scenario import ScenarioError


def add_calibrate(sub) -> None:
    p = sub.add_parser(
        "calibrate", help="fit parameters to targets by ABC-SMC (resumes an interrupted one)",
        description="Fit the parameters of a calibration spec to its targets (ABC-SMC, or a "
                    "Latin hypercube with method = 'lhs'), writing the posterior, figures, a "
                    "report, a calibrated scenario and posterior draws to DIR. On a DIR "
                    "holding an interrupted calibration of the same spec, continue it.")
    p.add_argument("spec", type=Path, help="calibration spec (.toml)")
    p.add_argument("--out", type=Path, help="calibration directory (default: out/<spec name>)")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where runs execute (default: process; dask with --scheduler)")
    p.add_argument("--workers", type=positive, help="processes / Dask workers (default: all "
                                                     "cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="join a running Dask cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--report-only", action="store_true",
                   help="run nothing: write the posterior and report from the generations "
                        "finished so far (re-run without it to continue)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from sim.calibration.smc import calibrate
    from sim.calibration.spec import load_calibration

    executor = args.executor or ("dask" if args.scheduler else "process")
    if args.scheduler and executor != "dask":
        raise ScenarioError(f"--scheduler needs --executor dask, not '{executor}'")
    spec = load_calibration(args.spec)
    out = args.out or Path("out") / spec.name
    check_output_dir(out, "--out" if args.out else "output folder")
    if args.scheduler:
        check_scheduler(args.scheduler)  # one line in seconds, not Dask's 10-30 s wait
    log = (lambda _: None) if args.quiet else (lambda s: print(s, flush=True))
    try:
        result = calibrate(spec, out, executor=executor, workers=args.workers,
                           scheduler=args.scheduler, log=log, report_only=args.report_only)
    except (OSError, TimeoutError) as exc:
        if not args.scheduler:
            raise
        raise ScenarioError(f"--scheduler {args.scheduler}: cannot connect: {exc}") from None
    if not args.quiet:
        print(f"calibration done: {result.line()}; report: {out / 'report.md'}")
    sys.stdout.flush()
    return 0
