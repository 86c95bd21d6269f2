"""The demo corpus: determinism, split disjointness, labels, domains and negatives."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from hedonic.data import (
    TOPIC_GROUPS,
    DemoCorpus,
    DemoCorpusConfig,
    bm25_scores,
    build_demo_corpus,
    label_array,
    terms,
)
from hedonic.errors import ConfigError

SMALL = DemoCorpusConfig(seed=3, max_queries=80)


@pytest.fixture(scope="module")
def corpus() -> DemoCorpus:
    return build_demo_corpus()


def digest(corpus: DemoCorpus) -> str:
    rows = [f"{s.name}|{p.pair_id}|{p.query}|{p.label}|{p.domain}" for s in (corpus.train, corpus.heldout)
            for p in (*s.pairs, *s.candidate_pairs())]  # fmt: skip
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_deterministic_by_seed() -> None:
    first, second = build_demo_corpus(SMALL), build_demo_corpus(SMALL)
    assert first.train == second.train and first.heldout == second.heldout
    other = build_demo_corpus(DemoCorpusConfig(seed=4, max_queries=80))
    assert digest(other) != digest(first)


def test_same_corpus_under_another_hash_seed() -> None:
    """String hashing is randomised per process; the corpus must not depend on it."""
    code = (
        "from hedonic.data import DemoCorpusConfig, build_demo_corpus\n"
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from test_demo_corpus import SMALL, digest\n"
        "print(digest(build_demo_corpus(SMALL)))"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, "-c", code, os.path.dirname(__file__)]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == digest(build_demo_corpus(SMALL))


def test_splits_are_disjoint(corpus: DemoCorpus) -> None:
    for attribute in ("qid", "query"):
        train = {getattr(p, attribute) for p in corpus.train.candidate_pairs()}
        heldout = {getattr(p, attribute) for p in corpus.heldout.candidate_pairs()}
        assert train and heldout and not train & heldout
    sources = {s.name: {p.docid for p in s.pairs if p.label == 1.0} for s in (corpus.train, corpus.heldout)}
    assert not sources["train"] & sources["heldout"]
    share = len(corpus.heldout.candidates) / (len(corpus.heldout.candidates) + len(corpus.train.candidates))
    assert share == pytest.approx(corpus.config.heldout_fraction, abs=0.02)


def test_sizes_allow_a_few_hundred_heldout_pairs(corpus: DemoCorpus) -> None:
    assert len(corpus.passages) > 300
    assert 200 <= len(corpus.heldout.pairs) <= 600
    words = [len(p.text.split()) for p in corpus.passages]
    assert corpus.config.min_words <= min(words) and max(words) <= corpus.config.max_words
    assert len({p.docid for p in corpus.passages}) == len(corpus.passages)


def test_labels_and_candidates(corpus: DemoCorpus) -> None:
    for split in (corpus.train, corpus.heldout):
        assert label_array(split.pairs).tolist() == [1.0, 0.0] * len(split.candidates)
        assert [p.qid for p in split.pairs[0::2]] == list(split.query_ids)
        for group in split.candidates:
            assert len(group) == corpus.config.num_candidates
            assert Counter(p.label for p in group) == {1.0: 1, 0.0: corpus.config.num_candidates - 1}
            assert len({p.docid for p in group}) == len(group) and len({p.qid for p in group}) == 1
        candidate_ids = {p.pair_id for p in split.candidate_pairs()}
        assert {p.pair_id for p in split.pairs} <= candidate_ids
    positions = [next(k for k, p in enumerate(g) if p.label == 1.0) for g in corpus.heldout.candidates]
    assert len(set(positions)) > 1  # the relevant passage is not always in the same place


def test_queries_are_drawn_from_their_passage_but_are_not_copies(corpus: DemoCorpus) -> None:
    for pair in corpus.train.pairs[0::2]:
        query, passage = terms(pair.query), terms(pair.text)
        assert 3 <= len(query) <= 9 and set(query) <= set(passage)
        assert len(query) <= len(passage) / 2


def test_domains(corpus: DemoCorpus) -> None:
    topics = [t for group in TOPIC_GROUPS.values() for t in group]
    assert len(topics) == len(set(topics)) and len(TOPIC_GROUPS) >= 2
    domain_of = {p.docid: p.domain for p in corpus.passages}
    for split in (corpus.train, corpus.heldout):
        assert {p.domain for p in split.pairs} == set(TOPIC_GROUPS)
        for pair in split.candidate_pairs():
            assert pair.domain == domain_of[pair.docid]  # negatives come from the query's domain


def test_negatives_are_hard_and_not_relevant(corpus: DemoCorpus) -> None:
    texts = {p.docid: p.text for p in corpus.passages}
    hard, other = [], []
    for group in corpus.heldout.candidates[:60]:
        query = group[0].query
        pool = [p.docid for p in corpus.passages if p.domain == group[0].domain]
        scores = dict(zip(pool, bm25_scores([query], [texts[d] for d in pool], corpus.stats)[0], strict=True))
        negatives = {p.docid for p in group if p.label == 0.0}
        hard += [scores[d] for d in negatives]
        other += [s for d, s in scores.items() if d not in negatives]
        for docid in negatives:
            assert f" {query} " not in f" {' '.join(terms(texts[docid]))} "
    assert np.mean(hard) > 2 * np.mean(other)


@pytest.mark.parametrize(
    "fields",
    [
        {"min_words": 50, "max_words": 40},
        {"max_queries": 2},
        {"heldout_fraction": 1.0},
        {"num_candidates": 1},
        {"num_candidates": 4, "hard_negatives": 4},
    ],
)
def test_bad_configs(fields: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        DemoCorpusConfig(**fields)  # type: ignore[arg-type]
