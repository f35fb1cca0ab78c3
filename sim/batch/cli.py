"""`mutualsim sweep | analyze | compare | experiments`: the batch engine's sub-commands.

Exit codes: 0 every run succeeded; 1 some runs failed (they are recorded; re-running the same
command retries them); 2 bad input (spec, flags, a directory holding another experiment, or a
damaged store, which `mutualsim sweep --repair DIR` mends).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.argtypes import check_output_dir, non_negative, positive
from sim.batch.executors import EXECUTORS
from sim.scenario import ScenarioError

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130


def add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run an experiment spec (resumes an interrupted one)",
        description="Expand an experiment spec into runs and execute them, streaming results "
                    "to DIR. On a DIR holding an interrupted sweep of the same spec, run only "
                    "the missing runs.")
    p.add_argument("spec", nargs="?",
                   help="experiment spec (.toml path or bundled experiment name; with --repair "
                        "the one the directory was started with, by default)")
    p.add_argument("--out", type=Path, help="experiment directory (default: out/<spec name>)")
    p.add_argument("--repair", type=Path, metavar="DIR",
                   help="mend a damaged experiment directory: set damaged parts aside in "
                        "DIR/damaged/, rebuild what the spec determines, re-run the lost runs")
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
    p.add_argument("--dashboard", metavar="ADDRESS",
                   help="start the Dask dashboard of a local Dask cluster there, e.g. :8787 "
                        "(default: none)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary line "
                                                        "(failures are still reported)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the design, the run count and an estimated time (from timing "
                        "a few runs here), and write nothing")
    p.add_argument("--timing-runs", type=non_negative, default=3, metavar="N",
                   help="runs timed by --dry-run (default: 3; 0 = no estimate)")
    p.add_argument("--progress-every", type=positive, default=30, metavar="SECONDS",
                   help="when stderr is not a terminal, a plain progress line this often "
                        "(default: 30)")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    from sim.batch.spec import load_spec
    from sim.batch.sweep import SweepInterrupted, sweep

    executor = args.executor or ("dask" if args.scheduler else "process")
    if args.scheduler and executor != "dask":
        raise ScenarioError(f"--scheduler needs --executor dask, not '{executor}'")
    if args.dashboard and (executor != "dask" or args.scheduler):
        raise ScenarioError("--dashboard applies to a local Dask cluster (--executor dask, "
                            "no --scheduler)")
    if args.repair is not None:
        if args.out is not None and args.out.resolve() != args.repair.resolve():
            raise ScenarioError(f"--repair {args.repair}: and --out {args.out}: give one "
                                f"directory")
        spec = load_spec(args.spec or _spec_of(args.repair))
        out = args.repair
    elif args.spec is None:
        raise ScenarioError("sweep: give a spec file (or --repair DIR)")
    else:
        spec = load_spec(args.spec)
        out = args.out or Path("out") / spec.name
    if args.dry_run:
        from sim.batch.plan import dry_run

        print(dry_run(spec, out, workers=args.workers, executor=executor,
                      timing_runs=args.timing_runs))
        return 0
    check_output_dir(out, "--out" if args.out or args.repair else "output folder")
    try:
        outcome = sweep(spec, out, executor=executor, workers=args.workers,
                        scheduler=args.scheduler, retries=args.retries,
                        progress=False if args.quiet else None, chunk_size=args.chunk_size,
                        flush_every=args.flush_every, progress_every=args.progress_every,
                        repair=args.repair is not None, dashboard=args.dashboard)
    except SweepInterrupted as stop:
        print(stop.message(f"mutualsim sweep {spec.path} --out {out}"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except (OSError, TimeoutError) as exc:
        if not args.scheduler:
            raise
        raise ScenarioError(f"--scheduler {args.scheduler}: cannot connect: {exc}") from None
    for line in outcome.repairs:
        print(f"repair: {line}")
    if outcome.failed:
        print(f"sweep incomplete: {outcome.line()}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    if not args.quiet:
        print(f"sweep done: {outcome.line()}")
    return 0


def _spec_of(root: Path) -> Path:
    """The spec a directory was started with: its recorded file if that still exists, else
    the copy kept in the directory."""
    import json

    from sim.scenario import is_file

    try:
        recorded = json.loads((root / "manifest.json").read_text()).get("spec_file")
    except (OSError, ValueError, AttributeError):
        recorded = None
    if isinstance(recorded, str) and is_file(Path(recorded)):
        return Path(recorded)
    if is_file(root / "spec.toml"):
        return root / "spec.toml"
    raise ScenarioError(f"--repair {root}: its spec is not recorded; give it: mutualsim sweep "
                        f"SPEC --repair {root}")


def _on_experiment(sub, name: str, help: str, description: str):
    """An analysis command's parser: it reads the experiment directory DIR."""
    p = sub.add_parser(name, help=help, description=description)
    p.add_argument("dir", type=Path, help="experiment directory")
    return p


def _writes_analysis(p, func, quiet: bool = True) -> None:
    """The analysis command's last options (--out, and --quiet) and its function."""
    p.add_argument("--out", type=Path, help="where to write (default: DIR/analysis)")
    if quiet:
        p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=func)


