"""Each side's state is declared in one place (Build item 3): a dataclass per side
(sim/mechanisms/<side>/state.py, and the sites and teams in sim/mechanisms/organisation.py),
created in ``MutualModel.__init__``; no model attribute is created outside ``__init__``."""

import ast
import dataclasses

import pytest

from sim.mechanisms.funding.state import Funding
from sim.mechanisms.governance.state import Governance
from sim.mechanisms.organisation import Organisation
from sim.mechanisms.people.state import People
from sim.model import MutualModel
from tests.conftest import ROOT

SIDES = {"people": People, "governance": Governance, "funding": Funding, "org": Organisation}


# base: five year ends; case10: two timed events (a lost contract, a seats change) and growth;
# small_cic on half the budget goes insolvent (the run stops part-way)
@pytest.mark.parametrize("name, overrides", [
    ("base", {}), ("cases/case10", {}),
    ("small_cic", {"commissioning.budget_index": 0.5})])
def test_no_model_attribute_is_created_after_init(name, overrides):
    model = MutualModel(name, rng=3, overrides={"months": 60, **overrides})
    declared = set(vars(model))
    state = {side: set(vars(getattr(model, side))) for side in SIDES}
    model.run_for(60)
    assert model.failed == (name == "small_cic")
    assert set(vars(model)) == declared
    for side, cls in SIDES.items():
        assert type(getattr(model, side)) is cls
        # a side's state gains no field its dataclass does not declare
        assert set(vars(getattr(model, side))) == state[side] == \
            {f.name for f in dataclasses.fields(cls)}


def _assigned_model_attributes(path):
    """Names ``X`` in ``model.X = ...`` (or ``+=``) in one module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                    and t.value.id == "model":
                out.add(t.attr)
    return out


def test_mechanisms_write_only_their_sides_state():
    """Outside sim/model.py the rules write a side's fields (``model.funding.x = ...``), never
    a model attribute, except the run's status (``failed``, Mesa's ``running``)."""
    found = {}
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path.name == "model.py" and path.parent.name == "sim":
            continue
        names = _assigned_model_attributes(path) - {"failed", "running"}
        if names:
            found[str(path.relative_to(ROOT))] = sorted(names)
    assert found == {"sim/viz/session.py": ["rng"]}  # the app reseeds a run it resumes


# --- parameters: the rules read the typed view (Build item 4) ---------------------------------

RULE_FILES = [*sorted((ROOT / "sim" / "mechanisms").rglob("*.py")),
              *(ROOT / "sim" / name for name in ("model.py", "metrics.py", "events.py",
                                                  "agents.py"))]


def test_the_rules_read_parameters_through_the_typed_view_not_by_string():
    """No ``p["a.b.c"]`` / ``p.get("a.b.c")`` look-ups in the rules: they read ``model.params``
    (sim/params.py ``view``), whose attributes mirror the registry's dotted keys."""
    import re

    lookup = re.compile(r"""\b(?:p|params|values)(?:\[|\.get\()\s*f?["'][a-z_]+\.""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in RULE_FILES
             for n, line in enumerate(path.read_text().splitlines(), 1) if lookup.search(line)]
    assert found == []


def test_the_typed_view_mirrors_the_registry_and_follows_a_timed_change():
    from sim.params import REGISTRY, view

    model = MutualModel("base", rng=1, overrides={"months": 12})
    for key in REGISTRY:
        node = model.params
        for part in key.split("."):
            node = getattr(node, part)
        assert node == model.p[key], key
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.params.engagement.voice_heard = 0.0
    model.set_param("membership.staff.rule", "opt_out")   # what a timed event does
    assert model.params.membership.staff.rule == "opt_out" == model.people.staff_rules.rule
    assert view(model.p) == model.params


def test_odd_gives_the_process_order_of_step():
    """docs/ODD.md §3 names the processes of ``step()`` and ``year_end()`` in their order."""
    import inspect
    import re

    def calls(method) -> list[str]:
        tree = ast.parse(inspect.getsource(method).strip().replace("\n    ", "\n"))
        return [f"{c.func.value.id}.{c.func.attr}" for c in ast.walk(tree)
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                and isinstance(c.func.value, ast.Name) and c.func.value.id != "self"]

    odd = (ROOT / "docs" / "ODD.md").read_text()
    section = odd[odd.index("## 3. Process overview"):odd.index("## 4. Design concepts")]
    for method in (MutualModel.step, MutualModel.year_end):
        names = sorted(calls(method), key=lambda n: inspect.getsource(method).index(n))
        assert names, method
        at = [m.start() for n in names for m in [re.search(rf"`{re.escape(n)}`", section)] if m]
        assert len(at) == len(names), (names, "not all named in ODD §3")
        assert at == sorted(at), names
