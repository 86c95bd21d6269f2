"""The additively separable game: u_i(S) = Σ_{j∈S, j≠i} (φ_ij − τ_ij).

- :mod:`~hedonic.game.additive.preference`: the preference, its exact move check and potential;
- :mod:`~hedonic.game.additive.dynamics`: best-response dynamics to a Nash-stable partition;
- :mod:`~hedonic.game.additive.resolution`: the τ rules, one table by name.

The names are exported by :mod:`hedonic.game`.
"""
