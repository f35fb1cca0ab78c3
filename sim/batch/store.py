"""The result store: one directory per experiment, written as runs finish, safe to interrupt.

Layout::

    manifest.json        spec, resolved base scenario, design, seeding, versions, git commit,
                         start/end of every session (each `mutualsim sweep` on this directory)
    spec.toml            the spec file as given
    design.parquet       one row per setting (and the unit-cube sample of sampled designs)
    runs.parquet         one row per run: run_id, design_row, replication, root_entropy,
                         spawn_key and the parameter values
    summary/part-*.parquet      run_id + the spec's outputs, one row per successful run
    timeseries/part-*.parquet   run_id, month + the spec's timeseries outputs (tidy, long)
    status/part-*.parquet       one row per attempt: status, error, traceback, time, worker

Every part file is written to a temporary name and renamed into place (``os.replace`` is
atomic), and a flush writes its ``status`` part last: that part is the commit. A part in
``summary/`` or ``timeseries/`` without its ``status`` part is the remnant of an interrupted
flush and is deleted when the directory is opened again, so a run is either wholly present or
absent, and resuming re-runs exactly the absent ones.

A new directory is built under a temporary name beside it (``.NAME.creating-PID-…``) and
renamed into place once complete, so a sweep killed while creating it leaves either no
directory (the next sweep starts afresh and clears the leftover) or a complete one.

Before a resume or an analysis the store checks itself (:meth:`Store.verify`): the manifest,
``design.parquet`` and ``runs.parquet``, every part (readable, the expected columns, run ids
in range), that each committed ``status`` part agrees with its ``summary`` and ``timeseries``
parts, and that no run succeeded twice. A damaged store is refused in one line naming the
damage; ``mutualsim sweep --repair DIR`` moves each damaged part into ``DIR/damaged/<time>/``
(nothing is deleted), rebuilds the manifest, design and runs tables from the spec when they
are lost, and re-runs only the runs whose results were set aside (docs/robustness.md).
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import ScenarioError

FORMAT = "mutualsim-experiment/1"
PARTS = ("summary", "timeseries", "status")
STATUS_COLUMNS = ("run_id", "attempt", "status")
RUNS_COLUMNS = ("run_id", "design_row", "replication", "root_entropy", "spawn_key")
MARKERS = ("manifest.json", "runs.parquet", "design.parquet", "spec.toml", *PARTS)
DAMAGED = "damaged"
SWEEP_METHODS = ("grid", "lhs", "sobol", "morris", "draws")
METHODS = (*SWEEP_METHODS, "calibration-candidates")  # a calibration's batches use the store
VERSIONED = ("mutualsim", "mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "dask",
             "distributed", "matplotlib")


class StoreError(ScenarioError):
    """The directory cannot be used for this experiment; one line, exit code 2."""


class StoreDamaged(StoreError):
    """The store failed its self-check; ``problems`` lists every damaged part."""

    def __init__(self, root: Path, problems: list[Problem], action: str = "resume"):
        self.root, self.problems = root, problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{root}: damaged experiment store, cannot {action}: "
                         f"{problems[0].text}{more}; repair it with `mutualsim sweep --repair "
                         f"{root}` (damaged parts are set aside and their runs re-run)")


class Problem:
    """One damaged thing in a store: what it is, and what repair does about it."""

    def __init__(self, where: str, what: str, fix: str, stems: tuple[str, ...] = ()):
        self.where, self.what, self.fix, self.stems = where, what, fix, stems

    @property
    def text(self) -> str:
        return f"{self.where}: {self.what}"

    def __repr__(self) -> str:
        return f"Problem({self.text!r}, fix={self.fix!r})"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._seq = 0
        self.session: int | None = None
        self.writing: str | None = None  # the stem write_part is writing, or wrote last

    # --- creating and reopening --------------------------------------------------------------

    @classmethod
    def open_for(cls, root: str | Path, manifest: dict, spec_text: str, design: pd.DataFrame,
                 runs: pd.DataFrame, repair: bool = False) -> Store:
        """A new experiment directory, or the existing one for the same experiment (resume),
        checked and locked for this sweep (release with :meth:`unlock`)."""
        store = cls(root)
        state = store._state()
        if state == "absent":
            if repair:
                raise StoreError(f"{store.root}: nothing to repair: no experiment directory "
                                 f"here")
            created = cls._create(store.root, manifest, spec_text, design, runs)
            if created is not None:
                return created
            state = store._state()  # another sweep created it a moment ago: resume that
        if state == "foreign":
            raise StoreError(f"{store.root}: exists and is not an experiment directory "
                             f"(no manifest.json); choose a new --out")
        store.acquire_lock()
        try:
            problems = store.verify(manifest)
            store.repairs = []
            for _ in range(3):  # a rebuilt manifest lets the parts be checked next round
                if not (problems and repair):
                    break
                store.repairs += store.repair(problems, manifest, spec_text, design, runs)
                problems = store.verify(manifest)
            if problems:
                raise StoreDamaged(store.root, problems)
            store.drop_uncommitted()
        except BaseException:
            store.unlock()
            raise
        return store

    def _state(self) -> str:
        """'absent' (missing or empty), 'store' (has our files) or 'foreign'."""
        try:
            if not self.root.exists():
                return "absent"
            if not self.root.is_dir():
                return "foreign"
            names = {p.name for p in self.root.iterdir()}
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot read: {exc.strerror}") from None
        if not names:
            return "absent"
        return "store" if names & set(MARKERS) else "foreign"

    @classmethod
    def _create(cls, root: Path, manifest: dict, spec_text: str, design: pd.DataFrame,
                runs: pd.DataFrame) -> Store | None:
        """Build the directory under a temporary name, then rename it into place (atomic).
        Returns None when another sweep got there first."""
        parent = root.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        _clear_stale_creations(parent, root.name)
        tmp = parent / f".{root.name}.creating-{os.getpid()}-{secrets.token_hex(3)}"
        tmp.mkdir()
        store = cls(tmp)
        try:
            store.acquire_lock()  # held across the rename: the same open file
            for part in PARTS:
                (tmp / part).mkdir()
            _atomic_bytes(tmp / "spec.toml", spec_text.encode())
            store._write_parquet(tmp / "design.parquet", design)
            store._write_parquet(tmp / "runs.parquet", runs)
            store.write_manifest({**manifest, "created": now(), "started": None,
                                  "finished": None, "sessions": []})
            _fsync_dir(tmp)
            try:
                os.rename(tmp, root)  # replaces an empty directory; fails on a non-empty one
            except OSError:
                store.unlock()
                shutil.rmtree(tmp, ignore_errors=True)
                return None
            _fsync_dir(parent)
        except BaseException:
            store.unlock()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        store.root = root
        return store

    def _check_same(self, old: dict, manifest: dict) -> Problem | None:
        where = _first_difference(old.get("spec"), _jsonable(manifest["spec"]))
        if where is not None:
            raise StoreError(f"{self.root}: holds a different experiment (spec {where}); "
                             f"use a new --out directory or the spec it was started with")
        where = _first_difference(old.get("base_scenario"), _jsonable(manifest["base_scenario"]))
        if where is not None:
            raise StoreError(f"{self.root}: the base scenario has changed since this experiment "
                             f"started ({where}); use a new --out directory")
        return None

    def drop_uncommitted(self) -> None:
        """Delete the remnants of a flush that was cut off (call while holding the lock):
        temporary files, and data parts of a session's last flush that has no status part.
        :meth:`verify` has already refused any other uncommitted part as damage."""
        remnants = set(_remnants(self._stems()))
        for part in PARTS:
            for path in (self.root / part).glob("*"):
                if path.name.endswith(".tmp") or (part != "status" and path.stem in remnants
                                                  and path.suffix == ".parquet"):
                    path.unlink()

    def _stems(self) -> dict[str, set[str]]:
        """{part folder: stems of its part files}."""
        out = {}
        for part in PARTS:
            folder = self.root / part
            out[part] = {p.stem for p in folder.glob("part-*.parquet")} if folder.is_dir() \
                else set()
        return out

    def acquire_lock(self) -> None:
        """Hold the directory for one sweep at a time (released by the OS if we are killed)."""
        if getattr(self, "_lock", None) is not None:
            return
        handle = open(self.root / ".lock", "a+")  # noqa: SIM115 - held until unlock()
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; document one sweep per directory
            self._lock = handle
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreError(f"{self.root}: another sweep is writing to this directory") \
                from None
        self._lock = handle

    def unlock(self) -> None:
        handle, self._lock = getattr(self, "_lock", None), None
        if handle is not None:
            handle.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.acquire_lock()
        try:
            yield
        finally:
            self.unlock()

    # --- manifest and sessions ---------------------------------------------------------------

    def manifest(self) -> dict:
        manifest, problem = _read_manifest(self.root, schema=False)
        if problem is not None:
            raise StoreDamaged(self.root, [problem], "read it")
        return manifest

    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(_jsonable(manifest), indent=2) + "\n"
        _atomic_bytes(self.root / "manifest.json", text.encode())

    def begin_session(self, info: dict) -> None:
        manifest = self.manifest()
        # A session's parts are named after its number (part-SSSS-NNNNNN). A manifest rebuilt
        # by --repair has lost the earlier sessions' records, not their parts: the new session
        # numbers past every stored part, so a part is never replaced (os.replace) by another.
        used = [int(m[1]) for stems in self._stems().values() for stem in stems
                if (m := re.fullmatch(r"part-(\d+)-\d+", stem))]
        while len(manifest["sessions"]) <= max(used, default=-1):
            manifest["sessions"].append({"started": None, "unrecorded": "this session's "
                                         "record was in a manifest set aside by --repair"})
        manifest["sessions"].append({"started": now(), "host": socket.gethostname(), **info})
        manifest["started"] = manifest.get("started") or manifest["sessions"][-1]["started"]
        self.session = len(manifest["sessions"]) - 1
        self.write_manifest(manifest)

    def end_session(self, counts: dict, complete: bool) -> None:
        manifest = self.manifest()
        manifest["sessions"][self.session].update(finished=now(), **counts)
        manifest["finished"] = manifest["sessions"][self.session]["finished"] if complete \
            else None
        self.write_manifest(manifest)

    # --- writing -------------------------------------------------------------------------------

    def write_part(self, records: list[dict]) -> None:
        """Publish one flush of finished attempts (ok and failed) as part files."""
        if not records:
            return
        while True:  # never a stored part's name (begin_session sees to it; this is a guard)
            stem = f"part-{self.session or 0:04d}-{self._seq:06d}"
            self._seq += 1
            if not any((self.root / part / f"{stem}.parquet").exists() for part in PARTS):
                break
        self.writing = stem
        ok = [r for r in records if r["status"] == "ok"]
        if ok:
            summary = pd.DataFrame([{"run_id": r["run_id"], **r["final"]} for r in ok])
            self._write_parquet(self.root / "summary" / f"{stem}.parquet", summary)
            series = [_series_frame(r) for r in ok if "timeseries" in r]
            if series:
                self._write_parquet(self.root / "timeseries" / f"{stem}.parquet",
                                    pd.concat(series, ignore_index=True))
        status = pd.DataFrame([_status_row(r, self.session) for r in records])
        self._write_parquet(self.root / "status" / f"{stem}.parquet", status)  # the commit

    def committed(self, stem: str | None) -> bool:
        """Whether the flush ``stem`` reached its commit (its status part)."""
        return stem is not None and (self.root / "status" / f"{stem}.parquet").is_file()

    @staticmethod
    def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    # --- reading -------------------------------------------------------------------------------

    def _committed(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "status").glob("part-*.parquet"))

    def _read_parts(self, part: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        files = [self.root / part / f"{stem}.parquet" for stem in self._committed()]
        frames = [pd.read_parquet(f, columns=columns) for f in files if f.is_file()]
        return pd.concat(frames, ignore_index=True) if frames else None

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / "design.parquet")

    def runs(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / "runs.parquet")

    def status(self) -> pd.DataFrame:
        frame = self._read_parts("status")
        return frame if frame is not None else pd.DataFrame(columns=list(_status_row({}, 0)))

    def completed_ids(self) -> set[int]:
        status = self._read_parts("status", ["run_id", "status"])
        if status is None:
            return set()
        return set(status.loc[status["status"] == "ok", "run_id"].astype(int))

    def summary(self, outputs: list[str] | None = None) -> pd.DataFrame:
        """One row per successful run, sorted by run_id."""
        columns = None if outputs is None else ["run_id", *outputs]
        frame = self._read_parts("summary", columns)
        if frame is None:
            frame = pd.DataFrame({"run_id": pd.Series([], dtype=np.int64),
                                  **{o: pd.Series([], dtype=float) for o in outputs or []}})
        return frame.sort_values("run_id", ignore_index=True)

    def timeseries(self, outputs: list[str] | None = None) -> pd.DataFrame:
        columns = None if outputs is None else ["run_id", "month", *outputs]
        frame = self._read_parts("timeseries", columns)
        if frame is None:
            return pd.DataFrame(columns=columns or ["run_id", "month"])
        return frame.sort_values(["run_id", "month"], ignore_index=True)

    def results(self, outputs: list[str] | None = None) -> pd.DataFrame:
        """The runs table joined with each successful run's outputs."""
        return self.runs().merge(self.summary(outputs), on="run_id", how="inner")

    def failures(self) -> pd.DataFrame:
        """The last failed attempt of every run that has no successful one."""
        status = self.status()
        done = set(status.loc[status["status"] == "ok", "run_id"])
        failed = status[(status["status"] == "error") & ~status["run_id"].isin(done)]
        return failed.sort_values(["run_id", "attempt"]).groupby("run_id").tail(1) \
            .reset_index(drop=True)

    # --- checking and repairing ----------------------------------------------------------------

    def verify(self, expected: dict | None = None) -> list[Problem]:
        """Every problem that would make a resume or an analysis wrong (empty: all sound).

        ``expected`` is the manifest a resuming sweep would write; a readable manifest of a
        different experiment is refused outright (StoreError), not reported as damage."""
        manifest, problem = _read_manifest(self.root)
        if problem is not None:
            return [problem]
        if expected is not None:
            self._check_same(manifest, expected)
        spec, design = manifest.pop("_shape"), manifest["design"]
        problems: list[Problem] = []
        factors = [f["key"] for f in spec["factors"]]
        problems += _check_table(self.root / "design.parquet", ["design_row", *factors],
                                 design["rows"], lambda f: f["design_row"])
        problems += _check_table(self.root / "runs.parquet", [*RUNS_COLUMNS, *factors],
                                 design["runs"], lambda f: f["run_id"])
        n_runs = design["runs"]
        wanted = {"summary": ["run_id", *spec["outputs"]], "status": list(STATUS_COLUMNS),
                  "timeseries": ["run_id", "month", *spec["timeseries"]]}
        ids: dict[str, dict[str, np.ndarray]] = {part: {} for part in PARTS}
        stems = self._stems()
        for part in PARTS:
            folder = self.root / part
            if not folder.is_dir():
                problems.append(Problem(f"{part}/", "folder missing", "create"))
                continue
            for stem in sorted(stems[part]):
                path = folder / f"{stem}.parquet"
                found, trouble = _read_part(path, wanted[part], n_runs, part == "status")
                if trouble:
                    problems.append(Problem(f"{part}/{stem}.parquet", trouble, "set aside",
                                            (stem,)))
                else:
                    ids[part][stem] = found
        bad = {stem for p in problems for stem in p.stems}
        remnants = set(_remnants(stems))
        seen_ok: dict[int, str] = {}
        for stem in sorted(ids["status"]):
            if stem in bad:
                continue
            ok = ids["status"][stem]
            for part in ("summary", "timeseries"):
                if part == "timeseries" and not spec["timeseries"]:
                    continue
                have = ids[part].get(stem)
                if have is None and len(ok) and stem not in stems[part]:
                    problems.append(Problem(f"{part}/{stem}.parquet", f"missing (status/{stem}"
                                            f".parquet says {len(ok)} run(s) succeeded)",
                                            "set aside", (stem,)))
                    break
                if have is not None and not np.array_equal(np.unique(have), np.unique(ok)):
                    problems.append(Problem(f"{part}/{stem}.parquet", f"does not hold the runs "
                                            f"status/{stem}.parquet says succeeded",
                                            "set aside", (stem,)))
                    break
                if part == "summary" and have is not None and len(np.unique(have)) < len(have):
                    problems.append(Problem(f"{part}/{stem}.parquet", "a run appears twice",
                                            "set aside", (stem,)))
                    break
            else:
                again = sorted({int(i) for i in ok} & set(seen_ok))
                if again:
                    problems.append(Problem(f"status/{stem}.parquet", f"run {again[0]} "
                                            f"succeeded already in status/{seen_ok[again[0]]}"
                                            f".parquet (a duplicated part?)", "set aside",
                                            (stem,)))
                    continue
                seen_ok.update((int(i), stem) for i in ok)
        for part in ("summary", "timeseries"):
            for stem in sorted(stems[part] - stems["status"] - remnants - bad):
                problems.append(Problem(f"{part}/{stem}.parquet", "has no status part (its "
                                        "commit) and is not the last flush of its session",
                                        "set aside", (stem,)))
        return problems

    def repair(self, problems: list[Problem], manifest: dict, spec_text: str,
               design: pd.DataFrame, runs: pd.DataFrame) -> list[str]:
        """Set damaged parts aside (moved, never deleted) and rebuild what the spec
        determines; return one line per action. Their runs then count as not yet run."""
        aside = self.root / DAMAGED / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        done = []

        def move(rel: str) -> None:
            src = self.root / rel
            if src.exists():
                dst = aside / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                done.append(f"set aside {rel} -> {dst.relative_to(self.root)}")

        for problem in problems:
            if problem.where == "manifest.json":
                _same_runs(self.root, runs)
                move("manifest.json")
            elif problem.where in ("design.parquet", "runs.parquet"):
                move(problem.where)
            elif problem.fix == "create":
                (self.root / problem.where).mkdir(exist_ok=True)
                done.append(f"created {problem.where}")
            for stem in problem.stems:
                for part in PARTS:
                    move(f"{part}/{stem}.parquet")
        for stem in _remnants(self._stems()):  # uncommitted: set aside too, not deleted
            for part in PARTS:
                move(f"{part}/{stem}.parquet")
        if not (self.root / "manifest.json").is_file():
            self.write_manifest({**manifest, "created": now(), "started": None,
                                 "finished": None, "sessions": [],
                                 "repaired": now()})
            done.append("rebuilt manifest.json from the spec (earlier sessions' history is "
                        f"in {DAMAGED}/ if it was readable)")
        if not (self.root / "spec.toml").is_file():
            _atomic_bytes(self.root / "spec.toml", spec_text.encode())
        for name, frame in (("design.parquet", design), ("runs.parquet", runs)):
            if not (self.root / name).is_file():
                self._write_parquet(self.root / name, frame)
                done.append(f"rebuilt {name} from the spec")
        for part in PARTS:
            (self.root / part).mkdir(exist_ok=True)
        return done

    def check(self) -> dict[str, list[int]]:
        """Run ids missing from, or duplicated in, the stored summaries."""
        ids = self.summary([])["run_id"]
        expected = set(self.runs()["run_id"])
        return {"missing": sorted(expected - set(ids)),
                "duplicated": sorted(set(ids[ids.duplicated()]))}


