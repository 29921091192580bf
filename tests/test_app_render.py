"""The app's pages rendered by Solara without a browser: what they show, and that their
controls drive the model."""

import re
import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara

import webapp.batch
from webapp.compare_page import ComparePage
from webapp.live import LivePage
from webapp.saved import SAVED
from webapp.workshop import WorkshopPage

pytestmark = pytest.mark.filterwarnings("ignore:Failed to validate hooks")


def html(root) -> list[str]:
    """Every piece of inline HTML/SVG under ``root``."""
    out, todo = [], [root]
    while todo:
        w = todo.pop()
        if getattr(w, "unsafe_innerHTML", None):
            out.append(w.unsafe_innerHTML)
        todo.extend(c for c in getattr(w, "children", None) or [] if isinstance(c, ipywidgets.Widget))
    return out


def one(root, pattern: str) -> str:
    found = [h for h in html(root) if re.search(pattern, h)]
    assert len(found) == 1, f"{len(found)} pieces match {pattern!r}"
    return found[0]


def attr(root, pattern: str, name: str) -> str:
    return re.search(rf'{name}="([^"]*)"', one(root, pattern)).group(1)


def wait_until(found, limit: float = 120.0):
    """Poll for a background task's result; a bounded wait, not a timing assertion."""
    end = time.monotonic() + limit
    while not found():
        assert time.monotonic() < end, "the background task did not finish"
        time.sleep(0.1)


def click(rc, label: str):
    rc.find(v.Btn, children=[label]).widget.click()


@pytest.fixture
def render():
    contexts = []

    def _render(element):
        box, rc = solara.render(element, handle_error=False)
        contexts.append(rc)
        return box, rc

    yield _render
    for rc in contexts:
        rc.close()


@solara.component
def InAppLayout(page):
    """The app layout, so that a page's sidebar is rendered."""
    solara.AppLayout(children=[page()])


def test_live_page_steps_and_redraws_network_and_plots(render):
    box, rc = render(InAppLayout(LivePage))
    network = one(box, "network-view")
    assert attr(box, "network-view", "data-month") == "0"
    assert attr(box, "cooperation--hawks-and-trust", "data-points") == "0"
    click(rc, "Step")
    click(rc, "Step")
    assert attr(box, "network-view", "data-month") == "2"
    assert one(box, "network-view") != network
    for chart in ("cooperation--hawks-and-trust", "system-balance", "leaders-replaced"):
        assert attr(box, chart, "data-points") == "2"
    assert "Month 2 of 120" in [t.children[0] for t in rc.find(v.Html, tag="span").widgets if t.children]


def test_a_lever_restarts_the_run_and_keeps_the_one_before(render):
    box, rc = render(InAppLayout(LivePage))
    for _ in range(3):
        click(rc, "Step")
    rc.find(v.Select, label="Regulation regime").widget.v_model = "system"
    assert attr(box, "network-view", "data-month") == "0"
    assert "cooperation before the change" in one(box, "cooperation--hawks-and-trust")
    rc.find(v.Select, label="Scenario from the reports").widget.v_model = "High churn"
    notice = one(box, 'class="notice"|Notice:')
    assert "stranger" in notice


def test_workshop_round_scores_both_sides(render):
    box, rc = render(WorkshopPage())
    click(rc, "Collaborate")
    click(rc, "Defect: protect our budget")
    score = one(box, "round-score")
    # copycat: C/C (3, 3), then D against C (5, 0)
    assert 'data-rounds="2"' in score and "You 8" in score and "Council 3" in score


def test_workshop_tournament_and_evolution(render):
    box, rc = render(WorkshopPage())
    click(rc, "Run tournament")
    table = one(box, "<table class=\"ranking\"><tr><th>Rank")
    assert table.count("<tr>") == 1 + 7
    click(rc, "Next generation")
    click(rc, "Next generation")
    assert "Generation 2" in [t.children[0] for t in rc.find(v.Html, tag="span").widgets if t.children]
    assert attr(box, "members-per-strategy", "data-points") == "3"


def test_compare_page_runs_in_the_background_and_reports(render, monkeypatch):
    monkeypatch.setattr(webapp.batch, "default_workers", lambda: 0)  # in a thread: fast, no processes
    box, rc = render(ComparePage())
    rc.find(v.Slider, v_model=20).widget.v_model = 3  # seeds
    rc.find(v.Slider, v_model=120).widget.v_model = 12  # months
    click(rc, "Run")
    wait_until(lambda: any("Difference from" in h for h in html(box)))
    wait_until(lambda: not rc.find(v.Btn, children=["Run"]).widget.disabled)  # the task has ended
    summary = one(box, "Difference from Organisational regulation")
    assert summary.count("reference") == 3 and "Mean cooperation" in summary


@pytest.fixture
def no_saved():
    """No saved regimes before the test, nor after its pages are closed (ask for it before
    ``render`` so that it is torn down after)."""
    SAVED.set({})
    yield
    SAVED.set({})


def test_settings_saved_on_the_live_page_can_be_compared(no_saved, render):
    box, rc = render(InAppLayout(LivePage))
    rc.find(v.Select, label="Regulation regime").widget.v_model = "system"
    rc.find(v.TextField, label="Name these settings").widget.v_model = "Ours"
    click(rc, "Save for Compare")
    assert SAVED.value["Ours"]["regulation.regime"] == "system"
    box, rc = render(ComparePage())
    regimes = rc.find(v.Select, label="Regimes (two or more)").widget
    assert "Ours" in regimes.items and "Baseline" in regimes.items
    regimes.v_model = ["Baseline", "Ours"]
    lines = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert "Ours: your settings: Regulation regime system" in lines
