"""The trainers' app for real: `mutualsim viz` in a subprocess, driven in headless Chromium.

Every request that would leave this machine is blocked, so the page must render from the
assets installed by the set-up (workshop rooms often have no wifi). Needs Debian's
/usr/bin/chromium (`apt-get install -y chromium`) and the `viz` extra.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.params import REGISTRY

pytest.importorskip("solara", reason="the app needs the viz extra")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) missing")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"{CHROMIUM} missing: apt-get install -y chromium")
pytestmark = pytest.mark.slow
playwright.expect.set_options(timeout=60_000)  # a shared 2-core machine can be slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def viz_server(*args):
    """`mutualsim viz ARGS --port P` until the page answers; stopped by its PID afterwards."""
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"mutualsim-viz-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", *map(str, args), "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"mutualsim viz did not start:\n{log.read()[-3000:]}")
                time.sleep(0.5)
        yield port, proc, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def browser_page(port):
    """A page on the app with the outside world cut off; yields (page, problems)."""
    problems = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.set_default_timeout(60_000)

        def offline(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                problems.append(f"outside request: {route.request.url}")
                route.abort()

        page.route("**/*", offline)
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(f"http://127.0.0.1:{port}/")
        yield page, problems
        browser.close()


@pytest.fixture(scope="module")
def app():
    with viz_server("base") as server:
        yield server


def _screenshot(page, name):
    """The page from the top (Solara scrolls inner panels, not the document).

    Saved to out/screenshots/ on every run; `make screenshots` (MUTUALSIM_SCREENSHOTS=docs)
    saves them to docs/img/, where the README shows them, so a plain test run leaves the
    tracked images alone."""
    folder = ROOT / ("docs/img" if os.environ.get("MUTUALSIM_SCREENSHOTS") == "docs"
                     else "out/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1500, "height": 1350})
    page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(1000)
    page.screenshot(path=folder / name)
    assert (folder / name).stat().st_size > 10_000


def _chart(page, name):
    return page.locator(f".chart-{name} img").first.screenshot()


@needs_chromium
def test_trainer_picks_scenario_moves_lever_steps_and_sees_charts_and_log_change(app):
    port, _, _ = app
    expect = playwright.expect
    with browser_page(port) as (page, problems):
        status = page.locator(".status")
        expect(status).to_contain_text("Month 0 of 120 · seed 0 · scenario 'base'")

        # pick a scenario: the levers jump to its values and its description shows
        page.click(".scenario-picker .v-select__slot")
        page.click(".v-menu__content .v-list-item:has-text('opt_out —')")
        expect(status).to_contain_text("scenario 'opt_out'")
        expect(page.locator(".lever-membership-staff-rule .lever-caption")).to_have_text(
            "Staff membership rule: opt_out")
        expect(page.locator(".scenario-about")).to_contain_text("Switch to opt-out")

        # move a lever (keyboard on the slider): the run restarts with the new value
        headline = page.locator(".summary-line")
        expect(headline).to_contain_text("Staff membership")
        headline_before = headline.inner_text()
        caption = page.locator(".lever-engagement-pipeline-investment .lever-caption")
        page.locator(".lever-engagement-pipeline-investment .v-slider__thumb-container").focus()
        for key in ("PageUp", "PageUp", "ArrowRight"):
            page.keyboard.press(key)
        expect(caption).not_to_contain_text("Pipeline of engagement: 50 ")
        expect(headline).not_to_have_text(headline_before)

        # step: the month, every chart and the event log change
        charts_before = {name: _chart(page, name) for name in
                         ("membership", "ladder", "ownership", "quadrant", "people")}
        log = page.locator(".event-log")
        log_before = log.inner_text()
        page.click(".btn-year")
        expect(status).to_contain_text("Month 12 of 120")
        expect(log).to_contain_text("month 12: year 1:")
        assert log.inner_text() != log_before
        page.click(".btn-year")
        page.click(".btn-step")
        expect(status).to_contain_text("Month 25 of 120")
        expect(log).to_contain_text("month 24: year 2:")
        page.wait_for_timeout(1500)  # let the last figures arrive
        for name, before in charts_before.items():
            assert _chart(page, name) != before, f"{name} chart did not change"
        _screenshot(page, "app.png")

        # compare: two copies, same seed, one lever different, side by side
        page.click(".compare-box .v-input--checkbox .v-input--selection-controls__ripple")
        labels = page.locator(".copy-label")
        expect(labels).to_have_count(2)
        expect(labels.nth(0)).to_have_text("A: Staff membership rule = opt_out")
        expect(labels.nth(1)).to_have_text("B: Staff membership rule = automatic")
        expect(status).to_contain_text("Month 0 of 120")
        page.click(".btn-year")
        expect(status).to_contain_text("Month 12 of 120")
        expect(page.locator(".event-log")).to_have_count(2)
        page.wait_for_timeout(1500)
        expect(page.locator(".chart-compare img")).to_have_count(1)
        _screenshot(page, "app-compare.png")
        assert not problems, problems


@needs_chromium
def test_a_lever_cannot_be_pushed_past_its_registry_range(app):
    port, _, _ = app
    expect = playwright.expect
    with browser_page(port) as (page, problems):
        caption = page.locator(".lever-engagement-voice-heard .lever-caption")
        start = REGISTRY["engagement.voice_heard"].default
        expect(caption).to_have_text(f"Informal voice heard: {start:g} (index 0–1; 0 – 1)")
        page.locator(".lever-engagement-voice-heard .v-slider__thumb-container").focus()
        for key in ["End"] + ["ArrowRight", "PageUp"] * 5:
            page.keyboard.press(key)
        expect(caption).to_have_text("Informal voice heard: 1 (index 0–1; 0 – 1)")
        for key in ["Home"] + ["ArrowLeft", "PageDown"] * 5:
            page.keyboard.press(key)
        expect(caption).to_have_text("Informal voice heard: 0 (index 0–1; 0 – 1)")
        assert not problems, problems


@needs_chromium
def test_play_runs_month_after_month_and_pause_stops_it(app):
    port, _, _ = app
    expect = playwright.expect
    with browser_page(port) as (page, problems):
        status = page.locator(".status")
        expect(status).to_contain_text("Month 0 of 120")
        page.click(".btn-play")
        expect(status).to_contain_text(re.compile(r"Month ([3-9]|\d\d+) of 120"))
        page.click(".btn-play")  # now labelled Pause
        expect(page.locator(".btn-play")).to_have_text("Play")
        # a month already being computed when Pause was pressed may still land (on a slow
        # machine a month can take over a second to draw): wait until the page settles ...
        paused_at, deadline = status.inner_text(), time.monotonic() + 15
        while time.monotonic() < deadline:
            page.wait_for_timeout(2000)
            now = status.inner_text()
            if now == paused_at:
                break
            paused_at = now
        # ... then it must stay there: no further months while paused
        page.wait_for_timeout(3000)
        assert status.inner_text() == paused_at
        assert not problems, problems


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                raw = bytes.fromhex(address)
                words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]  # little-endian
                found.append(socket.inet_ntop(socket.AF_INET if len(raw) == 4
                                              else socket.AF_INET6, b"".join(words)))
    return found


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_app_listens_on_loopback_only_by_default(app):
    port, _, _ = app
    assert _listening_addresses(port) == ["127.0.0.1"]
    outside = _non_loopback_address()
    if outside is not None:  # reachable on loopback, refused on the machine's own address
        with pytest.raises(OSError):
            socket.create_connection((outside, port), timeout=3).close()


@needs_chromium
def test_a_broken_scenario_file_shows_one_readable_line_in_the_page(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('extends = "base"\n')  # `viz` refuses a broken file at start-up (exit 2),
    expect = playwright.expect           # so it breaks while the app runs, as in an edit
    with viz_server(bad) as (port, _, log):
        bad.write_text('extends = "base"\n[membership.staff]\nrulez = "opt_out"\n')
        with browser_page(port) as (page, problems):
            _shows_the_broken_file_in_one_line(page, problems, expect)


def _shows_the_broken_file_in_one_line(page, problems, expect):
    message = page.locator(".app-message")
    expect(message).to_contain_text("broken.toml: membership.staff.rulez: unknown "
                                     "parameter — did you mean 'membership.staff.rule'?")
    assert "\n" not in message.inner_text().strip()
    assert "Traceback" not in page.inner_text("body")
    # the trainer can still go on with a bundled scenario
    page.click(".scenario-picker .v-select__slot")
    page.click(".v-menu__content .v-list-item:has-text('opt_in —')")
    expect(page.locator(".status")).to_contain_text("scenario 'opt_in'")
    expect(message).to_have_count(0)
    assert not problems, problems
