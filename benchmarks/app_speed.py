"""How fast the trainers' app answers in compare mode: "Step a year" and Play.

Two measurements, both in compare mode (Exercise 1: two 400-staff copies):

1. **Server work**, in this process: CPU time (``time.process_time``) for what one click costs
   the server — step both copies 12 months, then build every chart and the story for both
   (the page's ``_snapshot``) — and for one Play frame (one month, the same drawing). The two
   are interleaved, repetition by repetition, and medians are quoted.
2. **In a real browser** (Debian's chromium, outside requests blocked): `mutualsim viz` in a
   subprocess; wall-clock time from clicking "Step a year" until the page shows the new month
   *and* the last chart (the quadrant of copy B) has been redrawn for it; and how many months
   Play at "1 month" covers in 10 s.

The load average (``os.getloadavg``) is printed before and after: on a shared 2-core machine
the browser figures move with it.

    .venv/bin/python benchmarks/app_speed.py [--reps 7] [--out benchmarks/results-app_speed.json]

Targets (issue 16): "Step a year" ≤ 1 s, Play ≥ 4 months a second.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def server_side(reps: int) -> dict:
    from sim.viz import app, presets

    year, frame = [], []
    for _ in range(reps):
        live = app._Live(presets.by_name("ex1").setup(0))
        app._snapshot(live, list(app.session.THEMES), "")
        t = time.process_time()
        live.step(12)
        app._snapshot(live, list(app.session.THEMES), "")
        year.append(time.process_time() - t)
        t = time.process_time()
        live.step(1)
        app._snapshot(live, list(app.session.THEMES), "")
        frame.append(time.process_time() - t)
    return {"step_a_year_cpu_s": statistics.median(year), "play_frame_cpu_s":
            statistics.median(frame), "reps": reps, "year_all": year, "frame_all": frame}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_side(reps: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("mutualsim viz did not start") from None
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
                       else r.abort())
            from sim.viz import presets, session

            query = session.to_query(presets.by_name("ex1").setup(0))
            page.goto(f"http://127.0.0.1:{port}/?{query}")
            status = page.locator(".status")
            expect(status).to_contain_text("Month 0 of", timeout=90_000)
            last_chart = page.locator(".chart-quadrant").nth(1).locator("svg text")
            expect(last_chart.first).to_be_attached(timeout=60_000)
            page.wait_for_timeout(2000)
            years = []
            for k in range(1, reps + 1):
                start = time.perf_counter()
                page.click(".btn-year")
                expect(status).to_contain_text(f"Month {12 * k} of", timeout=60_000)
                page.wait_for_function(
                    "m => [...document.querySelectorAll('.chart-quadrant')][1]"
                    ".innerText.includes('◆ month ' + m + ':') || "
                    "[...document.querySelectorAll('.chart-quadrant')][1].querySelector('svg')"
                    ".textContent.includes('◆ month ' + m + ':')", arg=12 * k, timeout=60_000)
                years.append(time.perf_counter() - start)
            page.click(".btn-reset")
            expect(status).to_contain_text("Month 0 of", timeout=60_000)
            page.wait_for_timeout(1500)
            cpu0 = _cpu_seconds(proc.pid)
            page.click(".btn-play")
            t0 = time.perf_counter()
            page.wait_for_timeout(10_000)
            month = int(re.search(r"Month (\d+)", status.inner_text())[1])
            played = time.perf_counter() - t0
            server_cpu = _cpu_seconds(proc.pid) - cpu0
            page.click(".btn-play")
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"step_a_year_wall_s": statistics.median(years), "years_all": years,
            "play_months": month, "play_seconds": played, "play_months_per_s": month / played,
            "play_server_cpu_s": server_cpu}


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    result = {"load_before": load_before, "server": server_side(args.reps)}
    if not args.no_browser:
        result["browser"] = browser_side(args.reps)
    result["load_after"] = os.getloadavg()
    s = result["server"]
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f} (1, 5, 15 min), after {result['load_after'][0]:.2f}")
    print(f"server, compare mode: Step a year {s['step_a_year_cpu_s']:.3f} s CPU, one Play "
          f"frame {s['play_frame_cpu_s']:.3f} s CPU (medians of {args.reps})")
    if "browser" in result:
        b = result["browser"]
        print(f"browser, compare mode: Step a year {b['step_a_year_wall_s']:.2f} s to the last "
              f"chart redrawn (median of {args.reps}; all: "
              f"{', '.join(f'{x:.2f}' for x in b['years_all'])})")
        print(f"browser, Play at 1 month: {b['play_months']} months in {b['play_seconds']:.1f} s"
              f" = {b['play_months_per_s']:.1f} months/s; the server process used "
              f"{b['play_server_cpu_s']:.1f} s of CPU meanwhile "
              f"({b['play_server_cpu_s'] / max(b['play_months'], 1):.3f} s a month)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
