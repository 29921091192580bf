"""Workshop mode for trainers.

Story mode (the default) walks a room through numbered chapters, each with two or three
lines of text, one thing to do and one thing to notice, in the order of "The Evolution of
Trust" (hidden partners and a reveal, a tournament, an evolution, mistakes), then the health
economy from the reports (leadership churn, regulation, pooled budgets, crisis). A trainer
can jump to any chapter and back; every chapter keeps its state for the browser session
(``webapp.session``). Free play gives the same games with every control.

Large type and big buttons so it reads on a projector (the ``projector`` CSS class), at
1280x720 and 1024x768.
"""

import threading
from dataclasses import dataclass
from html import escape
from typing import Callable

import numpy as np
import solara

from sim.match import play_match
from sim.strategies import COOPERATE, NAMES

from . import labels, session, svg
from .game import NICE, Evolution, HiddenPartners, HumanMatch, RoundRobin
from .labels import COLOURS, DESCRIPTIONS, SHORT
from .levers import PRESET_BY_NAME, PRESETS, is_dilemma, preset_values
from .live import Dashboard, Notice, RunControls, use_live
from .widgets import Slider

STRATEGIES = list(DESCRIPTIONS)
BY_SHORT = {SHORT[s]: s for s in STRATEGIES}
CLASSIC = ["allc", "alld", "tft", "gtft", "grudger", "wsls", "random"]
STORY_TOURNAMENT = ["allc", "alld", "tft", "gtft", "grudger", "wsls"]  # tests/test_app_logic.py checks its notice
MISTAKES_TOURNAMENT = ["alld", "tft", "gtft", "grudger", "wsls", "allc"]
PAYOFF_TEXT = {"R": "both collaborate", "S": "you collaborate, they defect", "T": "you defect, they collaborate",
               "P": "both defect"}
STANDARD = {"R": 3.0, "S": 0.0, "T": 5.0, "P": 1.0, "noise": 0.0}
STORY_ORGS = 16  # fewer organisations than the model's default, so the network reads from the back of a room


def payoffs_of(game: dict) -> tuple[float, float, float, float]:
    return game["R"], game["S"], game["T"], game["P"]


@solara.component
def PayoffControls(game: solara.Reactive[dict], shared_by: str, mistakes: bool = True):
    """R, S, T, P and the mistake rate; says which games share them."""
    g = game.value
    with solara.Details(f"Payoffs and mistakes (shared by {shared_by})", expand=False):
        with solara.Columns([1, 1]):
            for key in ("R", "S", "T", "P"):
                Slider(f"{key}: {PAYOFF_TEXT[key]}", float(g[key]), -5.0, 10.0, 0.5,
                       on_value=lambda v, k=key: game.set({**game.value, k: v}))
        if mistakes:
            Slider("Mistake rate (a move is flipped by accident)", float(g["noise"]), 0.0, 0.5, 0.01,
                   on_value=lambda v: game.set({**game.value, "noise": v}))
    if not is_dilemma(*payoffs_of(g)):
        solara.Warning("These payoffs are not a prisoner's dilemma (it needs T > R > P > S and 2R > T + S).")


def matrix_html(R, S, T, P) -> str:
    return ('<table class="matrix"><tr><td></td><th>Council collaborates</th><th>Council defects</th></tr>'
            f'<tr><th>You collaborate</th><td>you {R:g}, council {R:g}</td><td>you {S:g}, council {T:g}</td></tr>'
            f'<tr><th>You defect</th><td>you {T:g}, council {S:g}</td><td>you {P:g}, council {P:g}</td></tr></table>')


def chips_html(moves, intended) -> str:
    return "".join(
        f'<span class="chip {"c" if m == COOPERATE else "d"}{" m" if m != i else ""}" '
        f'title="{"collaborated" if m == COOPERATE else "defected"}{" by mistake" if m != i else ""}">'
        f'{"C" if m == COOPERATE else "D"}</span>' for m, i in zip(moves, intended))


def history_html(rounds, them: str = "Council") -> str:
    return ('<div class="chips"><b class="who">You</b>' + chips_html([r.moves[0] for r in rounds],
                                                                     [r.intended[0] for r in rounds])
            + f'</div><div class="chips"><b class="who">{escape(them)}</b>'
            + chips_html([r.moves[1] for r in rounds], [r.intended[1] for r in rounds]) + "</div>")


