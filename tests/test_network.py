"""Network generators and user-supplied graphs."""

import networkx as nx
import numpy as np
import pytest

from sim import network
from sim.config import ORG_TYPES, ConfigError, NetworkConfig


def build(seed=0, **kw):
    return network.build(NetworkConfig(**kw), np.random.default_rng(seed))


def check_simple(net):
    assert np.all(net.src < net.dst)  # no self-loops, one row per pair
    pairs = set(zip(net.src.tolist(), net.dst.tolist()))
    assert len(pairs) == net.n_edges


def test_footprint_type_mix_degree_and_connectivity():
    degrees = []
    for seed in range(20):
        net = build(seed, n_orgs=30, mean_degree=6)
        check_simple(net)
        counts = np.bincount(net.types, minlength=5)
        assert counts.tolist() == [6, 3, 3, 9, 9]  # 0.2, 0.1, 0.1, 0.3, 0.3 of 30
        assert nx.is_connected(net.to_networkx())
        degrees.append(net.degree().mean())
    assert np.mean(degrees) == pytest.approx(6, rel=0.1)


def test_every_type_present_in_a_small_footprint():
    net = build(n_orgs=10)
    assert set(net.types.tolist()) == set(range(5))


def test_commissioners_link_to_providers_more_than_providers_to_their_peers():
    a, c = ORG_TYPES.index("acute"), ORG_TYPES.index("ccg")
    ccg_acute = acute_acute = 0.0
    for seed in range(20):
        net = build(seed, n_orgs=40, mean_degree=8)
        t = net.types
        n = np.bincount(t, minlength=5)
        pair = lambda x, y: np.sum(((t[net.src] == x) & (t[net.dst] == y)) | ((t[net.src] == y) & (t[net.dst] == x)))
        ccg_acute += pair(a, c) / (n[a] * n[c])
        acute_acute += pair(a, a) / (n[a] * (n[a] - 1) / 2)
    assert ccg_acute > 1.5 * acute_acute  # affinities 1.0 vs 0.5


def test_many_footprints_form_one_national_network():
    net = build(n_orgs=20, footprints=30)
    assert net.n_nodes == 600 and set(net.footprint.tolist()) == set(range(30))
    assert nx.is_connected(net.to_networkx())
    cross = net.footprint[net.src] != net.footprint[net.dst]
    assert cross.sum() == 30  # one link per neighbouring pair in the ring


def test_csr_adjacency_lists_neighbours():
    net = build(n_orgs=25)
    g = net.to_networkx()
    for i in range(net.n_nodes):
        assert sorted(net.indices[net.indptr[i]:net.indptr[i + 1]].tolist()) == sorted(g.neighbors(i))


def test_lattice_neighbourhoods():
    moore = build(kind="lattice", n_orgs=49)
    assert np.all(moore.degree() == 8) and moore.n_edges == 49 * 4
    vn = build(kind="lattice", n_orgs=49, moore=False)
    assert np.all(vn.degree() == 4)
    with pytest.raises(ConfigError, match="square number"):
        build(kind="lattice", n_orgs=50)


def test_classic_graphs():
    assert np.all(build(kind="regular", n_orgs=50, mean_degree=4).degree() == 4)
    sf = build(kind="scale_free", n_orgs=500, mean_degree=4)
    assert sf.degree().mean() == pytest.approx(4, rel=0.05) and sf.degree().max() > 20
    assert build(kind="complete", n_orgs=10).n_edges == 45
    assert build(kind="random", n_orgs=100, mean_degree=6).n_edges == 300


def test_same_seed_same_network():
    a, b = build(7, n_orgs=30), build(7, n_orgs=30)
    assert np.array_equal(a.src, b.src) and np.array_equal(a.types, b.types)


def test_load_graphml_with_types(tmp_path):
    g = nx.Graph()
    for name, kind in [("Royal", "acute"), ("North CCG", "ccg"), ("County", "council")]:
        g.add_node(name, type=kind)
    g.add_edges_from([("Royal", "North CCG"), ("North CCG", "County")])
    path = tmp_path / "fp.graphml"
    nx.write_graphml(g, path)
    net = network.build(NetworkConfig(kind="file", path=str(path)), np.random.default_rng(0))
    assert net.labels == ["Royal", "North CCG", "County"]
    assert [ORG_TYPES[t] for t in net.types] == ["acute", "ccg", "council"]
    assert net.n_edges == 2


def test_load_edge_list_with_type_table(tmp_path):
    (tmp_path / "e.txt").write_text("a b\nb c\n")
    (tmp_path / "t.csv").write_text("node,type\na,acute\nb,ccg\nc,mental_health\n")
    net = network.load(str(tmp_path / "e.txt"), str(tmp_path / "t.csv"))
    assert net.n_nodes == 3 and net.n_edges == 2


