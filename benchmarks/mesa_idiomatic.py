"""The same game dynamics written the idiomatic pure-Mesa way: one agent per organisation,
Python methods, per-partner dictionaries, ``shuffle_do``. The baseline for the kernels.

Each step every organisation decides a move toward each partner with the trust rule
(cooperate with probability sigma(beta (trust - 1/2 + bias)), then mistakes), then every
organisation scores its games and updates its trust in each partner, as in ``sim.kernels``.
"""

import math

import mesa

C, D = 1, 0


class Org(mesa.Agent):
    def __init__(self, model, bias):
        super().__init__(model)
        self.bias = bias
        self.partners = []
        self.trust = {}  # partner -> trust in that partner
        self.move = {}  # partner -> this step's move toward that partner
        self.score = 0.0

    def decide(self):
        m = self.model
        for p in self.partners:
            prob = 1.0 / (1.0 + math.exp(-m.beta * (self.trust[p] - 0.5 + self.bias)))
            move = C if self.random.random() < prob else D
            if self.random.random() < m.noise:
                move = 1 - move
            self.move[p] = move

    def update(self):
        m = self.model
        self.score = 0.0
        for p in self.partners:
            mine, theirs = self.move[p], p.move[self]
            self.score += m.payoff[(mine, theirs)]
            t = self.trust[p]
            self.trust[p] = t + m.gain * (1 - t) if theirs == C else t - m.loss * t


class MesaGame(mesa.Model):
    def __init__(self, src, dst, n, seed=0, beta=10.0, noise=0.01, gain=0.1, loss=0.2):
        super().__init__(rng=seed)
        self.beta, self.noise, self.gain, self.loss = beta, noise, gain, loss
        self.payoff = {(C, C): 3.0, (C, D): 0.0, (D, C): 5.0, (D, D): 1.0}
        orgs = [Org(self, 0.2) for _ in range(n)]
        for a, b in zip(src.tolist(), dst.tolist()):
            orgs[a].partners.append(orgs[b])
            orgs[b].partners.append(orgs[a])
            orgs[a].trust[orgs[b]] = orgs[b].trust[orgs[a]] = 0.8

    def step(self):
        self.agents.shuffle_do("decide")
        self.agents.shuffle_do("update")
