"""Workshop mode for trainers: play a round against a strategy, a round-robin tournament,
the evolution of a mixed population, and the scenarios from the reports. Large type and
big buttons so it reads on a projector (the ``projector`` CSS class)."""

import threading

import numpy as np
import solara

from sim.match import tournament
from sim.strategies import COOPERATE, NAMES

from . import svg
from .game import COLOURS, DESCRIPTIONS, SHORT, Evolution, HumanMatch
from .levers import PRESET_BY_NAME, PRESETS, preset_values
from .live import Dashboard, Notice, RunControls, use_live
from .widgets import Slider

STRATEGIES = list(DESCRIPTIONS)
LABELS = {s: f"{SHORT[s]} ({s})" for s in STRATEGIES}
BY_LABEL = {label: s for s, label in LABELS.items()}
CLASSIC = ["allc", "alld", "tft", "gtft", "grudger", "wsls", "random"]
PAYOFF_TEXT = {"R": "both collaborate", "S": "you collaborate, they defect", "T": "you defect, they collaborate",
               "P": "both defect"}


@solara.component
def PayoffControls(game: solara.Reactive[dict], mistakes: bool = True):
    """R, S, T, P and the mistake rate, shared by the three games of the workshop."""
    g = game.value
    with solara.Details("Payoffs and mistakes", expand=False):
        with solara.Columns([1, 1]):
            for key in ("R", "S", "T", "P"):
                Slider(f"{key}: {PAYOFF_TEXT[key]}", float(g[key]), -5.0, 10.0, 0.5,
                       on_value=lambda v, k=key: game.set({**game.value, k: v}))
        if mistakes:
            Slider("Mistake rate (a move is flipped by accident)", float(g["noise"]), 0.0, 0.5, 0.01,
                   on_value=lambda v: game.set({**game.value, "noise": v}))
        if not (g["T"] > g["R"] > g["P"] > g["S"]):
            solara.Warning("These payoffs are not a prisoner's dilemma (it needs T > R > P > S).")


def payoffs_of(game: dict) -> tuple[float, float, float, float]:
    return game["R"], game["S"], game["T"], game["P"]


def _matrix_html(R, S, T, P) -> str:
    cell = "padding:0.4em 1em;border:1px solid #bbb;text-align:center"
    return (f'<table style="border-collapse:collapse;font-size:1.1em"><tr><td></td>'
            f'<th style="{cell}">Partner collaborates</th><th style="{cell}">Partner defects</th></tr>'
            f'<tr><th style="{cell}">You collaborate</th><td style="{cell}">you {R:g}, them {R:g}</td>'
            f'<td style="{cell}">you {S:g}, them {T:g}</td></tr>'
            f'<tr><th style="{cell}">You defect</th><td style="{cell}">you {T:g}, them {S:g}</td>'
            f'<td style="{cell}">you {P:g}, them {P:g}</td></tr></table>')


def _chips(moves, intended) -> str:
    return "".join(
        f'<span class="chip {"c" if m == COOPERATE else "d"}{" m" if m != i else ""}" '
        f'title="{"collaborated" if m == COOPERATE else "defected"}{" by mistake" if m != i else ""}">'
        f'{"C" if m == COOPERATE else "D"}</span>' for m, i in zip(moves, intended))


