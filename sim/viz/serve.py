"""``mutualsim viz [SCENARIO] [--port P] [--host H]``: start the trainers' app.

The server listens on 127.0.0.1 (this machine only) unless ``--host`` says otherwise: the app
runs code on request and has no log-in, so it must not be reachable from the room's network by
accident. The process becomes the Solara server (``exec``), so Ctrl+C or killing its PID stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
QUIET_WARNINGS = "ignore:Cookies with samesite=none require https:UserWarning"


def add_parser(sub) -> None:
    p = sub.add_parser("viz", help="start the trainers' app (a page in your browser)",
                       description="Start the trainers' app on http://127.0.0.1:PORT/ and print "
                                   "its address. Works offline once set up.")
    p.add_argument("scenario", nargs="?", default="base",
                   help="bundled scenario name or path to a .toml file (default: base)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"port to listen on (default: {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 exposes the app to every network this machine is on)")
    p.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got '{text}'") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {value}")
    return value


def run(args) -> int:
    from sim.scenario import ScenarioError, load_scenario

    try:
        import solara  # noqa: F401
    except ImportError:
        print("error: the app needs the 'viz' extra: pip install 'mutualsim[viz]' "
              "(or tools/bootstrap test,viz)", file=sys.stderr)
        return 2
    from sim.viz import assets

    scenario = args.scenario
    if Path(scenario).is_file():  # the server may run elsewhere than the current folder
        scenario = str(Path(scenario).resolve())
    try:
        load_scenario(scenario)
    except ScenarioError as exc:  # the page shows it too, and offers the bundled scenarios
        print(f"warning: {exc}", file=sys.stderr)
    missing = assets.missing_packages()
    if missing:
        names = ", ".join(f"{n}@{v}" for n, v in missing)
        print(f"warning: Solara front-end assets missing ({names}); the page will be blank "
              "without internet. Run tools/solara-assets.", file=sys.stderr)

    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
               MUTUALSIM_VIZ_SCENARIO=scenario,
               # a quiet terminal: Solara warns on every page load that a cookie over plain
               # http on 127.0.0.1 falls back to samesite=lax, which is what a loopback app wants
               PYTHONWARNINGS=QUIET_WARNINGS, SOLARA_THEME_SHOW_BANNER="False")
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"mutualsim viz: open http://{shown}:{args.port}/  (Ctrl+C to stop)", flush=True)
    # sim.viz.server is Solara's command with a clean Ctrl+C (exit status 0)
    argv = [sys.executable, "-m", "sim.viz.server", "run", "sim.viz.app", "--host", args.host,
            "--port", str(args.port), "--production", "--no-open", "--log-level", "warning"]
    os.execve(sys.executable, argv, env)
    return 0  # not reached
