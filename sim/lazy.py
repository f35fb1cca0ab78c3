"""Lazy exports for a package's ``__init__`` (PEP 562): a name is imported from its module on
first use, so `mutualsim run` does not pay for SALib, scipy and matplotlib."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``, which exports each name of ``where`` from
    the module ``where[name]``."""
    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)
    return __getattr__
