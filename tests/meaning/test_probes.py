"""Cross-domain ridge probes on synthetic activations with a known relation and with none."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError, DataError
from hedonic.meaning.probes import DEFAULT_ALPHAS, ProbeScore, cross_domain_scores, fit_probe, probe_summary


def _domains(relation: bool, *, per_domain: int = 60, width: int = 8, seed: int = 0) -> tuple[np.ndarray, dict, list, list]:
    """Two domains with shifted activations; the target is a fixed linear map of them (or independent noise)."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=width)
    x = np.vstack([rng.normal(0.0, 1.0, (per_domain, width)), rng.normal(0.5, 1.5, (per_domain, width))])
    signal = x @ weights + rng.normal(0, 0.3, 2 * per_domain)
    target = signal if relation else rng.normal(size=2 * per_domain)
    domains = ["statements"] * per_domain + ["datamodel"] * per_domain
    queries = [f"q{i // 4}" for i in range(2 * per_domain)]
    return x, {"bm25": target}, domains, queries


def test_a_known_relation_transfers_across_domains() -> None:
    x, targets, domains, queries = _domains(relation=True)
    scores = cross_domain_scores(x, targets, domains, queries, method="hedonic")
    assert {(s.train_domain, s.test_domain) for s in scores} == {("statements", "datamodel"), ("datamodel", "statements")}
    assert all(s.r2 is not None and s.r2 > 0.9 for s in scores)
    assert all(s.cv_r2 is not None and s.cv_r2 > 0.9 for s in scores)
    assert all(s.alpha in DEFAULT_ALPHAS and s.n_features == 8 and s.n_train == 60 for s in scores)


def test_no_relation_gives_no_out_of_domain_r2() -> None:
    x, targets, domains, queries = _domains(relation=False)
    scores = cross_domain_scores(x, targets, domains, queries, method="random")
    assert all(s.r2 is not None and s.r2 < 0.05 for s in scores)


def test_domains_too_small_or_missing_are_left_out() -> None:
    x, targets, _, queries = _domains(relation=True, per_domain=12)
    domains = ["a"] * 10 + ["tiny"] * 4 + [None] * 2 + ["b"] * 8
    scores = cross_domain_scores(x, targets, domains, queries, method="m", min_domain_size=8)
    assert {(s.train_domain, s.test_domain) for s in scores} == {("a", "b"), ("b", "a")}
    assert {s.n_test for s in scores} == {8, 10}
    assert cross_domain_scores(x, targets, domains, queries, method="m", min_domain_size=9) == []
    assert cross_domain_scores(x, targets, ["one"] * 24, queries, method="m") == []
    with pytest.raises(DataError, match="disagree"):
        cross_domain_scores(x[:5], targets, domains, queries, method="m")
    with pytest.raises(ConfigError, match="min_domain_size"):
        cross_domain_scores(x, targets, domains, queries, method="m", min_domain_size=1)


def test_a_constant_target_has_no_r2() -> None:
    x, targets, domains, queries = _domains(relation=True)
    targets = {"bm25": targets["bm25"], "query_length": np.r_[np.arange(60.0), np.full(60, 4.0)]}
    scores = {(s.feature, s.test_domain): s for s in cross_domain_scores(x, targets, domains, queries, method="m")}
    assert scores["query_length", "datamodel"].r2 is None and scores["query_length", "statements"].r2 is not None


def test_the_cv_picks_a_strong_penalty_for_noise_and_a_weak_one_for_signal() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 10))
    targets = np.column_stack([x @ rng.normal(size=10), rng.normal(size=80)])
    fit = fit_probe(x, targets, [str(i // 8) for i in range(80)])
    assert fit.alphas[0] < fit.alphas[1] and fit.cv_r2[0] > 0.95 and fit.cv_r2[1] < 0.05
    with pytest.raises(DataError, match="query group"):
        fit_probe(x, targets, ["same"] * 80)


def _score(method: str, draw: int, r2: float | None, pair: tuple[str, str] = ("a", "b")) -> ProbeScore:
    return ProbeScore(method, draw, "bm25", pair[0], pair[1], 3, 10, 10, 1.0, 0.5, r2)


def test_summary_averages_pairs_then_draws_and_places_methods_among_the_null() -> None:
    scores = [
        _score("hedonic", 0, 0.6),
        _score("hedonic", 0, 0.2, ("b", "a")),
        *(_score("null", d, v) for d, v in enumerate([0.1, 0.3, 0.4, 0.5])),
        _score("kmeans", 0, None),
    ]
    summaries = {s.method: s for s in probe_summary(scores, null="null")}
    assert summaries["hedonic"].mean_r2 == pytest.approx(0.4) and summaries["hedonic"].pairs == 2
    assert summaries["hedonic"].null_share_below == pytest.approx((2 + 0.5) / 4)
    assert summaries["null"].draws == 4 and summaries["null"].std_r2 == pytest.approx(np.std([0.1, 0.3, 0.4, 0.5], ddof=1))
    assert summaries["null"].null_share_below is None
    assert summaries["kmeans"].mean_r2 is None and summaries["kmeans"].null_share_below is None