def round_text(match: HumanMatch) -> str:
    last = match.rounds[-1]
    what = {(1, 1): "you both collaborated", (1, 0): "you collaborated, the council defected",
            (0, 1): "you defected, the council collaborated", (0, 0): "you both defected"}[last.moves]
    slips = [who for who, k in (("your", 0), ("the council's", 1)) if last.moves[k] != last.intended[k]]
    slip = f" ({' and '.join(slips)} move was a mistake)" if slips else ""
    return (f"Round {len(match.rounds)}: {what}{slip}. You get {last.payoffs[0]:g}, the council gets "
            f"{last.payoffs[1]:g}.")


def MoveButtons(play: Callable[[int], None], disabled: bool = False):
    """The two moves (a plain function: the buttons sit in the caller's row)."""
    solara.Button("Collaborate", on_click=lambda: play(1), color="success", disabled=disabled,
                  classes=["big", "collaborate"])
    solara.Button("Defect: protect our budget", on_click=lambda: play(0), color="error", disabled=disabled,
                  classes=["big", "defect"])


def Score(match: HumanMatch):
    """The running score (a plain function, so it redraws with its caller's every round)."""
    mine, theirs = match.totals
    solara.HTML(unsafe_innerHTML=(
        f'<div class="round-score" data-rounds="{len(match.rounds)}"><span class="score">You {mine:g}</span> &nbsp; '
        f'<span class="score">Council {theirs:g}</span> &nbsp; after {len(match.rounds)} round(s)</div>'))


def use_payoff_changes(game: dict, apply: Callable[[tuple, float], None], rounds: int) -> str:
    """Apply payoff changes to a match in progress from its next round, and say so."""
    note = solara.use_ref("")
    key = repr(game)
    seen = solara.use_ref(key)
    if seen.current != key:
        seen.current = key
        apply(payoffs_of(game), game["noise"])
        if rounds:
            note.current = f"The payoffs changed after round {rounds}: they apply from the next round."
    return note.current


# -- chapters: the game ----------------------------------------------------------------------------
@solara.component
def Dilemma(game: solara.Reactive[dict]):
    """Chapter 1: one round against a partner you cannot read."""
    match = session.kept("story.dilemma", lambda: HumanMatch("random", payoffs_of(game.value), seed=11))
    played = solara.use_reactive(len(match.rounds))
    use_payoff_changes(game.value, match.set_payoffs, len(match.rounds))

    def play(move):
        match.play(move)
        played.set(len(match.rounds))

    solara.HTML(unsafe_innerHTML=matrix_html(*payoffs_of(game.value)), classes=["matrix-box"])
    with solara.Row(style={"gap": "1em", "margin": "0.6em 0", "flex-wrap": "wrap"}):
        MoveButtons(play)
    if played.value:
        solara.Text(round_text(match), classes=["round-text"])


@solara.component
def Hidden(game: solara.Reactive[dict]):
    """Chapter 2: partners met one after another, each for a number of rounds the room is not
    told, with a reveal at the end of each match."""
    hp = session.kept("story.hidden", lambda: HiddenPartners(payoffs_of(game.value), game.value["noise"]))
    tick = solara.use_reactive(0)
    note = use_payoff_changes(game.value, hp.set_payoffs, len(hp.match.rounds))

    def act(f):
        f()
        tick.set(tick.value + 1)

    def restart():
        session.store()["story.hidden"] = HiddenPartners(payoffs_of(game.value), game.value["noise"])
        tick.set(tick.value + 1)

    tick.get()
    hp = session.kept("story.hidden", lambda: HiddenPartners(payoffs_of(game.value), game.value["noise"]))
    m = hp.match
    solara.HTML(unsafe_innerHTML=(f'<div class="partner-line">Partner {hp.index + 1} of {len(hp.lineup)}: '
                                  "a hidden strategy. The match ends without warning.</div>"))
    with solara.Row(style={"gap": "1em", "align-items": "center", "flex-wrap": "wrap"}):
        MoveButtons(lambda move: act(lambda: hp.play(move)), disabled=hp.over)
        Score(m)
    if note:
        solara.Text(note, classes=["payoff-note"])
    if m.rounds:
        solara.HTML(unsafe_innerHTML=history_html(m.rounds), classes=["history"])
    if hp.over:
        mine, theirs = m.totals
        solara.HTML(unsafe_innerHTML=(
            f'<div class="reveal" data-strategy="{hp.opponent}"><b>The match is over after {hp.length} rounds. '
            f'That was {escape(SHORT[hp.opponent])}:</b> {escape(DESCRIPTIONS[hp.opponent])}. '
            f"You scored {mine:g}, the council {theirs:g}.</div>"))
        if hp.finished:
            rows = "".join(f"<tr><td>{escape(SHORT[s])}</td><td>{n}</td><td>{a:g}</td><td>{b:g}</td></tr>"
                           for s, n, (a, b) in hp.done)
            solara.HTML(unsafe_innerHTML=('<table class="ranking"><tr><th>Partner</th><th>Rounds</th><th>You</th>'
                                          f"<th>Council</th></tr>{rows}</table>"), classes=["hidden-summary"])
            solara.Button("Meet them again", on_click=restart, outlined=True, classes=["big"])
        else:
            with solara.Row():
                solara.Button("Next partner", on_click=lambda: act(hp.next_partner), color="primary",
                              classes=["big", "next-partner"])