@solara.component
def PlayRound(game: solara.Reactive[dict]):
    """(1) A participant plays the acute trust against a strategy of the engine."""
    opponent = solara.use_reactive("tft")
    hidden = solara.use_reactive(False)
    match_no = solara.use_reactive(0)
    played = solara.use_reactive(0)  # rounds played, to redraw
    g = game.value
    match = solara.use_memo(lambda: HumanMatch(opponent.value, payoffs_of(g), g["noise"], seed=match_no.value),
                            [opponent.value, repr(g), match_no.value])

    def play(move):
        match.play(move)
        played.set(len(match.rounds))

    solara.HTML("h3", "You run the acute trust. Your partner is the council.")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "1em"}):
        with solara.Div(style={"min-width": "22em"}):
            solara.Select("The council's strategy", values=list(BY_LABEL), value=LABELS[opponent.value],
                          on_value=lambda label: opponent.set(BY_LABEL[label]))
        solara.Checkbox(label="Hide it from the room", value=hidden)
    solara.Text("The council plays: " + ("a hidden strategy. Can you tell which?" if hidden.value
                                         else DESCRIPTIONS[opponent.value]), style={"font-size": "1.2em"})
    PayoffControls(game)
    solara.HTML(unsafe_innerHTML=_matrix_html(*payoffs_of(g)))
    with solara.Row(style={"gap": "1em", "margin": "0.8em 0"}):
        solara.Button("Collaborate", on_click=lambda: play(1), color="success", classes=["big", "collaborate"])
        solara.Button("Defect: protect our budget", on_click=lambda: play(0), color="error",
                      classes=["big", "defect"])
        solara.Button("New match", on_click=lambda: match_no.set(match_no.value + 1), outlined=True, classes=["big"])
    played.get()  # subscribe: redraw after each round
    rounds = match.rounds
    mine, theirs = match.totals
    solara.HTML(unsafe_innerHTML=(
        f'<div class="round-score" data-rounds="{len(rounds)}"><span class="score">You {mine:g}</span> &nbsp; '
        f'<span class="score">Council {theirs:g}</span> &nbsp; after {len(rounds)} round(s)</div>'))
    if rounds:
        last = rounds[-1]
        what = {(1, 1): "you both collaborated", (1, 0): "you collaborated, the council defected",
                (0, 1): "you defected, the council collaborated", (0, 0): "you both defected"}[last.moves]
        slips = [who for who, k in (("your", 0), ("the council's", 1)) if last.moves[k] != last.intended[k]]
        slip = f" ({' and '.join(slips)} move was a mistake)" if slips else ""
        solara.Text(f"Round {len(rounds)}: {what}{slip}. You get {last.payoffs[0]:g}, the council "
                    f"gets {last.payoffs[1]:g}.", style={"font-size": "1.3em"})
        solara.HTML(unsafe_innerHTML=(
            '<div class="chips"><b style="width:5em">You</b>' + _chips([r.moves[0] for r in rounds],
                                                                       [r.intended[0] for r in rounds])
            + '</div><div class="chips" style="margin-top:4px"><b style="width:5em">Council</b>'
            + _chips([r.moves[1] for r in rounds], [r.intended[1] for r in rounds]) + "</div>"))
        if hidden.value:
            with solara.Details("Reveal the council's strategy"):
                solara.Text(DESCRIPTIONS[opponent.value], style={"font-size": "1.2em"})


def ranking_html(table, rounds: int) -> str:
    rows = "".join(f"<tr><td>{i}</td><td>{SHORT[s]} <small>({s})</small></td><td>{score:.1f}</td>"
                   f"<td>{score / rounds:.2f}</td><td>{wins}</td></tr>" for i, (s, score, wins) in enumerate(table, 1))
    return ('<table class="ranking"><tr><th>Rank</th><th>Strategy</th><th>Score per match</th>'
            f"<th>Per round</th><th>Matches won</th></tr>{rows}</table>")


@solara.component
def Tournament(game: solara.Reactive[dict]):
    """(2) Axelrod-style round robin of the engine's strategies, ranked."""
    chosen = solara.use_reactive([LABELS[s] for s in CLASSIC])
    rounds = solara.use_reactive(200)
    repetitions = solara.use_reactive(3)
    result = solara.use_reactive(None)
    g = game.value

    def run():
        names = [BY_LABEL[c] for c in chosen.value]
        table = tournament(names, rounds.value, repetitions.value, payoffs=payoffs_of(g), noise=g["noise"], seed=0)
        result.set((table, rounds.value))

    solara.HTML("h3", "Every strategy plays every other; the highest total wins")
    solara.SelectMultiple("Strategies", values=chosen, all_values=list(BY_LABEL))
    with solara.Columns([1, 1]):
        Slider("Rounds per match", rounds, 1, 500)
        Slider("Repetitions of each match", repetitions, 1, 10)
    PayoffControls(game)
    solara.Button("Run tournament", on_click=run, color="primary", disabled=len(chosen.value) < 2,
                  classes=["big", "run-tournament"])
    if result.value:
        table, n = result.value
        with solara.Columns([1, 1]):
            solara.HTML(unsafe_innerHTML=ranking_html(table, n), classes=["tournament-table"])
            solara.HTML(unsafe_innerHTML=svg.bar_chart_svg(
                "Mean score per match", [(SHORT[s], score, COLOURS[s]) for s, score, _ in table]))
        solara.Text("Nice strategies (never the first to defect) that retaliate and forgive tend to do well; "
                    "try a higher mistake rate, or just a few rounds per match.", style={"font-size": "1.1em"})


