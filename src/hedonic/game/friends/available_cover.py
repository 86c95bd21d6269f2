"""The Top Cover under the ``available`` choice rule: partners re-ranked among the remaining players.

The preference (spec §5, the paper's "multi-friend" utility; :mod:`hedonic.game.friends.available_preference`
gives it in full): player i ranks coalitions S ∋ i by the list of its k best qualifying partners
in S (φ(i, j) > threshold, ordered by φ descending, ties to the lower index), compared
position by position, with a missing partner worse than any; at equal lists the smaller S is
better. Its choice set in R is Ch(i, R) = {i} ∪ B_k(i, R), B_k(i, R) being i's k best qualifying
partners in R. Unlike the ``fixed`` rule (friends F_i chosen once over all players), a player whose
best partners have left R turns to the next best ones still in R.

The cover. R = all players; repeat: build the digraph on R with arcs i → j for j ∈ B_k(i, R); its
sink strongly connected components (no arc leaves them) become coalitions and leave R; the
players that pointed into them re-rank (:meth:`PartnerLists.choose`); until R is empty. A player
with no qualifying partner in R is a sink of its own and becomes a singleton. Each round takes at
least one sink SCC (the condensation of a finite digraph has a sink), so at most n rounds.

Why all sink SCCs of a round at once, and why this is the Top Covering Algorithm:

1. *Removing a sink SCC C does not change another sink SCC C'.* Members of C' have all their arcs
   inside C', so B_k(i, R) ⊆ C' is disjoint from C; removing players i did not choose leaves its
   k best in R \\ C unchanged (they were already the best of a superset). So C' keeps every arc,
   stays strongly connected and closed, and no other player can join its SCC (that would need an
   arc out of C'): C' is again a sink SCC of R \\ C.
2. *Order does not matter.* By 1, removing sink SCCs C₁ then C₂ or C₂ then C₁ reaches the same R
   with the same coalitions taken. Removals terminate, so by Newman's lemma every maximal
   sequence of sink-SCC removals produces the same coalitions; taking all sink SCCs of a round
   together is one such sequence.
3. *The Top Covering Algorithm is another.* The closure CC(i, R) (all players reachable from i)
   of a player in a sink SCC is that SCC; any other player reaches itself plus a whole sink SCC,
   a strictly larger set. The smallest closure is therefore a smallest sink SCC.
4. *Core stability* (Alcalde and Revilla, 2004, for top-responsive preferences; directly here).
   Suppose T blocks. Take, in the order of step 2, the first coalition C that meets T, taken from
   R ⊇ T, and i ∈ T ∩ C. B_k(i, R) ⊆ C, so i's list in C equals its list in R, and its list in
   T ⊆ R is no better; i strictly prefers T only if its list in T is the same (B_k(i, R) ⊆ T)
   and |T| < |C|. Then every member of T ∩ C has its arcs inside T ∩ C, a closed non-empty part
   of the strongly connected C, hence all of C: C ⊆ T and |T| ≥ |C|, a contradiction.

Per round: one CSR digraph over R and one :func:`scipy.sparse.csgraph.connected_components`,
O(|R|·k); re-ranking touches only the players that pointed into the removed coalitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from hedonic.game.coalition_index import canonical_labels

if TYPE_CHECKING:
    from hedonic.game.friends.partner_lists import PartnerLists


def available_cover(lists: PartnerLists, k: int) -> np.ndarray:
    """Coalition label (n,) int64 of every player under the ``available`` Top Cover with ``k`` partners.

    ``lists`` holds the qualifying partners (exact or sampled) and the groups the game is played
    in (labels < 0: not in the game, each its own coalition); it is consumed (R ends empty), so
    pass a copy (:meth:`PartnerLists.within`) of lists that other games will use.
    Coalitions are numbered by smallest member.
    """
    n = lists.n
    labels = np.full(n, -1, dtype=np.int64)
    remaining = np.flatnonzero(lists.alive)
    chosen = np.full((n, k), -1, dtype=np.int64)
    chosen[remaining] = lists.choose(remaining, k)
    position = np.full(n, -1, dtype=np.int64)
    taken_labels = 0
    while len(remaining):
        position[remaining] = np.arange(len(remaining))
        arcs = chosen[remaining]
        present = arcs >= 0
        heads = position[arcs[present]]
        indptr = np.concatenate(([0], np.cumsum(present.sum(axis=1))))
        graph = sp.csr_matrix((np.ones(len(heads), dtype=bool), heads, indptr), shape=(len(remaining), len(remaining)))
        count, components = connected_components(graph, directed=True, connection="strong")
        tails = np.repeat(np.arange(len(remaining)), present.sum(axis=1))
        sink = np.ones(count, dtype=bool)
        sink[components[tails][components[tails] != components[heads]]] = False
        taken = sink[components]
        labels[remaining[taken]] = taken_labels + components[taken]
        taken_labels += count
        lists.remove(remaining[taken])
        remaining = remaining[~taken]
        arcs = chosen[remaining]
        affected = remaining[((arcs >= 0) & ~lists.alive[np.maximum(arcs, 0)]).any(axis=1)]
        chosen[affected] = lists.choose(affected, k)
    outside = labels < 0
    labels[outside] = taken_labels + np.arange(int(outside.sum()))
    return canonical_labels(labels)