def who_beat_whom_html(rr: RoundRobin) -> str:
    """A grid: each cell is the row strategy's score against the column's, green when it won."""
    names = rr.strategies
    head = "".join(f"<th>{escape(SHORT[s])}</th>" for s in names)
    rows = []
    for a in names:
        cells = []
        for b in names:
            if a == b:
                cells.append('<td class="self"></td>')
                continue
            key = (a, b) if (a, b) in rr.results else (b, a)
            if key not in rr.results:
                cells.append('<td class="todo">·</td>')
                continue
            mine, theirs = rr.results[key] if key == (a, b) else rr.results[key][::-1]
            kind = "won" if mine > theirs else "lost" if mine < theirs else "draw"
            cells.append(f'<td class="{kind}" title="{escape(SHORT[a])} {mine:.0f}, {escape(SHORT[b])} '
                         f'{theirs:.0f}">{mine:.0f}</td>')
        rows.append(f"<tr><th>{escape(SHORT[a])}</th>{''.join(cells)}</tr>")
    return (f'<table class="beat-grid" data-played="{len(rr.results)}"><tr><th>Score of ↓ against →</th>{head}</tr>'
            + "".join(rows) + "</table>")


def ranking_html(table, rounds: int) -> str:
    rows = "".join(f"<tr><td>{i}</td><td>{escape(SHORT[s])}</td><td>{score:.1f}</td>"
                   f"<td>{score / rounds:.2f}</td><td>{wins}</td></tr>" for i, (s, score, wins) in enumerate(table, 1))
    return ('<table class="ranking"><tr><th>Rank</th><th>Strategy</th><th>Score per match</th>'
            f"<th>Per round</th><th>Matches won</th></tr>{rows}</table>")


def tournament_lesson(rr: RoundRobin) -> str:
    """What this tournament showed, read from its result (not a fixed tip)."""
    top, score, wins = rr.table()[0]
    most_wins = max(rr.wins.values())
    line = f"{SHORT[top]} came first with {score:.0f} per match"
    if top in NICE:
        line += ", a nice strategy (never the first to defect)"
    else:
        line += ", a strategy that defects first: with these payoffs and mistakes, being nice did not pay"
    if wins < most_wins:
        line += f", though it won only {wins} of its matches (the most won by any strategy is {most_wins})"
    return line + "."


