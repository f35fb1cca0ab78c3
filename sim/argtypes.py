"""Argument types shared by the command lines (one-line errors through argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers of at least ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of at least {minimum}, got '{text}'") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"  # argparse names the type in its errors
    return parse


positive = whole_number(1)
non_negative = whole_number(0)


def check_output_dir(path, flag: str = "--out") -> None:
    """Refuse, before any work, an output folder that cannot be created or written: one that
    is a file, lies under a file, or whose nearest existing folder is not writable."""
    import os
    from pathlib import Path

    from sim.scenario import ScenarioError

    path = Path(path)
    text = str(path)
    if not text or "\x00" in text or len(text) > 4096:
        raise ScenarioError(f"{flag} {text[:60]!r}: not a folder name")
    try:
        if path.exists() and not path.is_dir():
            raise ScenarioError(f"{flag} {path}: exists and is not a folder")
        ancestor = path.absolute()
        while not ancestor.exists():
            ancestor = ancestor.parent
    except OSError as exc:
        raise ScenarioError(f"{flag} {path}: {exc.strerror or type(exc).__name__}") from None
    if not ancestor.is_dir():
        raise ScenarioError(f"{flag} {path}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ScenarioError(f"{flag} {path}: {ancestor} is not writable")
    import tempfile

    try:  # the real test (root passes os.access; read-only mounts, /proc and /sys do not)
        os.rmdir(tempfile.mkdtemp(prefix=".mutualsim-probe-", dir=ancestor))
    except OSError as exc:
        raise ScenarioError(f"{flag} {path}: cannot create anything in {ancestor}: "
                            f"{exc.strerror or type(exc).__name__}") from None
