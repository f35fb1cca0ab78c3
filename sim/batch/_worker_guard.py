"""Imported by the forkserver that forks the local workers (``set_forkserver_preload``).

Two effects: the forkserver, and so every worker it forks, already holds the model's modules
and the compiled kernels of the person update (a worker starts in milliseconds, not seconds,
and a broken pool is replaced as fast), and the
forkserver asks the kernel to end it when the sweep that started it ends. Its workers ask the
same of it (``die_with_parent``), so killing the sweep process alone stops them all at once.
"""

import sys

import sim.batch.runs  # noqa: F401 - what every task needs, imported once here
from sim.batch.executors import set_parent_death_signal
from sim.mechanisms.people import kernels

kernels.warm()  # the compiled person update, loaded once here rather than in every worker

if "multiprocessing.forkserver" in sys.modules and sys.argv[:1] == ["-c"]:  # the forkserver
    set_parent_death_signal()
