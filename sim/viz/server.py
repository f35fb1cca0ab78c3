"""The process ``mutualsim viz`` becomes: Solara's own server command, stopped cleanly.

Uvicorn shuts down gracefully on Ctrl+C and then re-raises the interrupt, which Solara's
command line reports as "Aborted." with exit status 1. Here Ctrl+C (SIGINT) or SIGTERM is the
normal way to stop the app: the server shuts down, one line says so, and the exit status is 0.
"""

from __future__ import annotations

import signal
import sys


def main(argv: list[str] | None = None) -> int:
    import click
    from solara.__main__ import cli

    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    try:
        cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="solara",
                 standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        pass
    print("mutualsim viz: stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
