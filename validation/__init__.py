"""Validation of the collabsim game engine against published results (MODEL.md section 6):
Axelrod match scores, hawk-dove replicator dynamics, Nowak & May (1992), Santos & Pacheco
(2005). ``python -m validation [--full]`` writes docs/validation.md and docs/validation.png."""
