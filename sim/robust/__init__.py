"""Robust policy answers across uncertain assumptions: ``collabsim robust CONFIG``.

A single-world ``compare`` answers "which arm is better" over seeds of one set of assumed
constants. Here every arm of the experiment's ``[compare]`` table runs in many sampled
worlds (a Latin hypercube over the ranges of ``sim.uncertainties``), with the same seeds
for every arm within a world (common random numbers), and the report says in what share of
worlds each answer holds and where it flips (exploratory modelling: levers x
uncertainties, scenario discovery, regret; MODEL.md section 8).

``plan`` builds the worlds as a sweep plan, so runs go through the sweep engine
(``sim.sweep``: resume, process pool, Dask, progress bar); ``analysis`` turns the runs into
per-world differences, shares, regret, PRIM boxes and feature scores; ``report`` writes
``robust/report.md`` with figures and tables; ``command`` is the command-line glue. The app's
compare mode plans its regimes' worlds with ``plan.plan_worlds`` and analyses the runs it
holds in memory with ``report.answer``, so it gives the same answer (``webapp.robustness``).
"""
