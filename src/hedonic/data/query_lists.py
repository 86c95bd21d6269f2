"""Candidate lists: the pairs of each query, and a domain-balanced choice of lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hedonic.errors import ConfigError, DataError

if TYPE_CHECKING:
    from hedonic.data.pairs import QueryDocPair


def query_groups(pairs: Sequence[QueryDocPair]) -> list[tuple[QueryDocPair, ...]]:
    """The candidate lists of ``pairs``: the pairs of each (domain, qid), in order of first appearance.

    Within a list the pairs keep their input order. Raises :class:`DataError` when a list holds
    the same document twice.
    """
    groups: dict[tuple[str | None, str], list[QueryDocPair]] = {}
    for pair in pairs:
        groups.setdefault((pair.domain, pair.qid), []).append(pair)
    for (_, qid), members in groups.items():
        docids = [pair.docid for pair in members]
        if len(set(docids)) != len(docids):
            raise DataError(
                f"query {qid!r} lists a document twice",
                hint="give each query one entry per candidate document",
            )
    return [tuple(members) for members in groups.values()]


def balanced_queries(groups: Sequence[Sequence[QueryDocPair]], limit: int | None, *, seed: int = 0) -> list[tuple[QueryDocPair, ...]]:
    """At most ``limit`` candidate lists, spread evenly over the domains, kept in input order.

    Lists are shuffled within each domain (seeded), then taken round-robin over the domains in
    order of first appearance until ``limit`` are chosen. None keeps all.
    """
    lists = [tuple(group) for group in groups]
    if limit is None or len(lists) <= limit:
        return lists
    if limit < 1:
        raise ConfigError(f"the query limit must be ≥ 1, got {limit}", hint="e.g. 30")
    rng = np.random.default_rng(seed)
    by_domain: dict[str | None, list[int]] = {}
    for position, group in enumerate(lists):
        by_domain.setdefault(group[0].domain, []).append(position)
    queues = [list(rng.permutation(positions)) for positions in by_domain.values()]
    chosen: list[int] = []
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(int(queue.pop(0)))
    return [lists[position] for position in sorted(chosen)]
