"""The same game dynamics written the idiomatic pure-Mesa way: one agent per organisation,
Python methods, per-partner dictionaries, ``shuffle_do``. The baseline for the kernels.

Each step every organisation decides a move toward each partner with the trust rule
(cooperate with probability sigma(beta (trust - 1/2 + bias)), then mistakes), then every
organisation scores its games, moves its money, and updates its trust in, last move toward
and grudge against each partner: the work of ``sim.kernels`` decide, play and
update_relationships.
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
        self.last = {}  # partner -> last step's move toward that partner
        self.grudge = {}  # partner -> has that partner ever defected
        self.score = 0.0
        self.money = 0.0

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
        self.money = 0.0
        for p in self.partners:
            mine, theirs = self.move[p], p.move[self]
            self.score += m.payoff[(mine, theirs)]
            self.money += m.money_flow[(mine, theirs)]
            t = self.trust[p]
            if theirs == C:
                self.trust[p] = t + m.gain * (1 - t)
            else:
                self.trust[p] = t - m.loss * t
                self.grudge[p] = True
            self.last[p] = mine


class MesaGame(mesa.Model):
    def __init__(self, src, dst, bias, seed=0, beta=10.0, noise=0.01, gain=0.1, loss=0.2, shift=0.1, surplus=0.2):
        super().__init__(rng=seed)
        self.beta, self.noise, self.gain, self.loss = beta, noise, gain, loss
        self.payoff = {(C, C): 3.0, (C, D): 0.0, (D, C): 5.0, (D, D): 1.0}
        self.money_flow = {(C, C): surplus / 2, (C, D): -shift, (D, C): shift, (D, D): 0.0}
        orgs = [Org(self, float(b)) for b in bias]
        for a, b in zip(src.tolist(), dst.tolist()):
            orgs[a].partners.append(orgs[b])
            orgs[b].partners.append(orgs[a])
            orgs[a].trust[orgs[b]] = orgs[b].trust[orgs[a]] = 0.8
            orgs[a].grudge[orgs[b]] = orgs[b].grudge[orgs[a]] = False

    def step(self):
        self.agents.shuffle_do("decide")
        self.agents.shuffle_do("update")
