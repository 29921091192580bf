"""The app's pages rendered by Solara without a browser: what they show, and that their
controls drive the model."""

import re
import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara

import webapp.batch
from webapp import session
from webapp.compare_page import ComparePage
from webapp.game import HiddenPartners
from webapp.live import LivePage
from webapp.saved import saved
from webapp.workshop import CHAPTERS, STORY_TOURNAMENT, WorkshopPage

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
    """Render pages in a fresh browser session (outside a server, all renders share one)."""
    session.clear()
    contexts = []

    def _render(element):
        box, rc = solara.render(element, handle_error=False)
        contexts.append(rc)
        return box, rc

    yield _render
    for rc in contexts:
        rc.close()
    session.clear()


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
    rc.find(v.Select, label="Regulation regime").widget.v_model = "System (the footprint as a whole)"
    assert attr(box, "network-view", "data-month") == "0"
    assert "cooperation before the change" in one(box, "cooperation--hawks-and-trust")
    rc.find(v.Select, label="Scenario from the reports").widget.v_model = "High churn"
    notice = one(box, 'class="notice"|Notice:')
    assert "stranger" in notice


def texts(rc) -> list[str]:
    return [t.children[0] for t in rc.find(v.Html, tag="span").widgets if t.children]


def chapter(rc, k: int):
    click(rc, f"{k} {CHAPTERS[k - 1].title}")


def test_story_hidden_partner_is_revealed_when_its_match_ends(render):
    box, rc = render(WorkshopPage())
    chapter(rc, 2)
    first, rounds = HiddenPartners.LINEUP[0]
    for _ in range(rounds - 1):
        click(rc, "Collaborate")
    assert not [h for h in html(box) if 'class="reveal"' in h]  # not before the match's hidden end
    click(rc, "Defect: protect our budget")
    reveal = one(box, 'class="reveal"')
    assert f'data-strategy="{first}"' in reveal and "Copycat" in reveal
    # copycat: collaborate rounds - 1 times (3 each), then defect against its collaboration (5, 0)
    assert f'data-rounds="{rounds}"' in one(box, "round-score")
    assert f"You {3 * (rounds - 1) + 5}" in one(box, "round-score")
    assert rc.find(v.Btn, children=["Collaborate"]).widget.disabled
    click(rc, "Next partner")
    assert not [h for h in html(box) if 'class="reveal"' in h]
    assert f"Partner 2 of {len(HiddenPartners.LINEUP)}" in one(box, "partner-line")


def test_story_chapters_keep_their_state_when_the_trainer_moves_on(render):
    box, rc = render(WorkshopPage())
    chapter(rc, 2)
    click(rc, "Collaborate")
    click(rc, "Next →")
    assert "3 · Tournament" in html(box)
    click(rc, "← Back")
    assert 'data-rounds="1"' in one(box, "round-score")
    box2, rc2 = render(WorkshopPage())  # the page built again, as after a visit to another page
    assert "2 · Hidden partners" in html(box2)
    assert 'data-rounds="1"' in one(box2, "round-score")


def test_story_tournament_fills_the_grid_and_ranks(render):
    box, rc = render(WorkshopPage())
    chapter(rc, 3)
    click(rc, "Play the tournament")
    n = len(STORY_TOURNAMENT)
    done = f'data-played="{n * (n - 1) // 2}"'
    wait_until(lambda: rc.find(v.Btn, children=["Show all results now"]).widgets or done in one(box, "beat-grid"))
    if rc.find(v.Btn, children=["Show all results now"]).widgets:
        click(rc, "Show all results now")
    wait_until(lambda: done in one(box, "beat-grid"))
    table = one(box, "<table class=\"ranking\"><tr><th>Rank")
    assert table.count("<tr>") == 1 + n
    assert one(box, "beat-grid").count('class="won"') == one(box, "beat-grid").count('class="lost"')


def test_free_play_round_and_evolution(render):
    box, rc = render(WorkshopPage())
    rc.find(v.BtnToggle).widget.v_model = 1  # Free play
    click(rc, "Collaborate")
    click(rc, "Defect: protect our budget")
    score = one(box, "round-score")
    # copycat: C/C (3, 3), then D against C (5, 0)
    assert 'data-rounds="2"' in score and "You 8" in score and "Council 3" in score
    rc.find(v.Tabs).widget.v_model = 2
    click(rc, "Next generation")
    click(rc, "Next generation")
    assert "Generation 2" in texts(rc)
    assert attr(box, "members-per-strategy", "data-points") == "3"


