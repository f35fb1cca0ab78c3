"""``mutualsim viz [SCENARIO] [--port P] [--host H]``: start the trainers' app.

The server listens on 127.0.0.1 (this machine only) unless ``--host`` says otherwise: the app
runs code on request and has no log-in, so it must not be reachable from the room's network by
accident, and any other address is started with a warning saying so. The process becomes the
Solara server (``exec``), so Ctrl+C or killing its PID stops it.

Before anything starts, the scenario is loaded and the address is tried: a bad or missing
scenario, a host that does not resolve or a port already in use ends with one line and exit
code 2 (docs/robustness.md).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(host: str, port: int) -> None:
    """Resolve the host and try to bind the port, as the server will (one-line errors)."""
    from sim.scenario import ScenarioError

    if not host or "\x00" in host or len(host) > 253:
        raise ScenarioError(f"--host {host[:60]!r}: not a host name or address")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise ScenarioError(f"--host {host}: cannot resolve this host name") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
                raise ScenarioError(f"--port {port}: already in use on {host}; stop the "
                                    f"other server or pick another port, e.g. --port "
                                    f"{port + 1 if port < 65535 else 8800}") from None
            raise ScenarioError(f"--host {host} --port {port}: cannot listen there: "
                                f"{exc.strerror}") from None


def run(args) -> int:
    from sim.scenario import ScenarioError, load_scenario, one_line

    try:
        import solara  # noqa: F401
    except ImportError:
        print("error: the app needs the 'viz' extra: pip install 'mutualsim[viz]' "
              "(or tools/bootstrap test,viz)", file=sys.stderr)
        return 2
    from sim.scenario import is_file
    from sim.viz import assets

    scenario = args.scenario
    if is_file(Path(scenario)):  # the server may run elsewhere than the current folder
        scenario = str(Path(scenario).resolve())
    try:
        load_scenario(scenario)
        check_address(args.host, args.port)
    except ScenarioError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(f"warning: --host {one_line(args.host)}: anyone who can reach this machine on port "
              f"{args.port} can use the app (it has no log-in and runs simulations on "
              f"request); use the default 127.0.0.1 unless the room's network is trusted",
              file=sys.stderr)
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
