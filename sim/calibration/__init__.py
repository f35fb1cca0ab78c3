"""Calibration: fitting parameters to targets (the study's patterns) with uncertainty.

From Python::

    from sim.calibration import load_calibration, calibrate
    spec = load_calibration("calibrations/people_side.toml")
    result = calibrate(spec, "out/people_side")
    result.posterior          # the final population: values, weights, statistics

See docs/calibration.md.
"""

from sim.lazy import exports

_EXPORTS = {
    "CalibrationSpec": "sim.calibration.spec", "CalibrationSpecError": "sim.calibration.spec",
    "load_calibration": "sim.calibration.spec",
    "Calibration": "sim.calibration.smc", "calibrate": "sim.calibration.smc",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports(__name__, _EXPORTS)
