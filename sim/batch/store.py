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
"""

from __future__ import annotations

import json
import os
import platform
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import ScenarioError

FORMAT = "mutualsim-experiment/1"
PARTS = ("summary", "timeseries", "status")
VERSIONED = ("mutualsim", "mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "dask",
             "distributed", "matplotlib")


class StoreError(ScenarioError):
    """The directory cannot be used for this experiment; one line, exit code 2."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._seq = 0
        self.session: int | None = None

    # --- creating and reopening --------------------------------------------------------------

    @classmethod
    def open_for(cls, root: str | Path, manifest: dict, spec_text: str, design: pd.DataFrame,
                 runs: pd.DataFrame) -> Store:
        """A new experiment directory, or the existing one for the same experiment (resume)."""
        store = cls(root)
        if (store.root / "manifest.json").is_file():
            store._check_same(manifest)
            return store
        if store.root.exists() and any(store.root.iterdir()):
            raise StoreError(f"{store.root}: exists and is not an experiment directory "
                             f"(no manifest.json); choose a new --out")
        for part in PARTS:
            (store.root / part).mkdir(parents=True, exist_ok=True)
        _atomic_bytes(store.root / "spec.toml", spec_text.encode())
        store._write_parquet(store.root / "design.parquet", design)
        store._write_parquet(store.root / "runs.parquet", runs)
        store.write_manifest({**manifest, "created": now(), "started": None, "finished": None,
                              "sessions": []})
        return store

    def _check_same(self, manifest: dict) -> None:
        old = self.manifest()
        if old.get("format") != FORMAT:
            raise StoreError(f"{self.root}: manifest.json is not a {FORMAT} manifest")
        where = _first_difference(old.get("spec"), _jsonable(manifest["spec"]))
        if where is not None:
            raise StoreError(f"{self.root}: holds a different experiment (spec {where}); "
                             f"use a new --out directory or the spec it was started with")
        where = _first_difference(old.get("base_scenario"), _jsonable(manifest["base_scenario"]))
        if where is not None:
            raise StoreError(f"{self.root}: the base scenario has changed since this experiment "
                             f"started ({where}); use a new --out directory")

    def drop_uncommitted(self) -> None:
        """Delete the remnants of a flush that was cut off (call while holding the lock)."""
        committed = self._committed()
        for part in PARTS:
            for path in (self.root / part).glob("*"):
                if path.name.endswith(".tmp") or (part != "status" and
                                                  path.stem not in committed):
                    path.unlink()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the directory for one sweep at a time (released by the OS if we are killed)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; document one sweep per directory
            yield
            return
        with open(self.root / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"{self.root}: another sweep is writing to this directory") \
                    from None
            yield

    # --- manifest and sessions ---------------------------------------------------------------

    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text())

    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(_jsonable(manifest), indent=2) + "\n"
        _atomic_bytes(self.root / "manifest.json", text.encode())

    def begin_session(self, info: dict) -> None:
        manifest = self.manifest()
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
        stem = f"part-{self.session or 0:04d}-{self._seq:06d}"
        self._seq += 1
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


def provenance() -> dict[str, Any]:
    """Versions of Python and the packages results depend on, and the git commit."""
    from sim.simulate import git_commit

    versions = {}
    for dist in VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"package_version": versions["mutualsim"], "versions": versions,
            "python": platform.python_version(), "platform": platform.platform(),
            "git_commit": git_commit()}
