"""Copy ``sim/`` with every parameter declaration (``PARAMS = [...]`` lists and ``param(...)``
calls) blanked, so that ``duplicates --repo DIR`` shows what repeats outside the
declarations: the check behind issue 10's "no repeated logic in sim/".

    .venv/bin/python tools/duplicates_without_declarations.py /tmp/sim-logic
    duplicates --repo /tmp/sim-logic --most 200

Declarations are data (key, default, unit, range, source, meaning): the duplicates tool
reads their identical shape as a repeat, but no two declare the same thing.
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def declaration_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        is_params = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PARAMS" for t in node.targets)
        is_param = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "param"
        if is_params or is_param:
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def main(out: str) -> int:
    target = Path(out)
    if target.exists():
        shutil.rmtree(target)
    for path in sorted((ROOT / "sim").rglob("*.py")):
        text = path.read_text()
        blank = declaration_lines(ast.parse(text))
        kept = ["" if n in blank else line for n, line in enumerate(text.splitlines(), 1)]
        dest = target / path.relative_to(ROOT / "sim")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text("\n".join(kept) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sim-logic"))
