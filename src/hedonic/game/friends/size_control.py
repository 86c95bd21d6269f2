"""Size control: refine coalitions larger than ``max_size`` with ever stricter friend rules (spec §5).

A friendship digraph with out-degree ≥ 2 tends to have one giant strongly connected component.
Every coalition C with |C| > max_size is re-covered inside itself: the game restricted to C
(friends F'_i ∩ C) under a stricter rule F', whose Top Cover splits C into pieces that are again
SCCs, i.e. closed in turn under the stricter preference. Levels repeat until no piece exceeds
``max_size`` or the rule cannot get stricter:

- a rule with ``k``: level L+1 uses k − 1 (same threshold and reciprocity), down to k = 1, where a
  symmetric φ leaves coalitions of at most two players (a best-mate cycle longer than two would
  need φ to increase all the way round);
- a threshold-only rule: level L+1 raises the threshold to the median φ of the friendship arcs
  inside the oversized coalitions, until no arc is left.

Each level processes all oversized coalitions in one SCC pass (arcs across coalitions are
dropped), O(n·k) per level. What each level did is recorded for the partition's parameters.

The cover run inside the oversized coalitions is the choice rule's own (:data:`GroupCover`,
given by :mod:`~hedonic.game.friends.choice`): the ``fixed`` rule's Top Cover of the ranking's
friendship digraph inside each group (:func:`~hedonic.game.friends.fixed_cover.top_cover_within`),
the ``available`` rule's cover played inside each group, so that pieces are closed sets of the
stricter preference of that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.game.coalition_index import canonical_labels
from hedonic.game.friends.rule import FriendRule, PartnerRanking

GroupCover = Callable[[FriendRule, np.ndarray], np.ndarray]
"""Covers the game inside groups: (rule, groups (n,) int, −1 = not re-covered) -> labels (n,) int."""


@dataclass(frozen=True)
class Refinement:
    """The refined partition: ``labels`` (n,) canonical coalition labels, ``player_levels`` (n,)
    the level whose rule produced each player's coalition (0 = the base cover), and ``levels``:
    one JSON-ready record per level (its rule, players re-covered, coalitions split, pieces made).
    """

    labels: np.ndarray
    player_levels: np.ndarray
    levels: list[dict[str, Any]]

    def coalition_levels(self) -> list[int]:
        """Level of each coalition, in label order (= the canonical order of :class:`Partition`)."""
        per_coalition = np.zeros(int(self.labels.max(initial=-1)) + 1, dtype=np.int64)
        per_coalition[self.labels] = self.player_levels
        return per_coalition.tolist()


def stricter_rule(rule: FriendRule, ranking: PartnerRanking | None, groups: np.ndarray) -> FriendRule | None:
    """The next stricter rule after ``rule`` for players grouped by ``groups`` (n,), or None.

    With ``k``: k − 1 (None at k = 1). Threshold-only: the median φ of ``rule``'s arcs inside
    the groups (label ≥ 0) as the new threshold (None when there is no such arc); that case
    needs the ``ranking``.
    """
    if rule.k is not None:
        return None if rule.k <= 1 else replace(rule, k=rule.k - 1)
    if ranking is None:
        raise ConfigError("a threshold-only friend rule is refined from its partner ranking", hint="pass the ranking the cover used")
    inside = (groups[ranking.rows] == groups[ranking.cols]) & (groups[ranking.rows] >= 0) & (ranking.values > rule.threshold)
    if not inside.any():
        return None
    return replace(rule, threshold=float(np.median(ranking.values[inside])))


def refine(ranking: PartnerRanking | None, rule: FriendRule, labels: np.ndarray, max_size: int | None, *, cover: GroupCover) -> Refinement:
    """Split every coalition of ``labels`` (n,) larger than ``max_size`` with stricter rules.

    ``labels`` is the base cover under ``rule``; ``cover`` re-covers the oversized groups under a
    stricter rule (the choice rule's cover inside groups). ``ranking`` holds the candidates
    ``rule`` was applied to (exact or sampled); only a threshold-only rule needs it (a top-k rule
    gets stricter without it). ``max_size=None`` turns size control off (level 0 only). Returns
    the refined labels and the per-level record.
    """
    if max_size is not None and (isinstance(max_size, bool) or int(max_size) != max_size or max_size < 1):
        raise ConfigError(f"max_size must be a positive integer, got {max_size!r}", hint="e.g. max_size=64, or turn size control off")
    labels = canonical_labels(labels)
    limit = len(labels) if max_size is None else max_size
    player_levels = np.zeros(len(labels), dtype=np.int64)
    levels = [{"level": 0, **rule.as_dict(), "players": len(labels), "split": 0, "coalitions": int(labels.max(initial=-1)) + 1}]
    current = rule
    while len(labels):
        sizes = np.bincount(labels)
        oversized = sizes[labels] > limit
        groups = np.where(oversized, labels, -1)
        following = stricter_rule(current, ranking, groups) if oversized.any() else None
        if following is None:
            break
        pieces = cover(following, groups)
        labels = canonical_labels(np.where(oversized, len(sizes) + pieces, labels))
        player_levels[oversized] = len(levels)
        levels.append(
            {
                "level": len(levels),
                **following.as_dict(),
                "players": int(oversized.sum()),
                "split": int((sizes > limit).sum()),
                "coalitions": len(np.unique(pieces[oversized])),
            }
        )
        current = following
    return Refinement(labels, player_levels, levels)
