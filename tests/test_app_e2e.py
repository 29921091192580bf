"""End to end: the app served by ``solara run app.py`` and driven in a real headless
Chromium (Debian's ``chromium``, through Playwright). Screenshots go to results/ for review.

Needs /usr/bin/chromium (or $COLLABSIM_CHROMIUM) and, the first time, npm to fetch
Solara's page assets (``python -m webapp.assets``); .ci/run installs both.
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

from webapp import assets

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
CHROMIUM = os.environ.get("COLLABSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT = 60_000  # ms: the most any page element may take to appear on a busy machine
expect.set_options(timeout=WAIT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
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


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} not found: apt-get install chromium (see .ci/run)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()


def slider(page, label: str):
    """The slider under a label that starts with ``label``."""
    return page.locator(".control-label", has_text=label).locator("xpath=following-sibling::*[1]").get_by_role("slider")


def chart(page, name: str):
    return page.locator(f"svg.line-chart[data-chart^='{name}']")


def test_live_view_moves_with_a_slider_and_a_step(server, page):
    page.goto(server + "/")
    net = page.locator("svg.network-view")
    expect(net).to_have_attribute("data-month", "0")
    first = net.evaluate("e => e.outerHTML")
    charts = [chart(page, n) for n in ("cooperation", "system-balance", "leaders-replaced")]
    for c in charts:
        expect(c).to_have_attribute("data-points", "0")

    page.get_by_text("Footprint", exact=True).click()
    organisations = slider(page, "Organisations:")
    organisations.focus()
    page.keyboard.press("End")
    expect(page.locator(".control-label", has_text="Organisations: 40")).to_be_visible()
    expect(net.locator("circle, polygon")).to_have_count(40)
    resized = net.evaluate("e => e.outerHTML")
    assert resized != first

    page.get_by_role("button", name="Step").click()
    expect(net).to_have_attribute("data-month", "1")
    for c in charts:
        expect(c).to_have_attribute("data-points", "1")
    assert net.evaluate("e => e.outerHTML") != resized
    expect(page.locator(".kpi-row")).to_contain_text("Cooperation")
    page.screenshot(path=RESULTS / "app_live.png")

    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.querySelector('svg.network-view').dataset.month) >= 40", timeout=WAIT)
    rate = page.get_by_text("months/s").inner_text()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    (RESULTS / "app_live_speed.txt").write_text(f"40 organisations, speed set to 10 months/s: {rate}\n")
    page.screenshot(path=RESULTS / "app_live_playing.png")


def test_workshop_round_tournament_and_scenario(server, page):
    page.goto(server + "/workshop")
    for move in ("Collaborate", "Collaborate", "Defect: protect our budget"):
        page.get_by_role("button", name=move).click()
    score = page.locator(".round-score")
    expect(score).to_have_attribute("data-rounds", "3")
    expect(score).to_contain_text("You 11")  # against copycat: 3 + 3 + 5
    expect(page.locator(".chip")).to_have_count(6)
    page.screenshot(path=RESULTS / "app_workshop_round.png")

    page.get_by_role("tab", name="2 · Tournament").click()
    page.get_by_role("button", name="Run tournament").click()
    expect(page.locator(".tournament-table tr")).to_have_count(8)
    page.screenshot(path=RESULTS / "app_workshop_tournament.png")

    page.get_by_role("tab", name="4 · Scenarios").click()
    page.get_by_role("button", name="High churn").click()
    expect(page.locator(".section-4 .notice")).to_contain_text("stranger")
    page.wait_for_function("Number(document.querySelector('.section-4 svg.network-view').dataset.month) >= 5")
    page.screenshot(path=RESULTS / "app_workshop_scenario.png")


def test_compare_runs_in_the_background_and_exports(server, page):
    page.goto(server + "/compare")
    for label in ("Seeds per regime:", "Months:"):
        slider(page, label).focus()
        page.keyboard.press("Home")
    expect(page.locator(".control-label", has_text="Seeds per regime: 2")).to_be_visible()
    slider(page, "Seeds per regime:").focus()
    page.keyboard.press("ArrowRight")  # 3 seeds
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".compare-progress")).to_contain_text("runs")
    # while it runs, the page still answers
    slider(page, "Organisations:").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".control-label", has_text="Organisations: 23")).to_be_visible()
    summary = page.locator(".compare-summary table")
    expect(summary).to_contain_text("Difference from Organisational regulation", timeout=180_000)
    expect(page.locator(".compare-figure img, img.compare-figure")).to_have_count(3)
    with page.expect_download() as download:
        page.get_by_role("button", name="Runs (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 2 * 3 and {r["arm"] for r in rows} == {"Organisational regulation", "System regulation"}
    with page.expect_download() as figure:
        page.get_by_role("button", name="differences (PNG)").click()
    assert Path(figure.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.screenshot(path=RESULTS / "app_compare.png")