def test_graph_without_types_is_refused(tmp_path):
    g = nx.path_graph(3)
    nx.write_graphml(g, tmp_path / "x.graphml")
    with pytest.raises(ConfigError, match="no `type` attribute.*allowed types: acute"):
        network.load(str(tmp_path / "x.graphml"))
    g.nodes[0]["type"] = "hospital"
    g.nodes[1]["type"] = g.nodes[2]["type"] = "ccg"
    nx.write_graphml(g, tmp_path / "y.graphml")
    with pytest.raises(ConfigError, match="unknown type 'hospital'"):
        network.load(str(tmp_path / "y.graphml"))
    (tmp_path / "e.txt").write_text("a b\n")
    with pytest.raises(ConfigError, match="network.node_types"):
        network.load(str(tmp_path / "e.txt"))
    with pytest.raises(ConfigError, match="file not found"):
        network.load(str(tmp_path / "missing.graphml"))


def _links_all_at_once(prob, types, rng):
    """Plain reference: one uniform per pair i < j, drawn for all n^2 / 2 pairs at once in
    row order, linked when below the pair's type probability (the generator before
    issue 17, which held every pair in memory)."""
    n = len(types)
    iu, ju = np.triu_indices(n, 1)
    keep = rng.random(len(iu)) < prob[types[iu], types[ju]]
    return iu[keep], ju[keep]


@pytest.mark.parametrize("n, chunk", [(2, 1), (7, 3), (24, 5), (24, 1 << 20), (300, 64), (301, 1000)])
def test_links_drawn_in_chunks_equal_links_drawn_at_once(monkeypatch, n, chunk):
    monkeypatch.setattr(network, "LINK_CHUNK", chunk)
    counts = network._type_counts({"acute": 0.2, "mental_health": 0.1, "community": 0.1, "ccg": 0.3,
                                   "council": 0.3}, n)
    types = np.repeat(np.arange(len(ORG_TYPES)), counts).astype(np.int8)
    prob = network._link_probability(counts, min(6.0, n - 1) * n / 2)
    src, dst = network._draw_links(prob, types, np.random.default_rng(9))
    ref_src, ref_dst = _links_all_at_once(prob, types, np.random.default_rng(9))
    np.testing.assert_array_equal(src, ref_src)
    np.testing.assert_array_equal(dst, ref_dst)


@pytest.mark.parametrize("n", [2, 3, 24, 60])
def test_the_pair_layout_worked_out_once_draws_the_links_drawn_in_chunks(n):
    # footprints() draws a small footprint's links from _pair_thresholds (cached per config).
    counts = network._type_counts({"acute": 0.2, "mental_health": 0.1, "community": 0.1, "ccg": 0.3,
                                   "council": 0.3}, n)
    types = np.repeat(np.arange(len(ORG_TYPES)), counts).astype(np.int8)
    prob = network._link_probability(counts, min(6.0, n - 1) * n / 2)
    thresholds, i, j = network._pair_thresholds(prob, types)
    rng = np.random.default_rng(4)
    hits = np.flatnonzero(rng.random(len(thresholds)) < thresholds)
    src, dst = network._draw_links(prob, types, np.random.default_rng(4))
    np.testing.assert_array_equal(i[hits], src)
    np.testing.assert_array_equal(j[hits], dst)
    assert rng.random() == np.random.default_rng(4).random(len(thresholds) + 1)[-1]  # as many draws taken


def test_link_probability_gives_the_mean_degree_asked_for():
    counts = network._type_counts({"acute": 0.2, "mental_health": 0.1, "community": 0.1, "ccg": 0.3,
                                   "council": 0.3}, 60)
    types = np.repeat(np.arange(len(ORG_TYPES)), counts)
    prob = network._link_probability(counts, 6.0 * 60 / 2)
    iu, ju = np.triu_indices(60, 1)
    assert prob[types[iu], types[ju]].sum() == pytest.approx(6.0 * 60 / 2, rel=1e-9)  # expected links


@pytest.mark.parametrize("n_orgs, degree, footprints", [(24, 6.0, 1), (12, 1.2, 1), (24, 3.0, 1), (10, 3.0, 3)])
def test_a_batch_of_networks_is_each_seed_s_network_built_alone(n_orgs, degree, footprints):
    # build_many draws the links and foundation status of every seed's footprint at once and
    # builds a footprint left in pieces from its own generator: each network must be exactly
    # the one build() makes from that seed's stream, whichever way it was made.
    from sim.streams import generator

    cfg = NetworkConfig(n_orgs=n_orgs, mean_degree=degree, footprints=footprints)
    seeds = list(range(40))
    in_pieces = 0
    for seed, net in zip(seeds, network.build_many(cfg, seeds)):
        alone = network.build(cfg, generator(seed, "network"))
        for field in ("src", "dst", "types", "footprint", "foundation"):
            a, b = getattr(net, field), getattr(alone, field)
            assert a.dtype == b.dtype and np.array_equal(a, b), (seed, field)
        # Did the links alone leave this footprint in pieces (so that build joined them)?
        _, _, (threshold, first, second) = network._footprint_types(
            n_orgs, tuple(cfg.type_mix.get(t, 0.0) for t in ORG_TYPES), degree)
        hits = np.flatnonzero(generator(seed, "network").random(len(threshold)) < threshold)
        in_pieces += len(set(network.kernels.component_labels(n_orgs, first[hits], second[hits]).tolist())) > 1
    if (n_orgs, degree) == (24, 3.0):  # about half the footprints in pieces: both ways are taken
        assert 0 < in_pieces < len(seeds)
