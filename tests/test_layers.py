"""The layering (pyproject.toml [tool.importlinter]) holds and no module imports itself back.

Higher layers may import lower ones, never the reverse (README "Design"): the model, events,
metrics, scenario, params, then the mechanisms (funding > governance > people), agents and the
column store. Lazy imports inside functions count too."""

import grimp
from importlinter.cli import lint_imports

from tests.conftest import ROOT


def test_import_linter_contracts_are_kept():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0, "run .venv/bin/lint-imports to see which is broken"


def test_no_import_cycles_in_sim():
    graph = grimp.build_graph("sim", cache_dir=None)
    cycles = sorted(
        f"{a} -> {b} -> ... -> {a}"
        for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
        if b != a and graph.chain_exists(importer=b, imported=a)
        # a package's __init__ importing its own submodules is not a cycle of logic
        and not a.startswith(b + ".") and not b.startswith(a + "."))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
