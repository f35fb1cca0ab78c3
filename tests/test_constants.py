"""No behavioural constant hides in rule code: every number a rule uses is a registered
parameter (with unit, range and source) or on the short allow-list below.

The scan reads the mechanism modules, the model and the metrics with ``ast`` and reports each
bare numeric literal outside a ``param(...)`` declaration. A literal may stay when it is
mathematics or a unit, not a behavioural claim: say why on its line (or the line above) with
a ``# shape: ...`` comment.
"""

import ast

import pytest

from tests.conftest import ROOT

FILES = sorted((ROOT / "sim" / "mechanisms").rglob("*.py")) + [
    ROOT / "sim" / "metrics.py", ROOT / "sim" / "model.py"]

# Allowed anywhere: identities and bounds (0, 1, -1), halves (the centre of a 0-1 index, ½ in
# the normal CDF and total variation), and units (12 months a year, 100 pence a pound).
ALLOWED = {0, 1, -1, 0.5, 12, 100}
# Rungs of the engagement ladder (0 not involved ... 4 representative) in comparisons.
RUNGS = {2, 3, 4}
# Whole files of data, not rules: Table 4.1's governance archetypes as parameter bundles.
DATA_FILES = {"presets.py"}
# Assignments whose value is a table of parameter defaults or declarations.
DATA_NAMES = ("_DEFAULTS", "PROFILE_FIELDS")


def bare_literals(path) -> list[str]:
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "param":
            skip |= {id(n) for n in ast.walk(node)}
        elif isinstance(node, ast.Subscript):
            skip |= {id(n) for n in ast.walk(node.slice)}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", "").endswith(DATA_NAMES) for t in targets):
                skip |= {id(n) for n in ast.walk(node.value)}
        elif isinstance(node, ast.Compare):
            skip |= {id(n) for n in [node.left, *node.comparators]
                     if isinstance(n, ast.Constant) and n.value in RUNGS}
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            skip.add(id(node.right))  # x ** 2: mathematics
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # docstrings
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or type(node.value) not in (int, float):
            continue
        if id(node) in skip or node.value in ALLOWED:
            continue
        here = lines[node.lineno - 1]
        above = lines[node.lineno - 2] if node.lineno > 1 else ""
        if "# shape:" in here or above.strip().startswith("# shape:"):
            continue
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        found.append(f"{where}:{node.lineno}: {node.value!r}  {here.strip()}")
    return found


@pytest.mark.parametrize("path", [f for f in FILES if f.name not in DATA_FILES],
                         ids=lambda f: str(f.relative_to(ROOT / "sim")))
def test_no_bare_behavioural_constants(path):
    found = bare_literals(path)
    assert not found, ("numbers in rule code that are not parameters (declare each in the "
                       "module's PARAMS, or mark mathematics/units with '# shape: why'):\n"
                       + "\n".join(found))


def test_the_scan_finds_a_bare_constant(tmp_path):
    rule = tmp_path / "rule.py"
    rule.write_text('def f(p, x):\n    """Doc 0.3."""\n    y = x ** 2 + 2 * x  # shape: a square\n'
                    '    return 0.3 * x + p["k"] * 1 + y\n')
    assert [line.split()[1] for line in bare_literals(rule)] == ["0.3"]
