"""The pipeline, the random streams and the engine: a run's results are a function of its
config and seed alone, whatever it is batched with or wherever it runs; components draw
from their own streams and write only what they declare; adding a lever or an outcome is
one registry entry."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import engine, kernels, metrics, strategies, uncertainties
from sim.config import ORG_TYPES
from sim.model import PER_REPLICATE, CollabModel, batch_key
from sim.pipeline import Component, guarded
from sim.streams import Stream, generator, generators
from sim.sweep.executors import SerialExecutor

from helpers import make_config

LEVERS = {  # every lever and mechanism switched on at once
    "regulation.regime": "system", "incentives.payment": "pooled_budget", "incentives.transitional_funding": 0.01,
    "governance.decision": "majority", "governance.plan_every": 6, "governance.optimism_bias": 0.5,
    "governance.promises_in_budgets": True, "development.spend": 0.005,
    "loss_aversion.factor": 2.0, "stakeholders.block": 0.3, "stakeholders.engagement": 0.001, "capacity.relationships": 4.0,
    "information.misread": 0.1, "strategies.defection_shock": [5, 8], "leadership.election_every": 12,
    "learning.rule": "fermi", "learning.mutation": 0.01, "game.self_interaction": True,
    "strategies.mix": {"trust": 2, "tft": 1, "alld": 1, "gtft": 1}, "network.footprints": 2, "network.n_orgs": 12,
    "investment.amount": 0.01, "investment.lag": 6, "investment.multiple": 3.0, "investment.shared_savings": 0.8,
    "investment.withdraw_at": 0.3,
    "experiment.steps": 30, "incentives.foundation_floor": 0.999, "budget.gap_source": "demand",
}
# ... and with payment by results in place of the pooled budget (the commissioner pays tariff).
PBR_LEVERS = {**LEVERS, "incentives.payment": "payment_by_results", "incentives.tariff": 0.3}


def alone(cfg, seed):
    m = CollabModel(cfg, seed=seed)
    m.run()
    return m


@pytest.mark.parametrize("levers", [{}, LEVERS, PBR_LEVERS], ids=["defaults", "levers", "pbr_levers"])
def test_a_run_in_a_batch_equals_the_run_alone(levers):
    cfg = make_config(**{"experiment.steps": 30, **levers})
    batch = CollabModel(cfg, seeds=[4, 11, 12])
    batch.run()
    for r, seed in enumerate([4, 11, 12]):
        m = alone(cfg, seed)
        np.testing.assert_array_equal(batch.recorder.data[:, r], m.recorder.data[:, 0])
        a, b = batch.node_bounds[r], batch.node_bounds[r + 1]
        np.testing.assert_array_equal(batch.balance[a:b], m.balance)
        np.testing.assert_array_equal(batch.strategy[a:b], m.strategy)


def test_engine_results_do_not_depend_on_batch_size_or_executor():
    cfg = make_config(**LEVERS)
    jobs = [engine.Job("a", cfg, [1, 2, 3, 4, 5]), engine.Job("b", make_config(**{"experiment.steps": 20}), [1, 2])]

    def collect(**kw):
        return {(r.key, r.seed): r for r in engine.run_many(jobs, series=None, **kw)}

    one = collect(workers=1, max_batch=1)
    many = collect(workers=1, max_batch=64)
    pooled = collect(workers=2, max_batch=2)
    assert set(one) == set(many) == set(pooled) and len(one) == 7
    for key in one:
        for other in (many, pooled):
            assert one[key].outcomes == other[key].outcomes
            for name, values in one[key].series.items():
                np.testing.assert_array_equal(values, other[key].series[name])
    # ... and equal the run made alone through the model.
    m = alone(cfg, 3)
    np.testing.assert_array_equal(one[("a", 3)].series["cooperation"], m.recorder.columns()["cooperation"])


# The worlds of a robustness check: every field a model's replicates may hold apart, drawn
# afresh per world (shipped ranges where there is one), on worlds with every lever on.
WORLD_LEVERS = {**{k: v for k, v in LEVERS.items() if k != "game.self_interaction"},  # self-play reads one noise
                "incentives.membership_fee": 0.002}


def world(levers, rng):
    ranges = {p: (u.low, u.high) for p, u in uncertainties.shipped().items()}
    ranges.setdefault("budget.structural_gap", (0.0, 0.01))
    values = {}
    for path in PER_REPLICATE:
        low, high = ranges.get(path, (12.0, 90.0))  # the tenures of types without a shipped range
        values[path] = int(rng.integers(low, high + 1)) if path == "investment.lag" else float(rng.uniform(low, high))
    values["loss_aversion.factor"] = max(values["loss_aversion.factor"], 1.01)  # the component stays on
    values["experiment.steps"] = 120  # enough plan votes for the stakeholders' block chance to tell
    return make_config(**{**levers, **values})


def final_state(m, r):
    a, b = m.node_bounds[r], m.node_bounds[r + 1]
    e, f = m.edge_bounds[r], m.edge_bounds[r + 1]
    return (m.balance[a:b], m.pressure[a:b], m.disposition[a:b], m.strategy[a:b], m.trust[e:f], m.grudge[e:f])


@pytest.mark.parametrize("levers", [WORLD_LEVERS, {**PBR_LEVERS, "game.self_interaction": False,
                                                    "regulation.regime": "organisational"}, {}],
                         ids=["levers", "pbr_organisational", "defaults"])
def test_worlds_batched_together_equal_each_world_alone(levers):
    rng = np.random.default_rng(7)
    worlds = [world(levers, rng) for _ in range(3)]
    assert len({batch_key(w) for w in worlds}) == 1  # they differ only where replicates may differ
    configs, seeds = [worlds[0], worlds[1], worlds[1], worlds[2]], [4, 11, 12, 4]
    batch = CollabModel(seeds=seeds, configs=configs)
    batch.run()
    assert any(np.ndim(v) for v in batch._params.values())  # the worlds' values really are per replicate
    for r, (cfg, seed) in enumerate(zip(configs, seeds)):
        m = alone(cfg, seed)
        np.testing.assert_array_equal(batch.recorder.data[:, r], m.recorder.data[:, 0])
        for got, want in zip(final_state(batch, r), final_state(m, 0)):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runs, workers", [((256, 256, 256), 2), ((256, 256, 256), 3), ((10, 7), 4), ((5,), 1),
                                           ((1, 1, 1), 2), ((300, 20), 2)])
def test_batch_sizes_are_even_within_a_key_and_even_in_number_across_workers(runs, workers):
    counts = {f"key{k}": n for k, n in enumerate(runs)}
    size = max(1, min(engine.MAX_BATCH, -(-sum(runs) // (engine.PER_WORKER * workers))))
    sizes = engine._sizes(counts, size, workers)
    assert {k: sum(v) for k, v in sizes.items()} == counts  # every run in a batch
    assert all(max(v) <= size and max(v) - min(v) <= 1 for v in sizes.values())
    total = sum(map(len, sizes.values()))
    # Every worker gets as many batches, unless no key has runs enough to split further.
    assert total % workers == 0 or all(len(sizes[k]) == n for k, n in counts.items())
    assert total >= sum(-(-n // size) for n in runs)


def test_the_engine_batches_a_regime_s_worlds_together_and_keeps_regimes_apart():
    rng = np.random.default_rng(3)
    worlds = [world(WORLD_LEVERS, rng) for _ in range(4)]
    other = make_config(**{**WORLD_LEVERS, "regulation.regime": "organisational"})
    jobs = [engine.Job(("system", w), cfg, [10 + w, 20 + w]) for w, cfg in enumerate(worlds)]
    jobs.append(engine.Job(("organisational", 0), other, [1, 2]))
    # Batches of 3 at most: the system regime's 8 runs across worlds in 3, 3 and 2, the other
    # regime's 2 apart; each goes out as it fills, runs taken seed by seed ...
    cut = engine.batches(jobs, workers=1, max_batch=3)
    assert [[(j.key, j.seeds) for j in b] for b in cut] == [
        [(("system", 0), [10]), (("system", 1), [11]), (("system", 2), [12])],
        [(("system", 3), [13]), (("system", 0), [20]), (("system", 1), [21])],
        [(("system", 2), [22]), (("system", 3), [23])], [(("organisational", 0), [1, 2])]]
    # ... or job by job (a robustness check's worlds, listed world by world).
    assert [[(j.key, j.seeds) for j in b] for b in engine.batches(jobs, workers=1, max_batch=3, by="job")] == [
        [(("system", 0), [10, 20]), (("system", 1), [11])], [(("system", 1), [21]), (("system", 2), [12, 22])],
        [(("system", 3), [13, 23])], [(("organisational", 0), [1, 2])]]
    assert all(len({j.key[0] for j in b}) == 1 for b in cut)
    runs = {(r.key, r.seed): r for b in cut for r in engine.run_batch(b, series=None)}
    for job in jobs:
        for seed in job.seeds:
            m = alone(job.config, seed)
            got = runs[(job.key, seed)]
            np.testing.assert_array_equal(got.series["cooperation"], m.recorder.columns()["cooperation"])
            np.testing.assert_equal(got.outcomes, metrics.summarise(m.recorder.columns(), job.config))


def test_worlds_a_component_needs_whole_do_not_share_a_model():
    rng = np.random.default_rng(5)
    a, b = (world({**WORLD_LEVERS, "game.self_interaction": True}, rng) for _ in range(2))
    assert batch_key(a) != batch_key(b)  # self-play reads one noise and one beta for the whole model
    with pytest.raises(ValueError, match="configs: a batch's configs may differ only in"):
        CollabModel(seeds=[1, 2], configs=[a, b])
    assert batch_key(make_config(**{"learning.rule": "proportional"})) is None


def test_cancel_stops_between_batches_and_progress_counts_runs():
    import threading

    cfg = make_config(**{"experiment.steps": 5})
    cancel, seen = threading.Event(), []

    def progress(done, total):
        seen.append((done, total))
        if done >= 2:
            cancel.set()

    runs = list(engine.run_many([engine.Job("a", cfg, list(range(10)))], executor=SerialExecutor(), max_batch=1,
                                progress=progress, cancel=cancel))
    assert 2 <= len(runs) < 10 and seen[0] == (1, 10)


def draws_of(model, name):
    return model.stream(name).generators[0].random(5)


def test_each_component_draws_from_its_own_stream():
    plain = CollabModel(make_config(), seed=7)
    full = CollabModel(make_config(**LEVERS), seed=7)
    for name in ("decide", "leadership", "regulation", "capacity"):
        np.testing.assert_array_equal(draws_of(plain, name), draws_of(full, name))
    assert not np.array_equal(draws_of(plain, "decide"), draws_of(plain, "leadership"))


def test_enabling_a_lever_leaves_every_other_component_s_draws_alone():
    """Capacity that never binds draws every month from its own stream; the decisions,
    leader turnover and trust must be exactly those of the run without it."""
    base = {"experiment.steps": 25, "regulation.regime": "organisational"}
    without = alone(make_config(**base), 3)
    with_cap = alone(make_config(**base, **{"capacity.relationships": 1e6}), 3)
    for name in ("moves", "trust", "disposition", "balance", "appointed"):
        np.testing.assert_array_equal(getattr(without, name), getattr(with_cap, name))


def test_components_write_only_what_they_declare():
    for levers in (LEVERS, PBR_LEVERS):
        m = CollabModel(make_config(**levers), seed=2, check_writes=True)
        net = m.network
        before = [np.copy(a) for a in (net.src, net.dst, net.types, net.footprint, net.foundation, net.indptr,
                                       net.indices)]
        m.run(12)  # every hook ran under the guard without touching an undeclared array
        # nor the network, which a process keeps for its next batch with the same seeds (network.batch)
        after = (net.src, net.dst, net.types, net.footprint, net.foundation, net.indptr, net.indices)
        assert all(np.array_equal(a, b) for a, b in zip(before, after))

    class Sneaky(Component):
        name = "sneaky"
        writes = ("money",)

        def settle(self):
            self.model.balance += 1.0  # not declared

    m = CollabModel(make_config(), seed=2, check_writes=True)
    with pytest.raises(ValueError, match="read-only"):
        guarded(m, Sneaky(m), Sneaky(m).settle)()


def test_a_new_lever_is_a_component_and_a_registry_line(monkeypatch):
    """A subsidy paying each organisation a random amount a month: one class and one line
    in the registry. Nothing else in the run moves except the money it pays."""
    import sim.model

    class Subsidy(Component):
        name = "subsidy"
        writes = ("money",)

        def settle(self):
            m = self.model
            m.money += self.stream.uniform((len(m.types),), m.node_bounds)

    plain = alone(make_config(**{"experiment.steps": 1}), 5)
    monkeypatch.setattr(sim.model, "COMPONENTS", (*sim.model.COMPONENTS, Subsidy))
    paid = CollabModel(make_config(**{"experiment.steps": 1}), seed=5, check_writes=True)
    paid.run()
    np.testing.assert_array_equal(paid.moves, plain.moves)
    subsidy = generator(5, "subsidy").random(len(paid.types))  # its stream's first draws, replayed
    np.testing.assert_allclose(paid.balance - plain.balance, subsidy)


def test_a_new_outcome_is_one_registry_entry(monkeypatch, capsys, tmp_path):
    """A headline outcome added to the registry shows up in the CLI summary and the compare
    report without other edits."""
    from sim import cli

    extra = metrics.Summary("final_trust_x100", "Trust in percent", "points",
                            lambda s, cfg: 100 * s["mean_trust"][:, -1], headline=True)
    monkeypatch.setattr(metrics, "SUMMARIES", (*metrics.SUMMARIES, extra))
    cfg = tmp_path / "c.toml"
    cfg.write_text('[experiment]\nname = "x"\nsteps = 5\n[compare]\nseeds = 2\n'
                   '[compare.arms.a]\n[compare.arms.b]\nregulation.regime = "system"\n')
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) in (0, None)
    assert "Trust in percent (points)" in capsys.readouterr().out
    assert cli.main(["compare", str(cfg), "--out", str(tmp_path / "out"), "--workers", "1"]) in (0, None)
    report = (tmp_path / "out" / "x" / "compare" / "report.md").read_text()
    assert "Trust in percent (points)" in report
    # ... and in the app's compare mode, with its unit read from the registry.
    from webapp import batch, labels

    for table in ("UNITS", "OUTCOME_LABELS", "SHORT_OUTCOME"):
        monkeypatch.setattr(labels, table, getattr(labels, table).copy())
    monkeypatch.setattr(batch, "OUTCOMES", labels.OUTCOME_LABELS)
    labels._from_registry()
    assert batch.OUTCOMES["final_trust_x100"] == "Trust in percent (points)"
    assert labels.UNITS["final_trust_x100"] == labels.Unit("count", "points")


def test_per_replicate_sums_match_the_plain_totals():
    cfg = make_config(**{"experiment.steps": 6, **{k: v for k, v in LEVERS.items() if k != "experiment.steps"}})
    batch = CollabModel(cfg, seeds=[1, 2])
    batch.run()
    cols = [batch.recorder.columns(r) for r in range(2)]
    for r in range(2):
        a, b = batch.node_bounds[r], batch.node_bounds[r + 1]
        assert cols[r]["system_balance"][-1] == pytest.approx(batch.balance[a:b].sum())
        ea, eb = batch.edge_bounds[r], batch.edge_bounds[r + 1]
        assert cols[r]["cooperation"][-1] == pytest.approx(batch.moves[ea:eb].mean())
        assert cols[r]["earned_balance"][-1] == pytest.approx(
            (batch.balance - batch.bailouts - batch.funding)[a:b].sum())


# -- the fast path's kernels against plain references ---------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=40))
def test_component_labels_match_networkx(n, pairs):
    import networkx as nx

    pairs = [(a, b) for a, b in pairs if a < n and b < n and a != b]
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    label = kernels.component_labels(n, src, dst)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])
    for k, comp in enumerate(comps):  # numbered in order of each component's lowest node
        assert (label[comp] == k).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_replicate_sums_match_plain_sums(seed, replicates):
    rng = np.random.default_rng(seed)
    m = CollabModel(make_config(**{"network.n_orgs": 10}), seeds=list(range(replicates)))
    m.moves[:] = rng.integers(0, 2, m.moves.shape)
    m.trust[:] = rng.random(m.trust.shape)
    m.balance[:] = rng.normal(0, 5, len(m.balance))
    m.bailouts[:] = rng.random(len(m.balance))
    m.special_measures[:] = rng.random(len(m.balance)) < 0.3
    m.strategy[:] = rng.integers(0, len(strategies.NAMES), len(m.strategy))
    out = np.zeros((replicates, 13))
    pair_coop = np.full(m.recorder.pair_games.size, 7.0)  # garbage: every entry must be written
    counts = np.full((replicates, len(strategies.NAMES)), 7.0)
    kernels.replicate_sums(m.node_bounds, m.edge_bounds, m.src, m.dst, m.moves, m.trust, m.degree, m.balance, m.size,
                           m.bailouts, m.funding, m.fines_paid, m.special_measures, m.strategy, m.recorder.pair_code,
                           np.zeros(len(m.types)), out, pair_coop, counts)
    types = len(ORG_TYPES)
    for r in range(replicates):
        a, b = m.node_bounds[r], m.node_bounds[r + 1]
        ea, eb = m.edge_bounds[r], m.edge_bounds[r + 1]
        moves, bal = m.moves[ea:eb], m.balance[a:b]
        coop = [0] * (b - a)
        for e in range(ea, eb):
            coop[m.src[e] - a] += m.moves[e, 0]
            coop[m.dst[e] - a] += m.moves[e, 1]
        deg = m.degree[a:b]
        hawks = sum(1 for c, d in zip(coop, deg) if d > 0 and c / d < 0.5)
        expected = [moves.sum(), (moves[:, 0] & moves[:, 1]).sum(), m.trust[ea:eb].sum(), bal.sum(),
                    (bal - m.bailouts[a:b]).sum(), (bal < 0).sum(), -bal[bal < 0].sum(), m.special_measures[a:b].sum(),
                    0.0, m.bailouts[a:b].sum(), 0.0, np.std(bal / m.size[a:b]), hawks]
        np.testing.assert_allclose(out[r], expected, rtol=1e-12, atol=1e-9)
        assert counts[r].tolist() == [np.sum(m.strategy[a:b] == k) for k in range(len(strategies.NAMES))]
        by_pair = np.zeros(types * types)  # cooperative moves by (mover's type, partner's type)
        for e in range(ea, eb):
            ts, td = m.types[m.src[e]], m.types[m.dst[e]]
            by_pair[ts * types + td] += m.moves[e, 0]
            by_pair[td * types + ts] += m.moves[e, 1]
        assert pair_coop[r * types * types:(r + 1) * types * types].tolist() == by_pair.tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_month_row_reads_the_sums_as_plain_division(seed, replicates):
    # Each recorded outcome is its sum times its reciprocal denominator, the strategy shares
    # counts per organisation, the type-pair cooperation per game (NaN where none were played).
    rng = np.random.default_rng(seed)
    sums, counts = rng.random((replicates, 13)), rng.integers(0, 9, (replicates, 20)).astype(float)
    summed_at, summed_from = np.array([3, 0, 5]), np.array([12, 0, 4])
    scale, inv_nodes = rng.random((replicates, 3)), rng.random(replicates)
    games = rng.integers(0, 3, (replicates, 4))
    inv_games = np.where(games > 0, 1.0 / np.maximum(games, 1), np.nan)
    pair_coop = rng.random(replicates * 4)
    row = np.full((replicates, 6 + 7 + 4), 7.0)  # 6 outcomes (1, 2 and 4 left as they were), 7 shares, 4 pairs
    kernels.month_row(sums, summed_at, summed_from, scale, counts, 6, inv_nodes, pair_coop, 13, inv_games, row)
    for r in range(replicates):
        expected = [7.0] * 6
        for at, fr, sc in zip(summed_at, summed_from, scale[r]):
            expected[at] = sums[r, fr] * sc
        expected += [counts[r, s] * inv_nodes[r] for s in range(7)]
        expected += [pair_coop[r * 4 + p] / games[r, p] if games[r, p] else np.nan for p in range(4)]
        np.testing.assert_allclose(row[r], expected, rtol=1e-15)


@pytest.mark.parametrize("months, columns", [(0, 5), (1, 5), (7, 3), (8, 5), (13, 1), (20, 5)])
def test_months_last_is_the_transposed_copy(months, columns):
    data = np.random.default_rng(months).random((21, 3, 5))  # room for 21 months; `months` recorded
    out = np.full((columns, 3, months), 7.0)
    kernels.months_last(data, months, columns, out)
    for k in range(columns):
        for r in range(3):
            assert out[k, r].tolist() == [data[t, r, k] for t in range(months)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([0, 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1, 2**64 + 5]),
                          st.integers(0, 2**40), st.integers(2**32, 2**64 - 1)), max_size=6),
       st.sampled_from(["decide", "network", "leadership", "a new component", ""]))
def test_generators_made_at_once_equal_numpys_seed_sequence(seeds, name):
    # streams.generators works out SeedSequence's state for many seeds at once; every
    # generator must start where numpy's own SeedSequence(seed, spawn_key=(crc32(name),)) does.
    made = generators(seeds, name)
    assert len(made) == len(seeds)
    for seed, g in zip(seeds, made):
        assert g.bit_generator.state == generator(seed, name).bit_generator.state
        assert g.random() == generator(seed, name).random()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 2**40), st.integers(2**63, 2**64 - 1), st.just(2**64 + 5)), min_size=1,
                max_size=10), st.integers(1, 4), st.integers(0, 30), st.booleans(), st.data())
def test_a_stream_s_uniforms_are_numpy_s_own_draws(seeds, width, months, setup_first, data):
    # Stream.uniform steps numpy's PCG64 in a compiled loop for every replicate at once, four
    # side by side (up to ten seeds: two fours and some over, of unequal sizes), from the
    # state numpy's PCG64 starts at (worked out here for seeds below 2**64); each replicate's
    # rows must be exactly what its numpy generator's random() gives, month after month, and
    # the generators handed back must carry on where the stream got to.
    sizes = data.draw(st.lists(st.integers(0, 9), min_size=len(seeds), max_size=len(seeds)))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    stream, reference = Stream(seeds, "decide"), [generator(s, "decide") for s in seeds]
    if setup_first:  # set-up draws through numpy before any month's uniforms
        for g, ref in zip(stream.generators, reference):
            assert g.bit_generator.state == ref.bit_generator.state and g.normal() == ref.normal()
    for _ in range(months):
        u = stream.uniform((int(bounds[-1]), width), bounds).copy()
        expected = np.concatenate([g.random((n, width)) for g, n in zip(reference, sizes)])
        assert np.array_equal(u, expected)
    for g, ref in zip(stream.generators, reference):  # set-up draws go through numpy again
        assert g.normal() == ref.normal()
    u = stream.uniform((int(bounds[-1]),), bounds)
    assert np.array_equal(u, np.concatenate([g.random(n) for g, n in zip(reference, sizes)]))
