"""The ``mutualsim`` command line: run | scenarios | params | validate | patterns | sweep |
analyze | calibrate | viz.

Bad input (a scenario file, a flag, a --set) ends with one line on stderr naming the file and
key, and exit code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sim.argtypes import non_negative, positive
from sim.batch.cli import add_analyze, add_compare, add_discover, add_experiments, add_sweep
from sim.calibration.cli import add_calibrate
from sim.scenario import ScenarioError, describe_bundled, load_scenario, parse_override

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A bad flag or argument; reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not usage + message
        raise UsageError(f"{self.prog}: {message}")


# --- run --------------------------------------------------------------------------------------

def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run one scenario and write its outputs",
                       description="Run a scenario (a bundled name or a TOML path) and write "
                                   "timeseries.csv, summary.json, events.jsonl and "
                                   "dashboard.png.")
    p.add_argument("scenario", nargs="?", default="base",
                   help="bundled scenario name or path to a .toml file (default: base)")
    p.add_argument("--months", type=positive, help="override the horizon (months)")
    p.add_argument("--seed", type=non_negative, default=0, help="random seed (default: 0)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set membership.staff.rule=opt_out "
                        "(repeatable)")
    p.add_argument("--event", dest="events", action="append", default=[], metavar="K=V,...",
                   help="add a timed event, e.g. --event month=36,what=switch,"
                        "constituency=staff,rule=opt_out (repeatable; docs/scenarios.md)")
    p.add_argument("--set-at", dest="set_at", action="append", default=[],
                   metavar="MONTH:KEY=VALUE",
                   help="set a parameter from a month on, e.g. --set-at "
                        "36:procurement.social_value_weight=0.1 (repeatable)")
    p.add_argument("--policy", dest="policies", action="append", default=[], metavar="NAME",
                   help="apply a policy override set (scenarios/policy/, or a path); "
                        "repeatable, later ones win")
    p.add_argument("--out", type=Path, help="output folder (default: out/<scenario>)")
    p.add_argument("--no-dashboard", action="store_true", help="skip dashboard.png")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.add_argument("--from-sweep", nargs=2, metavar=("DIR", "RUN_ID"),
                   help="replay run RUN_ID of the sweep stored in DIR exactly (its scenario, "
                        "settings and seed from DIR) and check it against the stored results")
    p.set_defaults(func=_cmd_run)


def _cmd_from_sweep(args) -> int:
    from sim.batch.replay import differences, replay

    folder, raw = args.from_sweep
    if not raw.isdigit():
        raise UsageError(f"mutualsim run --from-sweep: RUN_ID must be a whole number, "
                         f"got {raw!r}")
    if args.overrides or args.months is not None or args.seed != 0 or \
            args.scenario != "base":
        raise UsageError("mutualsim run --from-sweep: takes its scenario, settings and seed "
                         "from DIR; drop SCENARIO, --set, --months and --seed")
    result, info = replay(folder, int(raw))
    out = args.out or Path("out") / f"{Path(folder).name}-run{raw}"
    files = result.write(out, dashboard=not args.no_dashboard)
    problems = differences(folder, int(raw), result)
    where = ", ".join(f"{k} {info[k]}" for k in ("scenario", "policy") if info[k] is not None)
    what = (f"run {raw} of {folder} ({where + ', ' if where else ''}replication "
            f"{info['replication']}, seed SeedSequence({info['root_entropy']}, spawn_key="
            f"({info['spawn_key']},)))")
    if problems:
        print(f"replayed {what}: DIFFERS from the stored run: {'; '.join(problems)}",
              file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"replayed {what}: identical to the stored run")
        print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _cmd_run(args) -> int:
    from sim import policy, timeline
    from sim.simulate import run

    if args.from_sweep:
        return _cmd_from_sweep(args)
    overrides = dict(parse_override(text) for text in args.overrides)
    scenario = load_scenario(args.scenario)  # all input checked before any output
    for name in args.policies:
        scenario = policy.apply(scenario, name)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if args.months is not None:
        scenario = scenario.with_overrides({"months": args.months}, origin="--months")
    flags = [timeline.parse_event_flag(t) for t in args.events]
    if flags:
        scenario = scenario.with_events(flags, origin="--event")
    set_at = [timeline.parse_set_at(t) for t in args.set_at]
    if set_at:
        scenario = scenario.with_events(set_at, origin="--set-at")
    result = run(scenario, seed=args.seed)
    out = args.out or Path("out") / scenario.name
    files = result.write(out, dashboard=not args.no_dashboard)
    if not args.quiet:
        print(human_summary(result))
        print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def human_summary(result) -> str:
    from sim.events import RULE_WORDS
    from sim.metrics import IDEAL_TYPE_LABELS

    f, s = result.final, result.summary
    par = s["scenario"]["parameters"]
    title = s["scenario"]["about"].get("title", s["scenario"]["name"])
    ladder = "/".join(f"{100 * f[f'staff_engagement_{k}']:.0f}" for k in range(5))
    lines = [
        f"{title} — scenario '{s['scenario']['name']}', seed {s['seed']}, {s['months']} months",
        f"  staff            {f['headcount']} in post, "
        f"{100 * f['transferred_in_share']:.0f} % transferred in under TUPE",
        f"  staff membership {100 * f['staff_membership_rate']:5.1f} %  "
        f"({RULE_WORDS[par['membership.staff.rule']]})",
        f"  user membership  {100 * f['user_membership_rate']:5.1f} %  "
        f"({RULE_WORDS[par['membership.users.rule']]})",
        f"  active staff     {100 * f['active_share']:5.1f} %  (ladder 0-4: {ladder} %)",
        f"  ownership        {f['mean_ownership']:.2f} psychological (staff), "
        f"satisfaction {f['satisfaction_staff']:.2f}",
        f"  governance       decisions take {f['decision_latency_months']:.1f} months "
        f"(strategy {f['strategy_latency_months']:.1f}), quality {f['decision_quality']:.2f}, "
        f"{f['decisions_missed']} missed in the last year; "
        f"{100 * f['representative_vacancy_rate']:.0f} % of elected seats vacant; "
        f"conflict {f['conflict_index']:.2f}",
        f"  ideal type       {IDEAL_TYPE_LABELS[f['ideal_type']]} (legal-formal "
        f"{f['legal_formal_index']:.2f}, cultural-psychological "
        f"{f['cultural_psychological_index']:.2f})",
        f"  money            turnover £{f['turnover']:,.0f}, surplus "
        f"{100 * f['surplus_margin']:.1f} %, reserves £{f['reserves']:,.0f}, "
        f"{100 * f['public_income_share']:.0f} % public",
        f"  contracts        {f['contracts_held']} held in {f['regions']} region(s); bids "
        f"{f['bids_won']}/{f['bids_made']} won; core contract "
        f"{'lost' if f['core_contract_lost'] else 'held'}"
        f"{'; FAILED (insolvent)' if f['failed'] else ''}",
    ]
    return "\n".join(lines)


# --- scenarios, params, validate ----------------------------------------------------------------

def _add_scenarios(sub) -> None:
    p = sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(func=_cmd_scenarios)


def _cmd_scenarios(args) -> int:
    rows = describe_bundled()
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return 0


def _add_params(sub) -> None:
    p = sub.add_parser("params", help="print the parameter registry")
    p.add_argument("--markdown", action="store_true", help="print docs/parameters.md")
    p.add_argument("filter", nargs="?", default="", help="only keys containing this text")
    p.set_defaults(func=_cmd_params)


def _cmd_params(args) -> int:
    from sim.params import REGISTRY, _fmt, markdown_table

    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    for p in REGISTRY.values():
        if args.filter in p.key:
            print(f"{p.key}  = {_fmt(p.default)}  [{p.unit}; {p.range_text}]")
            print(f"    {p.doc}")
            print(f"    source: {p.source}")
    return 0


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("scenarios", nargs="+", help="bundled names or .toml paths")
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args) -> int:
    for ref in args.scenarios:
        scenario = load_scenario(ref)
        timed = f", {len(scenario.events)} timed event(s)" if scenario.events else ""
        print(f"ok  {ref}  ({' <- '.join(Path(f).name for f in scenario.chain)}{timed})")
    return 0


# --- patterns ------------------------------------------------------------------------------------

def _add_patterns(sub) -> None:
    p = sub.add_parser("patterns", help="measure the calibration patterns P1-P20",
                       description="Run every pattern of docs/ODD.md §10 (P1-P11 on the bundled "
                                   "scenarios, P12-P20 on the case library) over its seeds, "
                                   "print the table and write docs/patterns.md. Exit 1 if a "
                                   "pattern fails.")
    p.add_argument("--ci", action="store_true",
                   help="the reduced seed counts (a smoke test of the report; verdicts at "
                        "these counts are not the pattern report)")
    p.add_argument("--seeds", type=positive, help="the same seed count for every run group")
    p.add_argument("--only", default="", metavar="IDS",
                   help="comma-separated pattern ids, e.g. P1,P7a,P12")
    p.add_argument("--executor", choices=("serial", "process", "dask"), default="process")
    p.add_argument("--workers", type=positive, help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, default=Path("docs/patterns.md"),
                   help="where to write the report (default: docs/patterns.md)")
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.set_defaults(func=_cmd_patterns)


def _cmd_patterns(args) -> int:
    from sim import patterns

    chosen = list(patterns.PATTERNS)
    if args.only:
        ids = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in ids if x not in patterns.BY_ID]
        if unknown:
            raise UsageError(f"--only: unknown pattern {unknown[0]} (known: "
                             f"{', '.join(patterns.BY_ID)})")
        chosen = [patterns.BY_ID[x] for x in ids]

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total} runs", end="" if done < total else "\n", file=sys.stderr)

    rows, seconds = patterns.measure_all(ci=args.ci, patterns=chosen, seeds=args.seeds,
                                         executor=args.executor, workers=args.workers,
                                         progress=progress)
    print(patterns.table(rows))
    if not args.no_write:
        command = "mutualsim patterns" + (" --ci" if args.ci else "") + \
            (f" --seeds {args.seeds}" if args.seeds else "") + \
            (f" --only {args.only}" if args.only else "")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        tmp.write_text(patterns.markdown(rows, command, seconds, args.ci))
        tmp.replace(args.out)
        print(f"wrote {args.out}")
    return 0 if all(r.measured.passed for r in rows) else 1


# --- plumbing ------------------------------------------------------------------------------------

def _add_viz(sub) -> None:
    from sim.viz.serve import add_parser  # the app's own module; Solara loads only when run

    add_parser(sub)


# Each entry adds one sub-command; later parts of the tool (sweep, analyze, viz) add theirs.
COMMANDS: list[Callable] = [_add_run, _add_scenarios, _add_params, _add_validate,
                            _add_patterns, add_sweep, add_analyze, add_compare, add_discover,
                            add_experiments, add_calibrate, _add_viz]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mutualsim", description="Simulate public service mutuals.")
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"mutualsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (UsageError, ScenarioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