# --- helpers -------------------------------------------------------------------------------------

def _series_frame(record: dict) -> pd.DataFrame:
    series = record["timeseries"]
    frame = pd.DataFrame(series)
    frame.insert(0, "run_id", np.full(len(frame), record["run_id"], dtype=np.int64))
    return frame


def _status_row(record: dict, session: int | None) -> dict:
    return {"run_id": record.get("run_id"), "attempt": record.get("attempt"),
            "status": record.get("status"), "error": record.get("error"),
            "traceback": record.get("traceback"), "duration_s": record.get("duration_s"),
            "worker": record.get("worker"), "session": session, "written": now()}


def _read_manifest(root: Path, schema: bool = True) -> tuple[dict | None, Problem | None]:
    """The manifest, or what is wrong with it; ``schema`` checks this format's keys too (a
    calibration's batches reuse the store with their own manifest keys)."""
    path = root / "manifest.json"
    fix = "rebuild from the spec"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, Problem("manifest.json", "missing", fix)
    except OSError as exc:
        return None, Problem("manifest.json", f"cannot be read ({exc.strerror})", fix)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, Problem("manifest.json", "not readable JSON (truncated or overwritten?)",
                             fix)
    if not isinstance(manifest, dict):
        return None, Problem("manifest.json", "not a JSON object", fix)
    if not schema:
        return manifest, None
    if manifest.get("format") != FORMAT:
        raise StoreError(f"{root}: manifest.json is not a {FORMAT} manifest; choose a new "
                         f"--out")
    spec, design = manifest.get("spec"), manifest.get("design")
    calibration = isinstance(design, dict) and design.get("method") == "calibration-candidates"
    if calibration and isinstance(spec, dict):  # its columns are per target: not checked here
        spec = {**spec, "factors": [], "outputs": [], "timeseries": []}
    if not (isinstance(spec, dict) and isinstance(spec.get("factors"), list)
            and all(isinstance(f, dict) and isinstance(f.get("key"), str)
                    for f in spec["factors"])
            and _names(spec.get("outputs"), empty=calibration)
            and _names(spec.get("timeseries"), empty=True)):
        return None, Problem("manifest.json", "its 'spec' is missing or incomplete", fix)
    if not (isinstance(design, dict) and isinstance(design.get("method"), str)
            and design["method"] in METHODS
            and all(_count(design.get(k)) for k in ("rows", "runs"))):
        return None, Problem("manifest.json", "its 'design' is missing or incomplete", fix)
    if not isinstance(manifest.get("sessions"), list):
        return None, Problem("manifest.json", "its 'sessions' list is missing", fix)
    return {**manifest, "_shape": {k: spec[k] for k in ("factors", "outputs", "timeseries")}}, \
        None


