"""The top-responsive friend game: a neuron values a coalition by the partners it holds.

- :mod:`~hedonic.game.friends.rule`: who a player's friends are (the friend rule, ranked partners,
  the friendship digraph);
- :mod:`~hedonic.game.friends.choice`: the choice rules (``fixed``, ``available``), one interface
  and one table by name; each rule's preference (:mod:`~hedonic.game.friends.fixed_preference`,
  :mod:`~hedonic.game.friends.available_preference`) and cover
  (:mod:`~hedonic.game.friends.fixed_cover`, :mod:`~hedonic.game.friends.available_cover` over
  :mod:`~hedonic.game.friends.partner_lists`);
- :mod:`~hedonic.game.friends.size_control`: oversized coalitions re-covered with stricter rules;
- :mod:`~hedonic.game.friends.pac`: PAC-Top-Cover on sampled coalitions, and its sample size.

The names are exported by :mod:`hedonic.game`.
"""
