"""Policy scenarios: override sets that apply to any scenario (docs/scenarios.md "Policies").

A policy file (``scenarios/policy/*.toml``) is a scenario file without ``extends``: an
``[about]`` table, parameter tables and optionally ``[[events]]``. Applied to a scenario it
sets those values (checked like ``--set``) and adds those events, so one policy runs on every
case: ``mutualsim run cases/case05 --policy stable_commissioners``, or from Python::

    from sim import policy
    scenario = policy.apply(sim.load_scenario("cases/case05"), "stable_commissioners")

Sweep specs can name a policy by its file, or copy its values as an override set: the format is
plain TOML with dotted keys, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario import (
    Scenario,
    ScenarioError,
    _check_about,
    _flatten,
    _read_toml,
    bundled_dir,
    check_value,
    is_file,
)


@dataclass(frozen=True)
class Policy:
    name: str
    path: Path
    values: dict[str, Any]
    events: list[dict]
    about: dict[str, str]


def policy_dir() -> Path:
    return bundled_dir() / "policy"


def names() -> list[str]:
    return sorted(p.stem for p in policy_dir().glob("*.toml"))


def locate(ref: str) -> Path:
    """The file ``--policy`` names: a bundled policy's name, or a ``.toml`` file. Nothing
    else is opened, so a mistyped or hostile path (``../../etc/passwd``) is refused by its
    name and never read."""
    if not ref or "\x00" in ref or len(ref) > 4096:
        raise ScenarioError(f"--policy: {ref[:60]!r} is not a policy name or .toml file")
    path = Path(ref)
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        if not ref.endswith(".toml"):
            raise ScenarioError(f"--policy: '{ref}' is not a .toml file (a policy is a bundled "
                                f"name, e.g. {names()[0]}, or a .toml file)")
        if is_file(path):
            return path.resolve()
    elif is_file(policy_dir() / f"{ref}.toml"):
        return (policy_dir() / f"{ref}.toml").resolve()
    import difflib

    hint = difflib.get_close_matches(ref, names(), n=1)
    tip = f" — did you mean '{hint[0]}'?" if hint else f" (bundled: {', '.join(names())})"
    raise ScenarioError(f"--policy: '{ref}' not found: no such file or bundled policy{tip}")


def load(ref: str | Path) -> Policy:
    """Read and check a policy file (values checked against the registry)."""
    path = locate(str(ref))
    data = _read_toml(path)
    if "extends" in data:
        raise ScenarioError(f"{path}: extends: a policy applies to any scenario and extends "
                            "none (remove the key)")
    about = data.pop("about", {})
    _check_about(path, about)
    events = data.pop("events", [])
    if not isinstance(events, list):
        raise ScenarioError(f"{path}: events: must be an array of tables ([[events]])")
    values = {key: check_value(str(path), key, value) for key, value in _flatten(data)}
    return Policy(path.stem, path, values, events, about)


def apply(scenario: Scenario, ref: str | Path) -> Scenario:
    """The scenario with the policy's values set and its events added."""
    pol = load(ref)
    out = scenario.with_overrides(pol.values, origin=str(pol.path)) if pol.values else scenario
    if pol.events:
        out = out.with_events(pol.events, origin=str(pol.path))
    about = {**out.about, "policy": pol.about.get("title", pol.name)}
    return Scenario(f"{scenario.name}+{pol.name}", out.values, about, out.chain, out.events)
