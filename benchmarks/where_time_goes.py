"""Where a medium run's CPU goes, by mechanism and by kind of work, from a sampling profile.

cProfile doubles a run's time and charges its own overhead to the functions that make many
small calls; a sampling profiler (py-spy, an external tool, not a dependency) stops the
process a few hundred times a second and records the whole stack, native frames included,
so it also says how much of a run is numpy's C code, the random generator, the compiled
kernels or the interpreter itself:

    pip install --target /tmp/tools py-spy          # once, outside the project's .venv
    /tmp/tools/bin/py-spy record -r 400 --native -f raw -o /tmp/spy.txt -- \\
        .venv/bin/python benchmarks/where_time_goes.py loop --runs 12
    .venv/bin/python benchmarks/where_time_goes.py summarise /tmp/spy.txt --out results.json

``loop`` does one full warm-up run (imports, the kernels loaded) and then ``--runs`` medium
runs in sweep mode, as ``run_speed.py`` times them; ``summarise`` keeps the samples taken
inside those runs and shares them out by the leaf frame's kind (below) and by the process of
``MutualModel.step`` (or the year end, the observation, the construction) they fall in. The
shares are of samples, so of CPU time; py-spy's stops (with ``--native``, it unwinds C
stacks) inflate code that makes many short native calls a little, so read the shares to a
few per cent, and time a change with ``run_speed.py pairs``.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LOOP_LINE = "where_time_goes.py"  # the timed runs' frames start in this file's loop()

# numpy's C functions that are the work itself (inner loops); the rest is call overhead:
# argument parsing, dtype resolution, array creation and freeing
_NUMPY_LOOP = re.compile(r"(_X86_V|^DOUBLE_|^BOOL_|^FLOAT_|^LONG|^INT|^BYTE|^SHORT|^UINT|"
                         r"^UBYTE|svml|_contig|_loop|simd|sort|^npy_|_strided|cast|amerge)",
                         re.I)


def kind(leaf: str) -> str:
    """The kind of work a sample's leaf frame does."""
    name = leaf.split(" ")[0]
    if "numpy/random" in leaf:
        return "numpy random draws"
    if "_multiarray_umath" in leaf or ("numpy/_core" in leaf and ".so" in leaf):
        return ("numpy C: inner loops (the arithmetic)" if _NUMPY_LOOP.search(name)
                else "numpy C: per-call overhead (dispatch, dtypes, new arrays)")
    if "numpy/" in leaf:
        return "numpy Python wrappers (np.clip, np.repeat, ...)"
    if leaf.endswith("(?)"):  # machine code without symbols: numba's compiled kernels
        return "compiled kernels (numba)"
    if "numba" in leaf or "llvmlite" in leaf or "_dispatcher.cpp" in leaf \
            or "_typeof.cpp" in leaf or "typeconv.cpp" in leaf:
        return "numba dispatch (argument checks)"
    if "mesa/" in leaf:
        return "Mesa (event loop, signals)"
    if "libc.so" in leaf or "libm.so" in leaf:
        return "libc (malloc, free, memcpy)"
    if "pandas" in leaf or "arrow" in leaf:
        return "pandas"
    if ".py" in leaf or "<frozen" in leaf or "<string>" in leaf:
        return "interpreter: the model's Python code"
    return "interpreter: CPython internals (gc, thread state, objects)"


def mechanism(frames: list[str]) -> str:
    """The process of the month a sample falls in (the frame under ``MutualModel.step``)."""
    for i, f in enumerate(frames):
        if f.startswith("MutualModel.step "):
            below = frames[i + 1] if i + 1 < len(frames) else "step's own lines"
            return re.sub(r"\s*\(.*", "", below) + " " + (
                re.sub(r".*\((sim/)?(mechanisms/)?([^:)]*).*", r"(\3)", below))
        for name, label in (("MutualModel.year_end", "year end (annual)"),
                            ("MutualModel.observe", "observation (outputs)"),
                            ("MutualModel.__init__", "model construction")):
            if f.startswith(name):
                return label
    if any(f.startswith("Model._advance_time") for f in frames):
        return "Mesa's event loop"
    return "sim.run outside the model"


def summarise(path: Path) -> dict:
    kinds, mechanisms, both = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if not any(f.startswith("loop (") and LOOP_LINE in f for f in frames) or \
                any(f.startswith("_warm_up (") for f in frames):
            continue  # imports, the warm-up run
        total += int(n)
        k, m = kind(frames[-1]), mechanism(frames)
        kinds[k] += int(n)
        mechanisms[m] += int(n)
        both[f"{m} | {k}"] += int(n)

    def shares(c):
        return {k: round(v / total, 4) for k, v in c.most_common()}

    return {"what": "where_time_goes.py: py-spy samples of run_speed.py's case's runs",
            "samples": total,
            "kind": shares(kinds), "mechanism": shares(mechanisms),
            "mechanism_kind": shares(both)}


def _warm_up(case: str = "medium"):
    """Imports and one full run (every kernel loaded, caches filled): outside the samples."""
    from run_speed import ROOT, _run_args

    import sim

    scenario, overrides, months, kwargs = _run_args(case, True, ROOT)
    kwargs = dict(scenario=scenario, months=months, overrides=overrides, **kwargs)
    sim.run(seed=1000, **kwargs)
    return sim.run, kwargs


def loop(runs: int, case: str = "medium") -> None:
    run, kwargs = _warm_up(case)
    for seed in range(runs):
        run(seed=seed, **kwargs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("loop", help="the runs to sample (under py-spy)")
    lp.add_argument("--runs", type=int, default=12)
    lp.add_argument("--case", choices=("medium", "large", "base", "small"), default="medium",
                    help="run_speed.py's case (default medium)")
    sm = sub.add_parser("summarise", help="shares of a py-spy raw file")
    sm.add_argument("raw", type=Path)
    sm.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "loop":
        loop(args.runs, args.case)
        return 0
    result = summarise(args.raw)
    for part in ("kind", "mechanism"):
        print(f"--- by {part} ({result['samples']} samples)")
        for k, v in result[part].items():
            if v >= 0.002:
                print(f"{100 * v:5.1f} %  {k}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