def _same_runs(root: Path, runs: pd.DataFrame) -> None:
    """Before rebuilding a lost manifest from the spec given: a readable runs table must be
    this spec's, or the directory holds another experiment and is left alone."""
    try:
        old = pd.read_parquet(root / "runs.parquet")
    except Exception:  # noqa: BLE001 - unreadable or missing: nothing to compare
        return
    same = list(old.columns) == list(runs.columns) and len(old) == len(runs) and all(
        np.array_equal(old[c].to_numpy(), runs[c].to_numpy()) for c in runs.columns)
    if not same:
        raise StoreError(f"{root}: its runs.parquet is not the given spec's (a different "
                         f"experiment?); repair it with the spec it was started with")


def _names(value: Any, empty: bool = False) -> bool:
    return isinstance(value, list) and (empty or bool(value)) and \
        all(isinstance(v, str) for v in value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_table(path: Path, columns: list[str], rows: int, key) -> list[Problem]:
    """design.parquet / runs.parquet: readable, the columns, the rows, ids 0..rows-1."""
    import pyarrow.parquet as pq

    name = path.name
    fix = "rebuild from the spec"
    if not path.is_file():
        return [Problem(name, "missing", fix)]
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # noqa: BLE001 - any reader error means the file is damaged
        return [Problem(name, f"unreadable ({_short(exc)})", fix)]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        return [Problem(name, f"column '{missing[0]}' missing", fix)]
    if len(frame) != rows or not np.array_equal(key(frame).to_numpy(), np.arange(rows)):
        return [Problem(name, f"has {len(frame)} rows, not the manifest's {rows} in order", fix)]
    return []


def _read_part(path: Path, columns: list[str], n_runs: int, status: bool
               ) -> tuple[np.ndarray | None, str | None]:
    """The run ids a part holds (for a status part: those that succeeded), or what is wrong."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(columns))
    try:
        schema = pq.read_schema(path)
        missing = [c for c in columns if c not in schema.names]
        if missing:
            return None, f"wrong schema: column '{missing[0]}' missing"
        if not pa.types.is_integer(schema.field("run_id").type):
            return None, f"wrong schema: run_id is {schema.field('run_id').type}, not integers"
        table = pq.read_table(path, columns=columns if status or "month" not in columns
                              else ["run_id"])
        run_id = table.column("run_id").to_numpy(zero_copy_only=False)
        if status:
            ok = np.asarray(table.column("status").to_pylist(), dtype=object) == "ok"
    except Exception as exc:  # noqa: BLE001 - truncated, garbage, empty: all unreadable
        return None, f"unreadable ({_short(exc)})"
    if len(run_id) and (run_id.min() < 0 or run_id.max() >= n_runs):
        return None, f"run id {int(run_id.max())} is not in this experiment (0-{n_runs - 1})"
    if status:
        return run_id[ok], None
    return run_id, None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _remnants(stems: dict[str, set[str]]) -> list[str]:
    """Data-part stems without a status part that are each session's latest flush: what a
    sweep killed mid-flush leaves (a flush writes its status part last)."""
    committed = stems["status"]
    data = (stems["summary"] | stems["timeseries"]) - committed
    last: dict[str, str] = {}
    for stem in stems["summary"] | stems["timeseries"] | committed:
        session = stem.rsplit("-", 1)[0]
        last[session] = max(last.get(session, stem), stem)
    return sorted(stem for stem in data if last[stem.rsplit("-", 1)[0]] == stem)


def _clear_stale_creations(parent: Path, name: str) -> None:
    """Remove what a sweep killed while creating ``name`` left: a temporary directory whose
    lock nobody holds (or, killed before it took the lock, older than a minute)."""
    import fcntl

    for tmp in parent.glob(f".{name}.creating-*"):
        lock = tmp / ".lock"
        try:
            if lock.is_file():
                with open(lock, "a+") as handle:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # its creator is alive
            elif time.time() - tmp.stat().st_mtime < 60:
                continue
        except OSError:
            continue
        shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=_default))


def _default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def _first_difference(old: Any, new: Any, where: str = "") -> str | None:
    """The first key path at which two JSON values differ, as 'key: old -> new'."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            found = _first_difference(old.get(key), new.get(key), f"{where}.{key}".lstrip("."))
            if found:
                return found
        return None
    if old != new:
        return f"{where or 'value'}: {json.dumps(old)} here, {json.dumps(new)} in the spec given"
    return None


@cache
def _versions() -> dict[str, str | None]:
    versions = {}
    for dist in VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def provenance() -> dict[str, Any]:
    """Versions of Python and the packages results depend on, and the git commit."""
    from sim.simulate import git_commit

    versions = _versions()
    return {"package_version": versions["mutualsim"], "versions": dict(versions),
            "python": platform.python_version(), "platform": platform.platform(),
            "git_commit": git_commit()}
