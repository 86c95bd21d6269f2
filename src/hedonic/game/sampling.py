"""The coalition distribution D of the PAC game: samples as padded arrays of player indices.

A batch of m coalitions is an (m, w) int64 array: row r holds the members of coalition r
(distinct player indices 0..n-1) followed by -1 padding. The default D draws a size uniformly in
[2, max_k], then that many distinct players uniformly (Floyd's algorithm, vectorised over rows:
max_k steps of O(m·max_k) work, exactly uniform subsets). A user-given sampler is any callable
``sampler(rng, m) -> (m, w) array`` in this format, drawing from ``rng`` only, so that a seed fixes
its output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from hedonic.errors import ConfigError

Sampler = Callable[[np.random.Generator, int], np.ndarray]
"""Draws m coalitions from D with the given generator: (rng, m) -> (m, w) int64, -1 padded."""

CHUNK_SAMPLES = 65536
"""Coalitions drawn per call of a sampler, bounding memory for large m."""


def uniform_coalitions(rng: np.random.Generator, n: int, m: int, max_k: int) -> np.ndarray:
    """Draw m coalitions of n players: sizes uniform in [2, min(max_k, n)], members uniform.

    Returns (m, min(max_k, n)) int64, members then -1 padding. Requires n >= 2 and max_k >= 2.
    """
    if n < 2 or max_k < 2:
        raise ConfigError(
            f"cannot sample coalitions of size >= 2 from {n} players with max_k={max_k}", hint="use n >= 2 players and max_k >= 2"
        )
    width = min(max_k, n)
    sizes = rng.integers(2, width + 1, size=m)
    out = np.full((m, width), -1, dtype=np.int64)
    for step in range(width):
        active = step < sizes
        top = n - sizes + step
        draw = rng.integers(0, top + 1)
        taken = (out[:, :step] == draw[:, None]).any(axis=1)
        out[:, step] = np.where(active, np.where(taken, top, draw), -1)
    return out


def uniform_sampler(n: int, max_k: int) -> Sampler:
    """The default D over n players as a :data:`Sampler` (see :func:`uniform_coalitions`)."""

    def sample(rng: np.random.Generator, m: int) -> np.ndarray:
        return uniform_coalitions(rng, n, m, max_k)

    return sample


def check_samples(samples: np.ndarray, n: int) -> np.ndarray:
    """Validate a sampler's output: (m, w) integers in [-1, n), no player twice in a row.

    Returns it as int64; raises :class:`ConfigError` naming the problem.
    """
    samples = np.asarray(samples)
    if samples.ndim != 2 or not np.issubdtype(samples.dtype, np.integer):
        raise ConfigError(
            f"a sampler must return an (m, w) integer array, got {samples.dtype} {samples.shape}",
            hint="return member indices padded with -1",
        )
    samples = samples.astype(np.int64)
    if samples.size and (samples.min() < -1 or samples.max() >= n):
        raise ConfigError(f"sampled player indices must lie in 0..{n - 1} (or -1 for padding)", hint="fix the sampler")
    ordered = np.sort(samples, axis=1)
    if ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any():
        raise ConfigError("a sampled coalition lists a player twice", hint="draw members without replacement")
    return samples


def draw_in_chunks(sampler: Sampler, rng: np.random.Generator, m: int, n: int) -> Iterator[np.ndarray]:
    """Yield m validated coalitions from ``sampler`` in chunks of at most :data:`CHUNK_SAMPLES` rows."""
    for start in range(0, m, CHUNK_SAMPLES):
        yield check_samples(sampler(rng, min(CHUNK_SAMPLES, m - start)), n)
