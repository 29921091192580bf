"""Write validation/axelrod_scores.json: 200-round match scores from the Axelrod library.

Run with a Python that has ``axelrod`` installed (it is not a project dependency), e.g.

    python3.12 -m venv /tmp/axl && /tmp/axl/bin/pip install axelrod
    /tmp/axl/bin/python validation/make_axelrod_fixture.py

Every pair (including self-play) of the deterministic strategies below is played once with
the default Game (R, P, S, T = 3, 1, 0, 5) and no noise. Stochastic strategies (GTFT,
Random, the zero-determinant rules) are left out: their scores depend on each library's
random stream, so an exact comparison would be meaningless (their four-vectors are checked
against the library's in tests/test_strategies.py instead). axelrod 4.14 imports torch at
start-up (pip pulls it in); none of the strategies used here needs it.
"""

import itertools
import json
from pathlib import Path

import axelrod as axl

ROUNDS = 200
PLAYERS = {  # collabsim name -> Axelrod class
    "allc": axl.Cooperator,
    "alld": axl.Defector,
    "tft": axl.TitForTat,
    "grudger": axl.Grudger,
    "wsls": axl.WinStayLoseShift,
    "tf2t": axl.TitFor2Tats,
    "stft": axl.SuspiciousTitForTat,
    "prober": axl.Prober,
    "alternator": axl.Alternator,
    "soft_majority": axl.GoByMajority,
    "hard_majority": axl.HardGoByMajority,
    "wshls": axl.WinShiftLoseStay,
}


def main() -> None:
    game = axl.Game()
    r, p, s, t = (float(x) for x in game.RPST())
    matches = []
    for a, b in itertools.combinations_with_replacement(PLAYERS, 2):
        match = axl.Match((PLAYERS[a](), PLAYERS[b]()), turns=ROUNDS, game=game, noise=0)
        match.play()
        sa, sb = match.final_score()
        matches.append({
            "first": a,
            "second": b,
            "axelrod_first": PLAYERS[a].name,
            "axelrod_second": PLAYERS[b].name,
            "scores": [float(sa), float(sb)],
            "moves": ["".join(str(m) for m in side) for side in zip(*match.result)],
        })
    out = {
        "axelrod_version": axl.__version__,
        "rounds": ROUNDS,
        "noise": 0.0,
        "payoffs_RSTP": [r, s, t, p],
        "matches": matches,
    }
    path = Path(__file__).with_name("axelrod_scores.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(matches)} matches, axelrod {axl.__version__})")


if __name__ == "__main__":
    main()
