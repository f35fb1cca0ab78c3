"""Batch experiments: specs, designs, seeded runs, executors, a resumable store, analysis.

From Python::

    from sim.batch import load_spec, sweep, Experiment
    spec = load_spec("experiments/membership_rule_x_promotion.toml")
    outcome = sweep(spec, "out/membership", executor="process")
    exp = Experiment.open("out/membership")
    exp.results            # runs table joined with each run's outputs

See docs/batch.md.
"""

from sim.lazy import exports

# Imported on first use, so `mutualsim run` does not pay for SALib, scipy and matplotlib.
_EXPORTS = {
    "Experiment": "sim.batch.analysis", "load_ema": "sim.batch.analysis",
    "analyze": "sim.batch.report",
    "ExperimentSpec": "sim.batch.spec", "SpecError": "sim.batch.spec",
    "load_spec": "sim.batch.spec",
    "Store": "sim.batch.store", "StoreError": "sim.batch.store",
    "SweepOutcome": "sim.batch.sweep", "sweep": "sim.batch.sweep",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports(__name__, _EXPORTS)