@solara.component
def Tournament(game: solara.Reactive[dict], key: str, strategies: list[str], rounds: int = 100,
               choose: bool = False):
    """An animated round robin: one match every half second, the who-beat-whom grid filling in."""
    chosen = session.use_kept(f"{key}.chosen", [SHORT[s] for s in strategies])
    held = session.kept(f"{key}.run", lambda: {"rr": None, "lock": threading.Lock()})
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    g = game.value

    def start():
        held["rr"] = RoundRobin([BY_SHORT[c] for c in chosen.value], rounds, 1, payoffs_of(g), g["noise"])
        playing.set(True)
        tick.set(tick.value + 1)

    def animate(cancel: threading.Event):
        rr = held["rr"]
        while playing.value and rr is not None and not rr.finished and not cancel.is_set():
            with held["lock"]:
                rr.advance()
            tick.value += 1
            cancel.wait(0.35)
        if rr is not None and rr.finished:
            playing.set(False)

    def finish():
        playing.set(False)
        with held["lock"]:
            while held["rr"] is not None and held["rr"].advance() is not None:
                pass
        tick.set(tick.value + 1)

    solara.use_thread(animate, dependencies=[playing.value], intrusive_cancel=False)
    tick.get()
    rr = held["rr"]
    with held["lock"]:  # draw a consistent picture, not one half-way through a match
        grid = who_beat_whom_html(rr) if rr is not None else ""
        table = rr.table() if rr is not None and rr.finished else None
        pair = rr.pairs[len(rr.results)] if rr is not None and not rr.finished else None
        played = len(rr.results) if rr is not None else 0
    if choose:
        solara.SelectMultiple("Strategies", values=chosen, all_values=list(BY_SHORT))
    with solara.Row(style={"gap": "1em", "align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Play the tournament", on_click=start, color="primary", disabled=len(chosen.value) < 2,
                      classes=["big", "run-tournament"])
        if pair is not None:
            solara.Button("Show all results now", on_click=finish, outlined=True, classes=["big", "show-all"])
            a, b = pair
            solara.HTML(unsafe_innerHTML=(f'<span class="busy">Playing match {played + 1} of {len(rr.pairs)}: '
                                          f"{escape(SHORT[a])} against {escape(SHORT[b])}…</span>"))
    if pair is not None:
        solara.ProgressLinear(100 * played / len(rr.pairs))
    if rr is None:
        return
    with solara.Columns([7, 5]):
        solara.HTML(unsafe_innerHTML=grid, classes=["beat-box"])
        if table is not None:
            solara.HTML(unsafe_innerHTML=ranking_html(table, rounds), classes=["tournament-table"])
    if table is not None:
        solara.Text(tournament_lesson(rr), classes=["lesson"])


@solara.component
def EvolutionGame(game: solara.Reactive[dict], key: str, controls: bool = True):
    """A mixed population: each generation everyone plays everyone, the worst copy the best."""
    counts = session.use_kept(f"{key}.counts",
                              {"allc": 10, "alld": 5, "tft": 5, "grudger": 0, "wsls": 0, "gtft": 0, "random": 0})
    rounds = session.use_kept(f"{key}.rounds", 10)
    replace = session.use_kept(f"{key}.replace", 3)
    restart = session.use_kept(f"{key}.restart", 0)
    playing = solara.use_reactive(False)
    generation = solara.use_reactive(0)
    g = game.value
    settings = repr((counts.value, rounds.value, replace.value, g, restart.value))

    def make():
        if sum(counts.value.values()) < 2:
            return None
        return Evolution(counts.value, rounds.value, payoffs_of(g), g["noise"], replace.value, seed=restart.value)

    held = session.kept(f"{key}.evolution", dict)
    if held.get("settings") != settings:
        held.update(settings=settings, evo=make(), lock=threading.Lock())
    evo, lock = held["evo"], held["lock"]

    def advance():
        with lock:
            evo.step()
        generation.set(evo.generation)

    def auto(cancel: threading.Event):
        while playing.value and evo is not None and not cancel.is_set():
            advance()
            cancel.wait(0.6)

    solara.use_thread(auto, dependencies=[playing.value, settings], intrusive_cancel=False)

    if controls:
        with solara.Details("Population and rules", expand=False):
            with solara.Columns([1, 1]):
                with solara.Column():
                    for s in CLASSIC:
                        Slider(SHORT[s], counts.value[s], 0, 25,
                               on_value=lambda v, s=s: counts.set({**counts.value, s: v}))
                with solara.Column():
                    Slider("Rounds per match", rounds, 1, 50)
                    Slider("Replaced each generation", replace, 1, 10)
    else:
        with solara.Row(style={"gap": "1em", "align-items": "center"}):
            Slider("Rounds per match", rounds, 1, 20)
    if evo is None:
        solara.Warning("Put at least two members in the population.")
        return
    generation.get()  # subscribe: redraw after each generation
    with solara.Row(style={"gap": "1em", "align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("❚❚ Pause" if playing.value else "▶ Play", on_click=lambda: playing.set(not playing.value),
                      color="primary", classes=["big", "play-evolution"])
        solara.Button("Next generation", on_click=advance, disabled=playing.value, outlined=True,
                      classes=["big", "next-generation"])
        solara.Button("Start again", on_click=lambda: (playing.set(False), restart.set(restart.value + 1)),
                      outlined=True, classes=["big"])
        solara.Text(f"Generation {evo.generation}", style={"font-size": "1.4em", "font-weight": "600"},
                    classes=["generation"])
    with lock:
        members = [NAMES[c] for c in evo.strategy]
        history = list(evo.history)
        scores = evo.mean_score() if evo.generation else {}
    with solara.Columns([2, 3]):
        solara.HTML(unsafe_innerHTML=svg.population_svg([COLOURS[s] for s in members], [SHORT[s] for s in members]),
                    classes=["population-box"])
        series = {SHORT[s]: (np.array([h[s] for h in history], float), COLOURS[s])
                  for s in evo.names if any(h[s] for h in history)}
        with solara.Column():
            solara.HTML(unsafe_innerHTML=svg.line_chart_svg("Members per strategy", series, max(10, len(history) - 1),
                                                            (0, sum(history[0].values())), width=520,
                                                            x_label="generation", x_start=0))
            if scores:
                solara.Text("Last generation, mean score per match: " + ", ".join(
                    f"{SHORT[s]} {v:.1f}" for s, v in sorted(scores.items(), key=lambda kv: -kv[1])))


@solara.component
def Mistakes(game: solara.Reactive[dict]):
    """Chapter 5: two copycats and a mistake rate: the echo of revenge; then a tournament."""
    noise = session.use_kept("story.mistakes.noise", 0.1)
    seed = session.use_kept("story.mistakes.seed", 0)
    res = play_match("tft", "tft", 14, payoffs=payoffs_of(game.value), noise=noise.value, seed=seed.value)
    with solara.Row(style={"gap": "1em", "align-items": "center", "flex-wrap": "wrap"}):
        with solara.Div(style={"min-width": "18em"}):
            Slider("Mistake rate", noise, 0.0, 0.3, 0.01)
        solara.Button("Another match", on_click=lambda: seed.set(seed.value + 1), outlined=True, classes=["big"])
    moves = np.asarray(res.moves)
    meant = np.vstack([[COOPERATE, COOPERATE], moves[:-1, ::-1]])  # a copycat means to repeat its partner's last move
    rows = ('<div class="chips"><b class="who">Copycat 1</b>' + chips_html(moves[:, 0], meant[:, 0])
            + '</div><div class="chips"><b class="who">Copycat 2</b>' + chips_html(moves[:, 1], meant[:, 1])
            + "</div>")
    solara.HTML(unsafe_innerHTML=rows, classes=["history"])
    mistake_game = session.use_kept("story.mistakes.game", {**STANDARD, "noise": 0.05})
    solara.Text("Now a tournament with a 5% mistake rate (change it under the payoffs):", classes=["story-text"])
    PayoffControls(mistake_game, "this chapter only")
    Tournament(mistake_game, "story.mistakes.tournament", MISTAKES_TOURNAMENT, rounds=50)


# -- chapters: the health economy -------------------------------------------------------------------
@solara.component
def ScenarioPair(key: str, names: tuple[str, ...], story: bool = True):
    """Two or more scenarios from the reports on one small footprint, one run at a time."""
    name = session.use_kept(f"{key}.preset", names[0])
    values = {**preset_values(name.value), "network.n_orgs": STORY_ORGS}
    live = use_live(values, key)

    def choose(preset):
        name.set(preset)
        live.playing.set(True)

    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.5em", "align-items": "center"}):
        for p in names:
            solara.Button(p, on_click=lambda p=p: choose(p), classes=["big", "scenario-button"],
                          color="primary" if p == name.value else None, outlined=p != name.value)
    source = escape(labels.plain_source(PRESET_BY_NAME[name.value].source))
    one_run = (f"One run (seed 1, {STORY_ORGS} organisations): it can go against the average of many; "
               f"Compare regimes runs many seeds. Source: {source}")
    if story:  # the chapter's own text says what to notice
        solara.HTML(unsafe_innerHTML=f'<div class="one-run">{one_run}</div>')
    else:
        Notice(f"<b>{escape(name.value)}.</b> {escape(PRESET_BY_NAME[name.value].notice)}<br><small>{one_run}</small>")
    RunControls(live)
    Dashboard(live, compact=story)


@dataclass(frozen=True)
class Chapter:
    title: str
    text: str  # two or three lines
    notice: str  # what to notice
    body: Callable  # (game) -> element


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("The dilemma",
            "You run the acute trust; your partner is the council. Each month you both choose at once: "
            "collaborate, or protect your own budget (defect). The table shows what each of you gets.",
            "Whatever the council does, defecting pays you more this month. Yet if you both defect, you both "
            "get less than if you had both collaborated.",
            lambda game: Dilemma(game)),
    Chapter("Hidden partners",
            "Meet four partners in turn. Each plays a fixed strategy that you cannot see, for a number of "
            "rounds no one is told. Play, then see who it was.",
            "A copycat rewards collaboration and punishes defection; one that always defects can only be held "
            "off; a grudger never forgives a single defection.",
            lambda game: Hidden(game)),
    Chapter("Tournament",
            "Every strategy plays every other for 100 rounds. Watch who beats whom, then the totals.",
            "Always defects wins every one of its matches, yet finishes below the strategies that collaborate: "
            "the totals go to those who collaborate with each other.",
            lambda game: Tournament(game, "story.tournament", STORY_TOURNAMENT)),
    Chapter("Evolution",
            "A population plays a round robin each generation; the three lowest scorers copy the three highest. "
            "Press Play.",
            "With 10 rounds per match, copycats take over. Set 1 round per match: then the defectors win, because "
            "there is no future to protect.",
            lambda game: EvolutionGame(game, "story.evolution", controls=False)),
    Chapter("Mistakes",
            "Real moves go wrong: a payment is late, a message is misread. Two copycats, with mistakes:",
            "One mistake (dashed outline) sets two copycats punishing each other in turn, and what they share "
            "falls. In the tournament, read under the table who copes best with mistakes.",
            lambda game: Mistakes(game)),
    Chapter("Leadership churn",
            "Now a health economy: acute, mental health and community trusts, CCGs and councils, each with a "
            "chief executive. Compare stable leadership with high churn.",
            "Each new leader arrives as a stranger: under high churn, trust (green edges) keeps fading and "
            "hawks (triangles) spread.",
            lambda game: ScenarioPair("story.churn", ("Stable leadership", "Baseline", "High churn"))),
    Chapter("Regulation regimes",
            "The regulator judges each body on its own books, or the footprint as a whole.",
            "Judged alone, organisations protect their budgets and some fall into special measures (dashed "
            "outlines); judged together, collaborating pays.",
            lambda game: ScenarioPair("story.regulation", ("Organisational regulation", "System regulation"))),
    Chapter("Pooled budgets",
            "How money flows changes what pays: activity income (payment by results) or one pooled budget.",
            "Tariff income tempts the acute trusts (blue) to keep activity rather than share it; a pooled budget keeps more collaboration "
            "and more money in the system.",
            lambda game: ScenarioPair("story.payment", ("Payment by results", "Pooled budget"))),
    Chapter("Crisis",
            "A deep structural gap: every organisation is short of money. The same crisis, judged alone or "
            "together.",
            "Under pressure and judged alone, everyone hunkers down; judged together, mutual defection is ruinous, "
            "so they pull together.",
            lambda game: ScenarioPair("story.crisis", ("Crisis, judged alone", "Crisis, judged together"))),
)
SHARED_BY = "chapters 1 to 4"


@solara.component
def Story(mode: solara.Reactive[str]):
    game = session.use_kept("story.game", dict(STANDARD))
    chapter = session.use_kept("story.chapter", 0)
    i = chapter.value
    c = CHAPTERS[i]
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.3em", "align-items": "center"}, classes=["chapter-nav"]):
        for k, ch in enumerate(CHAPTERS):
            solara.Button(f"{k + 1} {ch.title}", on_click=lambda k=k: chapter.set(k), small=True,
                          color="primary" if k == i else None, outlined=k != i, classes=[f"chapter-{k + 1}"])
        ModeToggle(mode)
    # Text and what to notice on the left, the thing to do on the right: on a 16:9 projector
    # both stay above the fold.
    with solara.Columns([4, 8], classes=["chapter", f"chapter-body-{i + 1}"]):
        with solara.Column(classes=["chapter-side"]):
            solara.HTML("h2", f"{i + 1} · {c.title}")
            solara.Text(c.text, classes=["story-text"])
            Notice(f"<b>What to notice:</b> {escape(c.notice)}")
            with solara.Row(style={"gap": "0.5em"}):
                solara.Button("← Back", on_click=lambda: chapter.set(i - 1), disabled=i == 0, outlined=True,
                              classes=["chapter-back"])
                solara.Button("Next →", on_click=lambda: chapter.set(i + 1), disabled=i == len(CHAPTERS) - 1,
                              color="primary", classes=["chapter-next"])
            if i < 4:
                PayoffControls(game, SHARED_BY)
        with solara.Column():
            # keyed by chapter: otherwise two chapters built from the same component (the
            # scenario chapters) would share one instance's state when the trainer moves on
            c.body(game).key(f"chapter-{i + 1}")


# -- free play: every control ------------------------------------------------------------------------
@solara.component
def PlayRound(game: solara.Reactive[dict]):
    """A participant plays the acute trust against any strategy of the engine, shown or hidden."""
    opponent = session.use_kept("free.opponent", "tft")
    hidden = session.use_kept("free.hidden", False)
    match_no = session.use_kept("free.match_no", 0)
    held = session.kept("free.match", dict)
    if held.get("key") != (opponent.value, match_no.value):
        held.update(key=(opponent.value, match_no.value),
                    match=HumanMatch(opponent.value, payoffs_of(game.value), game.value["noise"], seed=match_no.value))
    match = held["match"]
    played = solara.use_reactive(0)
    note = use_payoff_changes(game.value, match.set_payoffs, len(match.rounds))

    def play(move):
        match.play(move)
        played.set(len(match.rounds))

    solara.HTML("h3", "You run the acute trust. Your partner is the council.")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "1em"}):
        with solara.Div(style={"min-width": "22em"}):
            if hidden.value:  # nothing on screen may give the strategy away
                solara.Select("The council's strategy", values=["Hidden"], value="Hidden", disabled=True)
            else:
                solara.Select("The council's strategy", values=list(BY_SHORT), value=SHORT[opponent.value],
                              on_value=lambda label: opponent.set(BY_SHORT[label]))
        solara.Checkbox(label="Hide it from the room", value=hidden)
    solara.Text("The council plays: " + ("a hidden strategy. Can you tell which?" if hidden.value
                                         else DESCRIPTIONS[opponent.value]), style={"font-size": "1.2em"})
    played.get()
    with solara.Row(style={"gap": "1em", "margin": "0.8em 0", "flex-wrap": "wrap", "align-items": "center"}):
        MoveButtons(play)
        solara.Button("New match", on_click=lambda: match_no.set(match_no.value + 1), outlined=True, classes=["big"])
        Score(match)
    if note:
        solara.Text(note, classes=["payoff-note"])
    if match.rounds:
        solara.Text(round_text(match), classes=["round-text"])
        solara.HTML(unsafe_innerHTML=history_html(match.rounds), classes=["history"])
        if hidden.value:
            with solara.Details("Reveal the council's strategy"):
                solara.Text(f"{SHORT[opponent.value]}: {DESCRIPTIONS[opponent.value]}", style={"font-size": "1.2em"})
    solara.HTML(unsafe_innerHTML=matrix_html(*payoffs_of(game.value)), classes=["matrix-box"])