@solara.component
def EvolutionGame(game: solara.Reactive[dict]):
    """(3) A mixed population: each generation the worst copy the best."""
    counts = solara.use_reactive({"allc": 10, "alld": 5, "tft": 5, "grudger": 0, "wsls": 0, "gtft": 0, "random": 0})
    rounds = solara.use_reactive(10)
    replace = solara.use_reactive(3)
    restart = solara.use_reactive(0)
    generation = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    g = game.value
    settings = repr((counts.value, rounds.value, replace.value, g, restart.value))

    def make():
        if sum(counts.value.values()) < 2:
            return None
        return Evolution(counts.value, rounds.value, payoffs_of(g), g["noise"], replace.value, seed=restart.value)

    evo = solara.use_memo(make, [settings])
    lock = solara.use_memo(threading.Lock, [])

    def advance():
        with lock:
            evo.step()
        generation.set(evo.generation)

    def auto(cancel: threading.Event):
        while playing.value and evo is not None and not cancel.is_set():
            advance()
            cancel.wait(0.6)

    solara.use_thread(auto, dependencies=[playing.value, settings], intrusive_cancel=False)

    solara.HTML("h3", "Each generation everyone plays everyone; the worst copy the best")
    with solara.Columns([1, 1]):
        with solara.Column():
            for s in CLASSIC:
                Slider(DESCRIPTIONS[s], counts.value[s], 0, 25,
                       on_value=lambda v, s=s: counts.set({**counts.value, s: v}))
        with solara.Column():
            Slider("Rounds per match", rounds, 1, 50)
            Slider("Replaced each generation", replace, 1, 10)
            PayoffControls(game)
            solara.Text("Try: 1 round per match (hawks win); 10 rounds (copycats win); then add mistakes.",
                        style={"font-size": "1.05em"})
    if evo is None:
        solara.Warning("Put at least two members in the population.")
        return
    generation.get()  # subscribe: redraw after each generation
    with solara.Row(style={"gap": "1em", "align-items": "center"}):
        solara.Button("❚❚ Pause" if playing.value else "▶ Play", on_click=lambda: playing.set(not playing.value),
                      color="primary", classes=["big"])
        solara.Button("Next generation", on_click=advance, disabled=playing.value, outlined=True,
                      classes=["big", "next-generation"])
        solara.Button("Start again", on_click=lambda: (playing.set(False), restart.set(restart.value + 1)),
                      outlined=True, classes=["big"])
        solara.Text(f"Generation {evo.generation}", style={"font-size": "1.4em", "font-weight": "600"})
    with lock:
        members = [NAMES[c] for c in evo.strategy]
        history = list(evo.history)
        scores = evo.mean_score() if evo.generation else {}
    with solara.Columns([2, 3]):
        solara.HTML(unsafe_innerHTML=svg.population_svg([COLOURS[s] for s in members], [SHORT[s] for s in members]))
        series = {SHORT[s]: (np.array([h[s] for h in history], float), COLOURS[s])
                  for s in evo.names if any(h[s] for h in history)}
        with solara.Column():
            solara.HTML(unsafe_innerHTML=svg.line_chart_svg("Members per strategy", series, max(10, len(history)),
                                                            (0, sum(history[0].values())), x_label="generation"))
            if scores:
                solara.Text("Last generation, mean score per match: " + ", ".join(
                    f"{SHORT[s]} {v:.1f}" for s, v in sorted(scores.items(), key=lambda kv: -kv[1])))


@solara.component
def Scenarios():
    """(4) The scenarios from the reports, each with what the audience should notice."""
    name = solara.use_reactive(PRESETS[0].name)
    values = solara.use_reactive(preset_values(name.value))
    live = use_live(values.value)

    def choose(preset):
        name.set(preset)
        values.set(preset_values(preset))
        live.playing.set(True)

    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.5em"}):
        for p in PRESETS:
            solara.Button(p.name, on_click=lambda p=p.name: choose(p), classes=["big"],
                          color="primary" if p.name == name.value else None, outlined=p.name != name.value)
    Notice(f"<b>{name.value}.</b> {PRESET_BY_NAME[name.value].notice}")
    RunControls(live)
    Dashboard(live)


@solara.component
def WorkshopPage():
    solara.Title("collabsim: workshop")
    game = solara.use_reactive({"R": 3.0, "S": 0.0, "T": 5.0, "P": 1.0, "noise": 0.0})
    tab = solara.use_reactive(0)
    sections = {"1 · Play a round": PlayRound(game), "2 · Tournament": Tournament(game),
                "3 · Evolution": EvolutionGame(game), "4 · Scenarios": Scenarios()}
    with solara.Div(classes=["projector"]):
        # Tab headers only, with every section kept mounted (hidden when not chosen), so a
        # match or a population survives a look at another tab.
        solara.lab.Tabs(value=tab, children=[solara.lab.Tab(name) for name in sections])
        for i, body in enumerate(sections.values()):
            solara.Div(children=[body], style={"display": "block" if i == tab.value else "none"},
                       classes=[f"section-{i + 1}"])
