"""Bad input stops with one clear message naming the field and what is allowed."""

from pathlib import Path

import pytest

from sim import compare
from sim.config import ConfigError, load, validate
from sim.sweep import spec

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def error_for(data) -> str:
    with pytest.raises(ConfigError) as exc:
        validate(data)
    return str(exc.value)


def test_defaults_are_valid():
    cfg = validate({})
    assert cfg.game.payoffs() == (3.0, 0.0, 5.0, 1.0)


def test_hawk_dove_maps_to_snowdrift_ordering():
    cfg = validate({"game": {"kind": "hawk_dove", "V": 2.0, "C": 3.0}})
    R, S, T, P = cfg.game.payoffs()
    assert (R, S, T, P) == (1.0, 0.0, 2.0, -0.5)
    assert T > R > S > P  # C > V: snowdrift


def test_unknown_key_names_field_and_allowed_keys():
    msg = error_for({"game": {"nosie": 0.1}})
    assert "game.nosie: unknown key" in msg
    assert "noise" in msg and "allowed" in msg


def test_unknown_section():
    msg = error_for({"gmae": {}})
    assert "gmae: unknown key" in msg and "game" in msg


def test_wrong_type():
    msg = error_for({"experiment": {"steps": "many"}})
    assert "experiment.steps" in msg and "'many'" in msg


def test_probability_out_of_range():
    msg = error_for({"game": {"noise": 1.5}})
    assert "game.noise" in msg and "less than or equal to 1" in msg


def test_negative_tenure():
    msg = error_for({"leadership": {"mean_tenure": {"acute": -3.0, "mental_health": 1, "community": 1, "ccg": 1, "council": 1}}})
    assert "leadership.mean_tenure.acute" in msg and "greater than or equal to 1" in msg


def test_unknown_choice_lists_allowed_values():
    msg = error_for({"game": {"kind": "chicken"}})
    assert "game.kind" in msg and "'pd'" in msg and "'hawk_dove'" in msg


def test_unknown_strategy_and_type():
    assert "allowed: allc" in error_for({"strategies": {"mix": {"titfortat": 1.0}}})
    assert "unknown organisation type 'hospital'" in error_for({"network": {"type_mix": {"hospital": 1.0}}})


def test_every_problem_is_reported_at_once():
    msg = error_for({"game": {"noise": -1, "kind": "x"}, "trust": {"gain": 2}})
    assert "game.noise" in msg and "game.kind" in msg and "trust.gain" in msg


def test_load_reports_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[game\nkind = 'pd'")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(bad)


def test_overrides_are_validated(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("[experiment]\nsteps = 5\n")
    assert load(path, {"experiment.seed": 9}).experiment.seed == 9
    with pytest.raises(ConfigError, match="experiment.seed"):
        load(path, {"experiment.seed": -1})


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_experiment_is_valid_and_says_what_it_asks(path):
    text = path.read_text()
    header = text.split("\n[", 1)[0]
    assert "Question:" in header and all(line.startswith("#") for line in header.splitlines() if line)
    cfg = load(path)
    assert cfg.experiment.name == path.stem
    if "\n[compare]" in text:
        assert len(compare.load(path).arms) >= 2
    if "\n[sweep]" in text:
        assert spec.load(path).n_runs > 0


@pytest.mark.parametrize("table, field, allowed", [
    ("[sweep]\nmethdo = 'grid'\n[sweep.parameters]\n'game.noise' = [0.1]", "sweep.methdo", "method, seeds"),
    ("[compare]\nseedz = 3\n[compare.arms.a]\n[compare.arms.b]", "compare.seedz", "seeds, reference"),
    ("[game]\nnosie = 0.1", "game.nosie", "kind, R, S"),
])
def test_one_error_formatter_for_runs_sweeps_and_compare(tmp_path, table, field, allowed):
    path = tmp_path / "x.toml"
    path.write_text(table + "\n")
    loader = spec.load if "[sweep]" in table else compare.load if "[compare]" in table else load
    with pytest.raises(ConfigError) as exc:
        loader(path)
    assert f"{field}: unknown key; allowed: {allowed}" in str(exc.value)


@pytest.mark.parametrize("table, field", [
    ("[sweep]\nseeds = '2'\n[sweep.parameters]\n'game.noise' = [0.1]", "sweep.seeds"),
    ("[compare]\nseeds = 2.0\n[compare.arms.a]\n[compare.arms.b]", "compare.seeds"),
    ("[experiment]\nseed = 2.0", "experiment.seed"),
])
def test_whole_numbers_are_not_taken_from_text_or_floats(tmp_path, table, field):
    path = tmp_path / "x.toml"
    path.write_text(table + "\n")
    loader = spec.load if "[sweep]" in table else compare.load if "[compare]" in table else load
    with pytest.raises(ConfigError, match=f"{field}: Input should be a valid integer"):
        loader(path)


def test_memory_estimate_grows_with_the_run_and_the_limit_can_be_set(tmp_path, monkeypatch):
    from sim.sizes import check_size, estimate_bytes

    small, long = validate({}), validate({"experiment": {"steps": 1200}})
    assert estimate_bytes(long)["series"] == 10 * estimate_bytes(small)["series"]
    assert estimate_bytes(validate({"output": {"agent_every": 0}}))["agent data"] == 0
    monkeypatch.setenv("COLLABSIM_MEMORY_LIMIT_MB", "1")
    with pytest.raises(ConfigError, match="experiment.steps: the run would need about .* limit of 1.0 MB"):
        check_size(long)
    check_size(long, allow_large=True)
    monkeypatch.setenv("COLLABSIM_MEMORY_LIMIT_MB", "lots")
    with pytest.raises(ConfigError, match="COLLABSIM_MEMORY_LIMIT_MB"):
        check_size(small)


def test_with_values_sets_paths_without_editing_the_data_it_shares():
    """A sweep's worker builds every point's config from one shared base: the base must come
    out as it went in, and sections a point does not touch are shared, not copied."""
    from sim.config import copy_data, with_values

    base = {"game": {"noise": 0.01, "surplus": 1.0}, "leadership": {"mean_tenure": {"acute": 30}},
            "trust": {"gain": 0.1}}
    before = copy_data(base)
    table = {"acute": 12, "ccg": 40}
    out = with_values(base, {"game.noise": 0.05, "leadership.mean_tenure": table, "leadership.mean_tenure.ccg": 50})
    assert base == before
    assert out["game"] == {"noise": 0.05, "surplus": 1.0}
    assert out["leadership"]["mean_tenure"] == {"acute": 12, "ccg": 50}
    assert table == {"acute": 12, "ccg": 40}  # a later "a.b" does not edit the value given for "a"
    assert out["trust"] is base["trust"]
    assert with_values(base, {"new.key": 1})["new"] == {"key": 1}
    with pytest.raises(ConfigError, match="game.noise.x: 'noise' is not a section"):
        with_values(base, {"game.noise.x": 1})
