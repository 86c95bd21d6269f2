"""Exact Top Covering on a known friendship digraph (spec §5).

The Top Covering Algorithm, for R = all players: build the digraph i → j for j ∈ Ch(i, R); the
closure CC(i, R) of i is everything reachable from i; take the smallest closure as the next
coalition, remove it from R, repeat.

For friend-based preferences this is the partition into strongly connected components (SCCs) of
the friendship digraph. Proof sketch: a player in a sink SCC C of the condensation DAG reaches
exactly C; any other player reaches itself and at least one sink SCC, so its closure is strictly
larger than some sink SCC's. The smallest closure is therefore a smallest sink SCC. Removing it
keeps every other SCC intact (a path inside another SCC never enters a sink it could not leave),
and its neighbours' choice sets just lose the removed players, so the next round sees the same
SCCs minus the one taken. The order of removal (smallest sink first) does not change the
partition, which is core stable (Dimitrov et al., 2006: friend-appreciation preferences).

One call to :func:`scipy.sparse.csgraph.connected_components` (Pearce's algorithm) computes all
SCCs in O(n + nnz) = O(n·k + n) for top-k friends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from hedonic.game.coalition_index import canonical_labels
from hedonic.game.friends.rule import FriendRule, PartnerRanking, friend_graph

if TYPE_CHECKING:
    from hedonic.game.friends.size_control import GroupCover


def top_cover(friends: sp.spmatrix | sp.sparray) -> np.ndarray:
    """Coalition label (n,) int64 of every player under the exact Top Cover of ``friends``.

    ``friends`` is the (n, n) boolean friendship digraph (arc i → j iff j ∈ F_i). Coalitions are
    its strongly connected components, numbered by smallest member (see the module docstring for
    why this is the Top Covering Algorithm's output).
    """
    n = friends.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(sp.csr_matrix(friends), directed=True, connection="strong")
    return canonical_labels(labels)


def top_cover_within(ranking: PartnerRanking) -> GroupCover:
    """The Top Cover inside groups, for size control: SCCs of ``ranking``'s friendship digraph
    under a given rule, keeping only arcs within one group (groups (n,) int, −1 = not covered)."""

    def cover(rule: FriendRule, groups: np.ndarray) -> np.ndarray:
        return top_cover(friend_graph(ranking, rule, groups))

    return cover