def add_analyze(sub) -> None:
    p = _on_experiment(
        sub, "analyze", help="tables, figures, sensitivity indices and a report for an "
                             "experiment",
        description="Read an experiment directory written by `mutualsim sweep` and write "
                    "DIR/analysis/: report.md with figures, setting_means.csv, sobol.csv or "
                    "morris.csv, failures.csv and an EMA Workbench export.")
    p.add_argument("--outputs", nargs="+", metavar="NAME",
                   help="outputs to analyse (default: all the spec stores)")
    _writes_analysis(p, cmd_analyze)


def cmd_analyze(args) -> int:
    import pyarrow as pa

    from sim.batch.report import analyze
    from sim.batch.store import StoreError

    if args.out is not None:
        check_output_dir(args.out)
    try:
        report = analyze(args.dir, args.outputs, args.out)
    except pa.ArrowException as exc:  # damage inside a part that its footer did not show
        text = " ".join(str(exc).split())[:120]
        raise StoreError(f"{args.dir}: a stored part cannot be read ({text}); repair it with "
                         f"`mutualsim sweep --repair {args.dir}`") \
            from None
    if not args.quiet:
        print(f"wrote {report}")
    return 0




def add_compare(sub) -> None:
    p = _on_experiment(
        sub, "compare", help="each policy against the baseline: paired differences, "
                             "intervals, robustness",
        description="Read a policy comparison (a spec with [policies]) and write "
                    "DIR/analysis/compare.md, contrasts.csv, robustness.csv and a figure per "
                    "outcome; print the contrasts.")
    p.add_argument("--baseline", help="compare against this policy (default: the spec's)")
    p.add_argument("--outputs", nargs="+", metavar="NAME",
                   help="outputs to compare (default: all the spec stores)")
    p.add_argument("--detect", action="append", metavar="OUTPUT=EFFECT",
                   help="the power line's effect of interest for an output, e.g. "
                        "contracts_held=1 (default: the observed difference; repeatable)")
    _writes_analysis(p, cmd_compare)


def cmd_compare(args) -> int:
    from sim.batch.analysis import Experiment
    from sim.batch.compare import parse_detect, table_lines, write_comparison
    from sim.batch.report import check_outputs

    detect = parse_detect(args.detect)
    exp = Experiment.open(args.dir)
    outputs = check_outputs(exp, args.outputs)
    folder = args.out or exp.store.root / "analysis"
    lines, table = write_comparison(exp, outputs, folder, args.baseline, detect)
    title = exp.manifest.get("title") or exp.manifest["experiment"]
    (folder / "compare.md").write_text("\n".join([f"# {title}", "", *lines]) + "\n")
    if not args.quiet:
        print("\n".join(table_lines(table)))
        print(f"wrote {folder / 'compare.md'}, contrasts.csv, robustness.csv")
    return 0


def add_experiments(sub) -> None:
    p = sub.add_parser("experiments", help="list the bundled experiment specs",
                       description="The bundled experiment specs: name, design, run count "
                                   "and title. Run one with `mutualsim sweep NAME`.")
    p.set_defaults(func=cmd_experiments)


def cmd_experiments(args) -> int:
    from sim.batch.plan import describe_experiments

    print(describe_experiments())
    return 0


def add_discover(sub) -> None:
    p = _on_experiment(
        sub, "discover", help="scenario discovery: PRIM box and CART tree for a condition on "
                              "an outcome",
        description="Find the region of the varied inputs (parameters, base scenario, policy) "
                    "where a condition on an outcome holds, with PRIM and a CART tree read "
                    "from the experiment directory; writes DIR/analysis/discover.md.")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help="e.g. 'contracts_held < 3', 'core_contract_lost' or 'not failed'")
    p.add_argument("--min-density", type=float, metavar="D",
                   help="report the highest-coverage PRIM box at least this dense (default: "
                        "the box with the best F1 of coverage and density)")
    p.add_argument("--peel", type=float, default=0.05, metavar="ALPHA",
                   help="PRIM's peeling fraction (default: 0.05)")
    p.add_argument("--mass-min", type=float, default=0.05, metavar="M",
                   help="smallest box, as a share of runs (default: 0.05)")
    p.add_argument("--depth", type=positive, default=3, help="CART tree depth (default: 3)")
    _writes_analysis(p, cmd_discover, quiet=False)


def cmd_discover(args) -> int:
    from sim.batch.discover import discover

    for flag, value, low, high in (("--min-density", args.min_density, 0.0, 1.0),
                                   ("--peel", args.peel, 0.001, 0.5),
                                   ("--mass-min", args.mass_min, 0.0, 1.0)):
        if value is not None and not low <= value <= high:
            raise ScenarioError(f"{flag} {value}: must be between {low} and {high}")
    lines, report = discover(args.dir, args.where, args.min_density, args.peel,
                             args.mass_min, args.depth, args.out)
    print("\n".join(lines))
    print(f"wrote {report}")
    return 0