def test_hiding_the_strategy_hides_it_from_the_dropdown(render):
    box, rc = render(WorkshopPage())
    rc.find(v.BtnToggle).widget.v_model = 1
    rc.find(v.Select, label="The council's strategy").widget.v_model = "Grudger"
    rc.find(v.Checkbox, label="Hide it from the room").widget.v_model = True
    select = rc.find(v.Select, label="The council's strategy").widget
    assert select.v_model == "Hidden" and "Grudger" not in select.items


def test_compare_page_runs_in_the_background_and_reports(render, monkeypatch):
    monkeypatch.setattr(webapp.batch, "default_workers", lambda: 0)  # in a thread: fast, no processes
    box, rc = render(ComparePage())
    rc.find(v.Slider, v_model=20).widget.v_model = 5  # seeds
    rc.find(v.Slider, v_model=120).widget.v_model = 12  # months
    click(rc, "Run")
    wait_until(lambda: any("Difference from" in h for h in html(box)))
    wait_until(lambda: not rc.find(v.Btn, children=["Run"]).widget.disabled)  # the task has ended
    wait_until(lambda: not [w for w in rc.find(v.Html).widgets if w.children == ["Drawing the figures…"]])
    summary = one(box, "Difference from Organisational regulation")
    assert summary.count("reference") == 3 and "Cooperation" in summary and "%" in summary
    caption = one(box, 'class="caption"')
    assert "5 seeds" in caption and "12 months, 24 organisations" in caption and "collabsim" in caption
    assert "System regulation" in one(box, 'class="answers"')
    assert not [w for w in rc.find(v.Alert).widgets if "earlier settings" in str(w.children)]
    rc.find(v.Slider, v_model=24).widget.v_model = 20  # organisations: the result no longer matches
    def stale():
        return [w for w in rc.find(v.Alert).widgets if "earlier settings" in str(w.children)]
    wait_until(stale)  # the page re-renders as the background task's last updates land
    assert len(stale()) == 1 and "organisations" in str(stale()[0].children)
    assert one(box, 'class="caption"') == caption  # still the settings that produced it


def test_settings_saved_on_the_live_page_can_be_compared(render):
    box, rc = render(InAppLayout(LivePage))
    rc.find(v.Select, label="Regulation regime").widget.v_model = "System (the footprint as a whole)"
    rc.find(v.TextField, label="Name these settings").widget.v_model = "Ours"
    click(rc, "Save for Compare")
    assert saved()["Ours"]["regulation.regime"] == "system"
    box, rc = render(ComparePage())
    regimes = rc.find(v.Select, label="Regimes (two or more)").widget
    assert "Ours" in regimes.items and "Baseline" in regimes.items
    regimes.v_model = ["Baseline", "Ours"]
    lines = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert "Ours: your settings: Regulation regime: System (the footprint as a whole)" in lines


def test_compare_page_robustness_check_runs_and_reports(render, monkeypatch):
    monkeypatch.setattr(webapp.batch, "default_workers", lambda: 0)  # in a thread: fast, no processes
    box, rc = render(ComparePage())
    assert any("seed noise only" in str(w.children) for w in rc.find(v.Html).widgets)
    rc.find(v.Slider, v_model=16).widget.v_model = 8  # worlds
    rc.find(v.Slider, v_model=4).widget.v_model = 2  # seeds per world
    rc.find(v.Slider, v_model=120).widget.v_model = 12  # months
    click(rc, "Robustness")
    wait_until(lambda: any("robust-answer" in h for h in html(box)))
    wait_until(lambda: not rc.find(v.Btn, children=["Robustness"]).widget.disabled)  # the task has ended
    answer = one(box, "robust-answer")
    assert "Better than Organisational regulation in" in answer and "of 8 worlds" in answer
    assert answer.count("<tr>") == 1 + 3  # the three outcomes chosen, one regime against the reference
    caption = one(box, "robust-assumptions")
    assert "8 worlds" in caption and "12 months, 24 organisations" in caption and "trust.stranger" in caption
    rc.find(v.Slider, v_model=24).widget.v_model = 20  # organisations: the answer no longer matches
    # (waited for: the finished task's last update may still be rendering in its thread)
    wait_until(lambda: any("earlier settings" in str(w.children) for w in rc.find(v.Alert).widgets), limit=30)
    stale = [w for w in rc.find(v.Alert).widgets if "earlier settings" in str(w.children)]
    assert len(stale) == 1 and "organisations" in str(stale[0].children)
