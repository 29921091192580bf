"""End to end: the app served by ``solara run app.py`` and driven in a real headless
Chromium through Playwright, at a projector's 1280x720. Screenshots go to results/ for
review, and the times a room waits (first paint of each page, a full story run-through, a
2 x 20-seed comparison) to results/app_timings.txt.

The browser is the one ``tests/browser.py`` finds (``make test`` installs it when missing);
the first run also needs npm to fetch Solara's page assets (``python -m webapp.assets``).
"""

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

import browser as find_browser
from webapp import assets
from webapp.game import HiddenPartners
from webapp.workshop import CHAPTERS, MISTAKES_TOURNAMENT, STORY_TOURNAMENT

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT = 60_000  # ms: the most any page element may take to appear on a busy machine
PROJECTOR = {"width": 1280, "height": 720}
INJECTED = """<img src=x onerror="document.title='INJECTED'">"""
expect.set_options(timeout=WAIT)
TIMINGS: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    RESULTS.mkdir(exist_ok=True)
    assets.ensure()
    port = _free_port()
    log = open(RESULTS / "app_e2e_server.log", "w")
    solara = Path(sys.executable).with_name("solara")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen([str(solara), "run", "app.py", "--host", "127.0.0.1", "--port", str(port), "--production"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"solara exited; see {log.name}"
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, f"solara did not start; see {log.name}"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if TIMINGS:
            (RESULTS / "app_timings.txt").write_text("".join(f"{k}: {v}\n" for k, v in TIMINGS.items()))


@pytest.fixture(scope="module")
def browser():
    path = find_browser.executable()
    if path is None:
        pytest.fail(find_browser.HOW)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    """One browser session (its tabs share Solara's session cookie)."""
    ctx = browser.new_context(viewport=PROJECTOR, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(WAIT)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert not errors, f"errors in the page: {errors}"


def slider(page, label: str):
    """The slider under a label that starts with ``label``."""
    return page.locator(".control-label", has_text=label).locator("xpath=following-sibling::*[1]").get_by_role("slider")


def chart(page, name: str):
    return page.locator(f"svg.line-chart[data-chart^='{name}']")


def month(page) -> int:
    return int(page.locator("svg.network-view").first.get_attribute("data-month"))


def open_timed(page, url: str, ready: str, name: str) -> None:
    """Open a page and note how long until its content is drawn."""
    start = time.perf_counter()
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible()
    TIMINGS[f"first paint of {name} (until its content shows)"] = f"{time.perf_counter() - start:.1f} s"


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


def test_live_view_moves_with_a_slider_and_a_step_and_keeps_its_state(server, page):
    open_timed(page, server + "/", "svg.network-view", "/ (live footprint)")
    net = page.locator("svg.network-view")
    expect(net).to_have_attribute("data-month", "0")
    charts = [chart(page, n) for n in ("cooperation", "system-balance", "leaders-replaced")]
    for c in charts:
        expect(c).to_have_attribute("data-points", "0")
    page.get_by_text("Footprint", exact=True).click()
    organisations = slider(page, "Organisations:")
    organisations.focus()
    page.keyboard.press("End")
    expect(page.locator(".control-label", has_text="Organisations: 40")).to_be_visible()
    expect(net.locator("circle, polygon")).to_have_count(40)
    first = net.evaluate("e => e.outerHTML")
    for k in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        expect(net).to_have_attribute("data-month", str(k))
    for c in charts:
        expect(c).to_have_attribute("data-points", "3")
    assert net.evaluate("e => e.outerHTML") != first
    expect(page.locator(".legend")).to_contain_text("dashed outline = special measures")
    page.screenshot(path=RESULTS / "app_live.png")

    # Live -> Compare -> Live keeps the levers and the run
    page.get_by_role("tab", name="Compare regimes").click()
    expect(page.locator(".run-compare")).to_be_visible()
    page.get_by_role("tab", name="Live footprint").click()
    expect(page.locator("svg.network-view")).to_have_attribute("data-month", "3")
    expect(page.locator("svg.network-view circle, svg.network-view polygon")).to_have_count(40)

    page.get_by_role("button", name="Play").click()
    # The rate shows only while playing: read it in the same check that sees month 20 passed, so
    # a slow machine cannot let the run finish (and the rate vanish) between two checks.
    rate = page.wait_for_function("""() => {
        const month = Number(document.querySelector('svg.network-view').dataset.month);
        const rate = [...document.querySelectorAll('div, span, p')].find(
            e => e.childElementCount === 0 && e.textContent.includes('months/s'));
        return month >= 20 && rate ? rate.textContent : null;
    }""", timeout=WAIT).json_value()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    TIMINGS["live play, 40 organisations at 10 months/s"] = rate

    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=RESULTS / "app_live_1024x768.png")


def test_story_mode_chapters_end_to_end_at_1280x720(server, page):
    open_timed(page, server + "/workshop", ".chapter", "/workshop (story mode)")
    start = time.perf_counter()
    expect(page.locator(".chapter h2")).to_have_text("1 · The dilemma")
    for k, chapter in enumerate(CHAPTERS, 1):
        expect(page.locator(".chapter h2")).to_have_text(f"{k} · {chapter.title}")
        expect(page.locator(".chapter-side .notice")).to_contain_text("What to notice")
        if k == 1:
            page.get_by_role("button", name="Collaborate").click()
            expect(page.locator(".round-text")).to_contain_text("Round 1")
            assert in_view(page, page.locator(".round-text"))  # readable without scrolling on a projector
        elif k == 2:
            name, rounds = HiddenPartners.LINEUP[0]
            for r in range(rounds):
                expect(page.locator(".reveal")).to_have_count(0)
                page.get_by_role("button", name="Collaborate").click()
                expect(page.locator(".round-score")).to_have_attribute("data-rounds", str(r + 1))
            reveal = page.locator(".reveal")
            expect(reveal).to_contain_text("That was Copycat")
            expect(page.get_by_role("button", name="Collaborate")).to_be_disabled()
            assert in_view(page, reveal)
        elif k in (3, 5):
            page.get_by_role("button", name="Play the tournament").click()
            expect(page.locator(".busy")).to_contain_text("Playing match")  # the room sees it is busy
            page.get_by_role("button", name="Show all results now").click()
            lineup = STORY_TOURNAMENT if k == 3 else MISTAKES_TOURNAMENT
            expect(page.locator(".tournament-table tr")).to_have_count(1 + len(lineup))
            expect(page.locator(".lesson")).to_contain_text("came first")
        elif k == 4:
            page.get_by_role("button", name="Next generation").click()
            page.get_by_role("button", name="Next generation").click()
            expect(page.locator(".generation")).to_have_text("Generation 2")
        else:
            expect(page.locator(".one-run")).to_contain_text("One run")
            expect(page.locator(".chapter .play-button")).to_contain_text("Play")  # the chapter has settled
            page.locator(".scenario-button").last.click()
            try:
                page.wait_for_function(
                    "Number(document.querySelector('.chapter svg.network-view')?.dataset.month) >= 6")
            finally:
                page.screenshot(path=RESULTS / f"app_story_{k}.png")
            expect(page.locator(".one-run")).to_contain_text("One run")
        page.screenshot(path=RESULTS / f"app_story_{k}.png")
        if k < len(CHAPTERS):
            page.get_by_role("button", name="Next →").click()
    TIMINGS["full story run-through (9 chapters, a browser playing each)"] = f"{time.perf_counter() - start:.1f} s"

    # jump back: each chapter kept its state, also after a visit to another page
    page.locator(".chapter-2").click()
    expect(page.locator(".reveal")).to_contain_text("That was Copycat")
    page.get_by_role("tab", name="Live footprint").click()
    expect(page.locator("svg.network-view")).to_be_visible()
    page.get_by_role("tab", name="Workshop").click()
    expect(page.locator(".chapter h2")).to_have_text("2 · Hidden partners")
    expect(page.locator(".reveal")).to_contain_text("That was Copycat")
    page.locator(".chapter-3").click()
    expect(page.locator(".tournament-table tr")).to_have_count(1 + len(STORY_TOURNAMENT))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.locator(".chapter-2").click()
    expect(page.locator(".reveal")).to_be_visible()
    page.screenshot(path=RESULTS / "app_story_2_1024x768.png")


def test_compare_captions_greys_out_cancels_and_shows_names_as_text(server, context, page):
    # a regime saved on / under a name that is HTML
    page.goto(server + "/")
    expect(page.locator("svg.network-view")).to_be_visible()
    page.get_by_label("Name these settings").fill(INJECTED)
    page.get_by_role("button", name="Save for Compare").click()
    expect(page.get_by_text("Saved '<img")).to_be_visible()

    # ... is there in a new tab of the same browser
    tab = context.new_page()
    tab.set_default_timeout(WAIT)
    open_timed(tab, server + "/compare", ".run-compare", "/compare")
    tab.locator(".v-select", has_text="Regimes (two or more)").click()
    expect(tab.get_by_role("option").filter(has_text="<img src=x")).to_be_visible()
    tab.keyboard.press("Escape")

    # 2 x 20 seeds, the defaults: timed
    start = time.perf_counter()
    tab.get_by_role("button", name="Run", exact=True).click()
    expect(tab.locator(".compare-answers")).to_contain_text("System regulation raises cooperation", timeout=300_000)
    TIMINGS["compare 2 regimes x 20 seeds (120 months, 24 organisations)"] = f"{time.perf_counter() - start:.1f} s"
    caption = tab.locator(".compare-caption")
    expect(caption).to_contain_text("20 seeds")
    expect(caption).to_contain_text("120 months, 24 organisations")
    expect(tab.locator(".compare-figure")).to_have_count(3)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Runs (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 40 and {r["months"] for r in rows} == {"120"} and {r["organisations"] for r in rows} == {"24"}
    assert sorted({int(r["seed"]) for r in rows}) == list(range(1, 21))
    assert {r["lever:regulation.regime"] for r in rows} == {"organisational", "system"}
    with tab.expect_download() as figure:
        tab.get_by_role("button", name="Figure: differences (PNG)").click()
    assert Path(figure.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tab.screenshot(path=RESULTS / "app_compare.png", full_page=True)

    # a setting changes: the result greys out and says why
    slider(tab, "Organisations:").focus()
    tab.keyboard.press("ArrowLeft")
    expect(tab.locator(".stale-note")).to_contain_text("organisations")
    expect(tab.locator(".compare-results.stale")).to_have_count(1)
    expect(caption).to_contain_text("24 organisations")  # the caption still names what produced it
    tab.screenshot(path=RESULTS / "app_compare_stale.png")

    # the HTML name in a comparison is text, and cancel compares only common seeds
    tab.locator(".v-select", has_text="Regimes (two or more)").click()
    tab.get_by_role("option").filter(has_text="<img src=x").click()
    tab.keyboard.press("Escape")
    expect(tab.locator(".regime-line", has_text="<img src=x")).to_be_visible()
    slider(tab, "Seeds per regime").focus()
    tab.keyboard.press("End")
    expect(tab.locator(".control-label", has_text="Seeds per regime (at least 5): 100")).to_be_visible()
    for name in ("Months:", "Organisations:"):  # the longest runs, so the work outlasts the click on Cancel
        slider(tab, name).focus()
        tab.keyboard.press("End")
    expect(tab.locator(".control-label", has_text="Months: 240")).to_be_visible()
    tab.get_by_role("button", name="Run", exact=True).click()
    tab.wait_for_function(  # 15 runs or more of this run's 300 (3 regimes x 100 seeds)
        "(document.querySelector('.compare-progress') || {}).textContent?.match(/^(1[5-9]|[2-9]\\d) \\/ 300 /)",
        timeout=300_000)
    start = time.perf_counter()
    tab.get_by_role("button", name="Cancel", exact=True).click()
    note = tab.locator(".cancel-note")
    expect(note).to_contain_text("of 100 seeds finished in every regime")
    TIMINGS["cancel, from the click to the result"] = f"{time.perf_counter() - start:.1f} s"
    n = int(note.inner_text().split("Stopped early: ")[1].split(" of 100")[0])
    expect(caption).to_contain_text(f"only those {n} are compared")
    expect(tab.locator(".compare-summary")).to_contain_text("<img src=x")
    assert tab.title() != "INJECTED" and page.title() != "INJECTED"
    assert tab.locator(".compare-summary img").count() == 0
    tab.screenshot(path=RESULTS / "app_compare_cancelled.png")


SEEN_PROGRESS = """() => { window.sawRobustProgress = false;
  new MutationObserver(() => { if (document.querySelector('.robust-progress')) window.sawRobustProgress = true; })
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def test_compare_robustness_check_shows_progress_and_the_answer(server, page):
    open_timed(page, server + "/compare", ".run-robust", "/compare")
    for name in ("Months:", "Worlds:", "Seeds per world"):  # 12 months, 8 worlds x 2 seeds: a quick check
        slider(page, name).focus()
        page.keyboard.press("Home")
    expect(page.locator(".control-label", has_text="Worlds: 8")).to_be_visible()
    expect(page.locator(".control-label", has_text="Months: 12")).to_be_visible()
    page.evaluate(SEEN_PROGRESS)
    start = time.perf_counter()
    page.get_by_role("button", name="Robustness", exact=True).click()
    answer = page.locator(".robust-answer")
    expect(answer).to_contain_text("Better than Organisational regulation in", timeout=300_000)
    TIMINGS["robustness 2 regimes x 8 worlds x 2 seeds (12 months, 24 organisations)"] = \
        f"{time.perf_counter() - start:.1f} s"
    assert page.evaluate("window.sawRobustProgress")
    expect(answer).to_contain_text("of 8 worlds")
    expect(answer).to_contain_text("Answer flips where")
    expect(page.locator(".robust-intro")).to_contain_text("seed noise only")
    expect(page.locator(".robust-caption")).to_contain_text("12 months, 24 organisations")
    page.locator(".robust-results").screenshot(path=RESULTS / "app_compare_robust.png")


def test_compare_robustness_check_cancels_and_answers_over_finished_worlds(server, page):
    open_timed(page, server + "/compare", ".run-robust", "/compare")
    for name, key in (("Worlds:", "End"), ("Seeds per world", "Home"), ("Months:", "End"), ("Organisations:", "End")):
        slider(page, name).focus()  # the longest runs, so the work outlasts the click on Cancel
        page.keyboard.press(key)
    expect(page.locator(".control-label", has_text="Worlds: 128")).to_be_visible()
    expect(page.locator(".control-label", has_text="Months: 240")).to_be_visible()
    page.get_by_role("button", name="Robustness", exact=True).click()
    page.wait_for_function(  # 24 runs or more of 512 (128 worlds x 2 regimes x 2 seeds): some whole worlds
        "(document.querySelector('.robust-progress') || {}).textContent?.match(/^(2[4-9]|[3-9]\\d|\\d{3}) \\/ 512 /)",
        timeout=300_000)
    start = time.perf_counter()
    page.get_by_role("button", name="Cancel robustness").click()
    note = page.locator(".robust-cancel-note")
    expect(note).to_contain_text("of 128 worlds finished in every regime")
    TIMINGS["robustness cancel, from the click to the answer"] = f"{time.perf_counter() - start:.1f} s"
    n = int(note.inner_text().split("Stopped early: ")[1].split(" of 128")[0])
    assert n >= 2
    expect(page.locator(".robust-answer")).to_contain_text(f"of {n} worlds")
    expect(page.locator(".robust-caption")).to_contain_text(f"stopped early: {n} of 128 worlds")
    page.locator(".robust-results").screenshot(path=RESULTS / "app_compare_robust_cancelled.png")


def test_each_page_paints_in_a_new_browser_session(server, browser):
    """Each page opened by a new browser (no state kept yet) on a server already running:
    the wait a room sees; noted in results/app_timings.txt, never asserted on."""
    for path, ready, name in (("/", "svg.network-view", "/ (live footprint)"),
                              ("/workshop", ".chapter", "/workshop (story mode)"),
                              ("/compare", ".run-compare", "/compare")):
        ctx = browser.new_context(viewport=PROJECTOR)
        page = ctx.new_page()
        page.set_default_timeout(WAIT)
        open_timed(page, server + path, ready, f"{name}, new session, warm server")
        ctx.close()