@solara.component
def Scenarios():
    """Every scenario from the reports, each with what the audience should notice."""
    ScenarioPair("free.scenarios", tuple(p.name for p in PRESETS), story=False)


def ModeToggle(mode: solara.Reactive[str]):
    solara.ToggleButtonsSingle(value=mode, values=["Story", "Free play"], classes=["mode-toggle"])


@solara.component
def FreePlay(mode: solara.Reactive[str]):
    game = session.use_kept("free.game", dict(STANDARD))
    tab = session.use_kept("free.tab", 0)
    names = ["1 · Play a round", "2 · Tournament", "3 · Evolution", "4 · Scenarios"]
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.lab.Tabs(value=tab, children=[solara.lab.Tab(name) for name in names])
        ModeToggle(mode)
    with solara.Div(classes=[f"section-{tab.value + 1}"]):
        if tab.value == 0:
            PlayRound(game)
        elif tab.value == 1:
            Tournament(game, "free.tournament", CLASSIC, rounds=200, choose=True)
        elif tab.value == 2:
            EvolutionGame(game, "free.evolution")
        else:
            Scenarios()
        if tab.value < 3:
            PayoffControls(game, "sections 1 to 3 of free play")


@solara.component
def WorkshopPage():
    solara.Title("collabsim: workshop")
    mode = session.use_kept("workshop.mode", "Story")
    with solara.Div(classes=["projector"]):
        if mode.value == "Story":
            Story(mode)
        else:
            FreePlay(mode)
