"""mutualsim: an agent-based model of how public service mutuals are governed.

For notebooks::

    import sim
    result = sim.run("opt_out", seed=1, months=60, overrides={"membership.staff.promotion": 0.5})
    result.timeseries          # pandas DataFrame, one row per month
    result.summary["final"]    # final metrics, same names as the columns
    result.events              # plain-language events
    scenario = sim.load_scenario("base")
"""

from sim.model import MutualModel
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.simulate import RunResult, run

__all__ = ["MutualModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
