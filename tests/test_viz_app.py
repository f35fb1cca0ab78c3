"""The trainers' app for real: `mutualsim viz` in a subprocess, driven in headless Chromium at
a projector's 1280×720, following docs/training.md exercise by exercise.

Every request that would leave this machine is blocked, so the page must render from the
assets installed by the set-up (workshop rooms often have no wifi). One server and one browser
serve all tests of this module (each test opens its own page). Needs Debian's /usr/bin/chromium
(`apt-get install -y chromium`; `.ci/run` installs it) and the `viz` extra. Under CI
(`CI=true`) a missing browser is a failure, not a skip.

The Notices asserted here are those of docs/training.md, read from the page (summary lines,
key moments, chart titles and subtitles, the "why they differ" panel) at seed 0.
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
from urllib.parse import parse_qsl, urlparse

import pytest

from sim.params import REGISTRY

pytest.importorskip("solara", reason="the app needs the viz extra")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) missing")

from sim.viz import presets, session  # noqa: E402  (needs the viz extra, checked above)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 720}  # a projector
pytestmark = pytest.mark.slow
playwright.expect.set_options(timeout=60_000)  # a shared 2-core machine can be slow


def _need_chromium():
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} missing: apt-get install -y chromium (.ci/run does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"under CI the browser tests must run: {message}")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def viz_server(*args):
    """`mutualsim viz ARGS --port P` until the page answers; stopped with SIGINT (Ctrl+C)."""
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"mutualsim-viz-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", *map(str, args), "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    server = {"port": port, "proc": proc, "log": log}
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
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                server["exit"] = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def app():
    _need_chromium()
    with viz_server("base") as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def open_page(browser, port, query=""):
    """A page on the app with the outside world cut off; yields (page, problems)."""
    problems = []
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
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
    page.goto(f"http://127.0.0.1:{port}/{query}")
    playwright.expect(page.locator(".status")).to_contain_text("Month 0 of")
    try:
        yield page, problems
    finally:
        context.close()


@pytest.fixture
def page(app, browser):
    with open_page(browser, app["port"]) as (page, problems):
        yield page
        assert not problems, problems


# --- helpers a trainer's hands would be --------------------------------------------------------

def pick_exercise(page, title_start):
    """Pick an exercise and wait until the page shows *its* run, not the run before it.

    "Month 0 of" alone is not enough: the page already shows it before the pick (the run it
    opened with), so a click straight after could reach the old run, which the pick then
    replaces (stop 24's CI once stuck at "Month 0 of 120" this way). The page writes its setup
    into the address after it has drawn it, so the address naming the exercise's own setup
    (scenario, seed, levers, compare) shows the exercise's run is the one on screen."""
    (preset,) = [p for p in presets.presets() if p.title.startswith(title_start)]
    seed = int(page.locator(".seed input").input_value())
    setup = preset.setup(seed)
    want = sorted(parse_qsl(session.to_query(setup)))
    page.click(".exercise-picker .v-select__slot")
    page.click(f".v-menu__content .v-list-item:has-text('{title_start}')")
    deadline = time.monotonic() + 60
    while sorted(parse_qsl(urlparse(page.url).query)) != want:
        assert time.monotonic() < deadline, (page.url, want)
        page.wait_for_timeout(50)
    playwright.expect(page.locator(".status")).to_contain_text(
        re.compile(rf"Month 0 of \d+ · seed {seed} · scenario '{re.escape(setup.scenario)}'"))


def step_years(page, years):
    status = page.locator(".status")
    for _ in range(years):
        month = int(re.search(r"Month (\d+)", status.inner_text()).group(1))
        page.click(".btn-year")
        playwright.expect(status).to_contain_text(f"Month {month + 12} of")
    page.wait_for_timeout(800)  # the charts' debounce (100 ms) and drawing


def summary(page, copy=0):
    """{'staff': 402, 'membership': 5, 'active': 1, 'ownership': 0.41} from a summary line."""
    text = page.locator(".summary-line").nth(copy).inner_text()
    m = re.search(r"(\d+) staff · membership (\d+) % · active (\d+) % · ownership ([\d.]+)",
                  text)
    assert m, text
    return {"staff": int(m[1]), "membership": int(m[2]), "active": int(m[3]),
            "ownership": float(m[4])}


def chart_text(page, name, copy=0):
    """The text drawn in a chart (titles, subtitles, axis labels): the SVG's own text."""
    chart = page.locator(f".chart-{name}").nth(copy)
    playwright.expect(chart.locator("svg text").first).to_be_attached()
    return " ".join(chart.locator("svg text").all_text_contents())


def number_after(text, label):
    """The number after ``label`` in a chart's subtitle (the last match: axis titles such as
    'quality 0–1' come first in the SVG)."""
    found = re.findall(re.escape(label) + r"\s+([\d.]+)", text)
    assert found, f"'{label}' not in: {text}"
    return float(found[-1])


def seats(page, copy=0):
    m = re.search(r"Representative seats: (\d+) of (\d+) filled", chart_text(page, "people", copy))
    assert m
    return int(m[1]), int(m[2])


def screenshot(page, name, element=None):
    """A 1280×720 screenshot (the viewport, scrolled to ``element``). Saved to out/screenshots/
    on every run; `make screenshots` (MUTUALSIM_SCREENSHOTS=docs) saves to docs/img/."""
    folder = ROOT / ("docs/img" if os.environ.get("MUTUALSIM_SCREENSHOTS") == "docs"
                     else "out/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    if element:
        page.locator(element).first.scroll_into_view_if_needed()
        page.locator(element).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    page.screenshot(path=folder / name)
    assert (folder / name).stat().st_size > 10_000


# --- the exercises of docs/training.md ------------------------------------------------------

@pytest.mark.xfail(strict=True, reason=(
    "fails since stop 27's consortium rule (17d223d) and default-member rule (1625760) together: "
    "at seed 0 B's active share is 14 % at month 0 and 14 % at month 60 (13.5 % and 13.9 % "
    "before rounding), so 'does not rise' (B lower at month 60 than at month 0) does not hold; "
    "at seeds 1-3 it is lower (11 %, 8 %, 6 %; tools/training_notices.py --only ex1). With the "
    "default-member rule alone (before 17d223d) it was 9 % against 14 %. Membership (83 % "
    "against 3 %), 'less than 10 points above A' (14 against 7) and the quadrant hold. "
    "docs/training.md says so. Kept as a strict xfail, the claim not loosened"))
def test_exercise_1_opt_out_fills_membership_not_engagement(page):
    pick_exercise(page, "Exercise 1 —")
    labels = page.locator(".copy-label")
    expect = playwright.expect
    expect(labels.nth(0)).to_have_text("A: Staff membership rule = opt_in")
    expect(labels.nth(1)).to_have_text("B: Staff membership rule = opt_out")
    b0 = summary(page, 1)                                             # month 0
    step_years(page, 5)
    a, b = summary(page, 0), summary(page, 1)
    assert b["membership"] >= 60 and a["membership"] <= 15, (a, b)   # B fills, A does not
    assert b["active"] - a["active"] < 10, (a, b)                    # engagement barely follows
    assert b["active"] < b0["active"], (b0, b)                       # and does not rise
    expect(page.locator(".key-moments").nth(1)).to_contain_text(
        re.compile(r"month \d: staff membership rose above 75 %"))    # within months
    qa, qb = chart_text(page, "quadrant", 0), chart_text(page, "quadrant", 1)
    right = number_after(qb, "legal-formal") - number_after(qa, "legal-formal")
    up = number_after(qb, "cultural") - number_after(qa, "cultural")
    assert right > 0.25 and up < right, (right, up)                  # right, not up
    expect(page.locator(".why-first")).to_contain_text("The copies part at month")
    screenshot(page, "app-compare.png", ".status")
    screenshot(page, "app-why.png", ".why-card")


def test_exercise_1_now_a_switch_to_opt_out_during_the_run(page):
    pick_exercise(page, "Exercise 1, now")
    expect = playwright.expect
    expect(page.locator(".now-change")).to_have_text(
        "from month 24: Staff membership rule → opt_out, existing staff enrolled")
    step_years(page, 1)
    assert summary(page)["membership"] <= 15
    step_years(page, 2)
    moments = page.locator(".key-moments")
    expect(moments).to_contain_text("month 24: timed event: staff membership switched from "
                                    "opt-in to opt-out")
    expect(moments).to_contain_text("month 24: staff membership rose above 50 %")
    assert summary(page)["membership"] >= 60


def test_exercise_2_voice_that_is_heard(page):
    pick_exercise(page, "Exercise 2 — voice")
    step_years(page, 5)
    a, b = summary(page, 0), summary(page, 1)
    assert b["ownership"] > a["ownership"] + 0.1, (a, b)
    assert b["active"] >= 2 * a["active"], (a, b)
    qa, qb = chart_text(page, "quadrant", 0), chart_text(page, "quadrant", 1)
    assert number_after(qb, "cultural") > number_after(qa, "cultural") + 0.1
    # the founding elections (month 0): fewer candidates in A, and seats left vacant
    founding = [re.search(r"month 0: staff elections: (\d+) candidate\(s\) for \d+ open "
                          r"seat\(s\), \d+ filled(; \d+ seat\(s\) stay vacant)?",
                          page.locator(".key-moments").nth(k).inner_text()) for k in (0, 1)]
    assert all(founding), founding
    assert int(founding[0][1]) < int(founding[1][1]), founding
    assert founding[0][2] and not founding[1][2], founding


def _missed(text):
    found = re.findall(r"(\d+) missed in 12 months", text)
    assert found, text
    return int(found[-1])


def test_exercise_2_deliberating_frontline_decisions_is_slower_better_and_owned(page):
    pick_exercise(page, "Exercise 2, depth")
    step_years(page, 5)
    da, db = chart_text(page, "decisions", 0), chart_text(page, "decisions", 1)
    assert number_after(db, "latency") > number_after(da, "latency")   # slower ...
    assert _missed(db) > _missed(da)                                   # ... misses more ...
    assert number_after(db, "quality") > number_after(da, "quality")   # ... but better
    a, b = summary(page, 0), summary(page, 1)
    assert b["ownership"] > a["ownership"] + 0.05, (a, b)              # ... and owned
    screenshot(page, "app-decisions.png", ".chart-decisions")


# A strict xfail from stop 26's election fix to stop 29 (0.4 months apart at seed 0); passes
# again on the Case 3 rule (b93c692), a governance change that moves later random draws: at
# seed 0 0.8 against 1.1 months, over seeds 0-3 0.3, 0.3, 0.1, 0.3 apart
# (tools/training_notices.py --only ex2-strategy --seeds 0 1 2 3). Marker removed, claim unchanged.
def test_exercise_2_deep_strategy_deliberation_is_slow(page):
    pick_exercise(page, "Exercise 2, strategy")
    step_years(page, 5)
    da, db = chart_text(page, "decisions", 0), chart_text(page, "decisions", 1)
    assert number_after(db, "strategy") > number_after(da, "strategy") + 1   # months
    # all decisions: at most 0.3 months apart as displayed (one decimal; docs/training.md)
    assert round(abs(number_after(db, "latency") - number_after(da, "latency")), 1) <= 0.3
    assert abs(number_after(db, "quality") - number_after(da, "quality")) <= 0.05


# A strict xfail after the Case 3 rule (b93c692: at seed 0 up 0.16 against right 0.29); it
# passes again with stop 29's related services (docs/ODD.md §13.16), a change that moves later
# random draws: at seed 0 right 0.27 (legal-formal 0.50 against 0.23), up 0.06 (cultural 0.43
# against 0.37) (tools/training_notices.py --only ex2-powers --seeds 0). The marker is removed;
# the test is unchanged.
def test_exercise_2_powers_on_paper_move_the_quadrant_right(page):
    pick_exercise(page, "Exercise 2, powers")
    step_years(page, 5)
    qa, qb = chart_text(page, "quadrant", 0), chart_text(page, "quadrant", 1)
    right = number_after(qb, "legal-formal") - number_after(qa, "legal-formal")
    up = number_after(qb, "cultural") - number_after(qa, "cultural")
    assert right > 0.08 and up < right / 2, (right, up)


@pytest.mark.xfail(strict=True, reason=(
    "fails since the Case 3 rule (b93c692, bodies.review_vacated_seats) on 'B fills all' at "
    "seed 0: B's one candidate at month 12 (no pipeline yet) took the staff board seat, left "
    "mid-term less skilled than the appointed directors, and the board did not re-open the "
    "seat (§4.2, Case 3): 10 of 11 seats filled at year 5, against A's 10 of 11; seeds 1-3 B "
    "11 of 11 (tools/training_notices.py --only ex3 --seeds 0 1 2 3). The ladder's claims hold "
    "(rung 0 41 % against 76 %). docs/training.md says so. Kept as a strict xfail, the claim "
    "not loosened"))
def test_exercise_3_a_pipeline_fills_the_ladder_from_the_bottom(page):
    pick_exercise(page, "Exercise 3 — a pipeline")
    expect = playwright.expect
    expect(page.locator(".copy-label").nth(1)).to_have_text(
        "B: Pipeline of engagement = 0, then 500 from month 13")
    step_years(page, 1)
    start = number_after(chart_text(page, "ladder", 1), "not involved")
    step_years(page, 4)
    la, lb = chart_text(page, "ladder", 0), chart_text(page, "ladder", 1)
    assert number_after(lb, "not involved") < start - 20           # people leave rung 0 ...
    assert number_after(lb, "occasional or more") > number_after(la, "occasional or more")
    (filled_a, total), (filled_b, _) = seats(page, 0), seats(page, 1)
    assert filled_b == total and filled_b >= filled_a, (filled_a, filled_b)   # B fills all
    a, b = summary(page, 0), summary(page, 1)
    assert abs(b["membership"] - a["membership"]) <= 10            # not the legal form
    expect(page.locator(".why-card")).to_contain_text("copy B from month 13: Pipeline")


def test_exercise_3_thirty_sites_stay_readable_and_pale(page):
    pick_exercise(page, "Exercise 3, sites")
    playwright.expect(page.locator(".key-moments").nth(1)).to_contain_text(
        re.compile(r"month 0: staff elections: .*stay vacant"))  # the founding election
    step_years(page, 5)
    rows = page.locator(".chart-people").nth(1).locator("svg text").filter(
        has_text=re.compile(r"^(HQ|site \d+)$"))
    labels = rows.all_text_contents()
    # one row per site: the 30 it started with, plus any opened for contracts won in regions
    # it did not yet serve (sim/mechanisms/funding/market.py open_teams)
    assert len(labels) >= 30, labels
    assert sorted(labels) == sorted(["HQ"] + [f"site {k}" for k in range(1, len(labels))])
    ys = sorted(rows.nth(k).bounding_box()["y"] for k in range(rows.count()))
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= 10  # rows apart
    a, b = summary(page, 0), summary(page, 1)
    assert 2 * b["active"] < a["active"], (a, b)                     # the far sites are pale
    qa, qb = chart_text(page, "quadrant", 0), chart_text(page, "quadrant", 1)
    assert number_after(qb, "cultural") < number_after(qa, "cultural")
    screenshot(page, "app-sites.png", ".compare-view .chart-people")


# --- trainer tools ---------------------------------------------------------------------------

def test_trainer_tools_levers_address_reset_now_filters_and_exports(app, browser, tmp_path):
    expect = playwright.expect
    with open_page(browser, app["port"]) as (page, problems):
        caption = page.locator(".lever-engagement-voice-heard .lever-caption")
        start = REGISTRY["engagement.voice_heard"].default
        expect(caption).to_have_text(f"Informal voice heard: {start:g} (index 0–1; 0 – 1)")
        page.locator(".lever-engagement-voice-heard .v-slider__thumb-container").focus()
        page.keyboard.press("End")
        expect(caption).to_have_text("Informal voice heard: 1 (index 0–1; 0 – 1)")
        # the state is in the address: a reload opens the same run
        page.wait_for_function("location.search.includes('set.engagement.voice_heard=1')")
        address = page.url
        page.reload()
        expect(caption).to_have_text("Informal voice heard: 1 (index 0–1; 0 – 1)")
        # Reset levers: back to the scenario's own values
        page.click(".btn-reset-levers")
        expect(caption).to_have_text(f"Informal voice heard: {start:g} (index 0–1; 0 – 1)")
        page.wait_for_function("!location.search.includes('set.engagement')")
        assert "set.engagement.voice_heard=1" in address

        # a lever "now": from next month, kept in the log and the address
        step_years(page, 1)
        page.click(".btn-now")  # default: switch the staff membership rule to opt-out
        expect(page.locator(".now-change")).to_have_text(
            "from month 13: Staff membership rule → opt_out, existing staff enrolled")
        expect(page.locator(".status")).to_contain_text("Month 12 of")  # the run goes on
        step_years(page, 1)
        expect(page.locator(".key-moments")).to_contain_text(
            "month 13: timed event: staff membership switched from opt-in to opt-out")
        assert summary(page)["membership"] >= 50
        page.wait_for_function("decodeURIComponent(location.search).includes('\"month\":13')")

        # the full log: everything, filtered by theme and by words
        log = page.locator(".event-log")
        expect(log).to_contain_text("month 12: year 1:")
        page.click(".log-themes button:has-text('year summaries')")
        expect(log).not_to_contain_text("year 1:")
        page.fill(".log-search input", "election")
        expect(log.locator(".event-line").first).to_contain_text("election")
        assert all("election" in t for t in log.locator(".event-line").all_inner_texts())

        # CSV of every month, and a chart as PNG
        with page.expect_download() as info:
            page.click("text=Download CSV")
        csv = Path(info.value.path()).read_text().splitlines()
        assert csv[0].startswith("month,headcount") and len(csv) == 1 + 25  # months 0-24
        page.locator(".chart-membership summary").click()
        with page.expect_download() as info:
            page.locator(".chart-membership .vega-actions a:has-text('PNG')").click()
        assert Path(info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert info.value.suggested_filename == "mutualsim-membership.png"
        page.locator(".chart-membership summary").click()  # close the export menu
        page.fill(".log-search input", "")
        screenshot(page, "app.png", ".status")
        assert not problems, problems


def test_a_lever_cannot_be_pushed_past_its_registry_range(page):
    expect = playwright.expect
    caption = page.locator(".lever-engagement-voice-heard .lever-caption")
    page.locator(".lever-engagement-voice-heard .v-slider__thumb-container").focus()
    for key in ["End"] + ["ArrowRight", "PageUp"] * 3:
        page.keyboard.press(key)
    expect(caption).to_have_text("Informal voice heard: 1 (index 0–1; 0 – 1)")
    for key in ["Home"] + ["ArrowLeft", "PageDown"] * 3:
        page.keyboard.press(key)
    expect(caption).to_have_text("Informal voice heard: 0 (index 0–1; 0 – 1)")


def test_play_runs_month_after_month_and_pause_stops_it(page):
    expect = playwright.expect
    status = page.locator(".status")
    page.click(".btn-play")
    expect(status).to_contain_text(re.compile(r"Month ([3-9]|\d\d+) of 120"))
    page.click(".btn-play")  # now labelled Pause
    expect(page.locator(".btn-play")).to_have_text("Play")
    # a month already being computed when Pause was pressed may still land: wait until the
    # page settles ...
    paused_at, deadline = status.inner_text(), time.monotonic() + 15
    while time.monotonic() < deadline:
        page.wait_for_timeout(1500)
        now = status.inner_text()
        if now == paused_at:
            break
        paused_at = now
    # ... then it must stay there: no further months while paused
    page.wait_for_timeout(2000)
    assert status.inner_text() == paused_at


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
    port = app["port"]
    assert _listening_addresses(port) == ["127.0.0.1"]
    outside = _non_loopback_address()
    if outside is not None:  # reachable on loopback, refused on the machine's own address
        with pytest.raises(OSError):
            socket.create_connection((outside, port), timeout=3).close()


def test_a_broken_scenario_in_the_address_shows_one_readable_line(app, browser):
    # an address may name .toml files under the folder the app was started in (ROOT here)
    bad = ROOT / "out" / f"broken-{app['port']}.toml"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text('extends = "base"\n[membership.staff]\nrulez = "opt_out"\n')
    expect = playwright.expect
    try:
        with open_page(browser, app["port"], f"?scenario={bad}") as (page, problems):
            message = page.locator(".app-message")
            expect(message).to_contain_text(f"{bad.name}: membership.staff.rulez: unknown "
                                             "parameter — did you mean 'membership.staff.rule'?")
            assert "\n" not in message.inner_text().strip()
            assert "Traceback" not in page.inner_text("body")
            expect(page.locator(".status")).to_contain_text("scenario 'base'")  # still usable
            # the trainer can go on with a bundled scenario
            page.click(".scenario-picker .v-select__slot")
            page.click(".v-menu__content .v-list-item:has-text('opt_in —')")
            expect(page.locator(".status")).to_contain_text("scenario 'opt_in'")
            expect(message).to_have_count(0)
            assert not problems, problems
    finally:
        bad.unlink()
    # ... and no other file of the machine
    with open_page(browser, app["port"], "?scenario=/etc/passwd") as (page, problems):
        expect(page.locator(".app-message")).to_contain_text(
            "address: scenario='/etc/passwd': not a bundled scenario")
        assert "root" not in page.inner_text("body")
        assert not problems, problems


def test_zz_ctrl_c_stops_the_app_with_exit_0_and_the_terminal_stayed_quiet(app):
    """Last in the module: stops the shared server the way a trainer does (Ctrl+C) after
    every page load above, and reads what the terminal showed."""
    proc = app["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    app["log"].seek(0)
    text = app["log"].read()
    assert "Cookies" not in text and "Traceback" not in text and "Aborted" not in text, text
    assert "Warning" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("mutualsim viz: open http://127.0.0.1:")
    assert lines[-1] == "mutualsim viz: stopped.", text
