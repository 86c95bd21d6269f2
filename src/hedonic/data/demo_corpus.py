"""An offline relevance corpus cut from CPython's bundled reference texts (``pydoc_data.topics``).

How it is built, deterministically from ``seed`` (no other randomness is involved):

1. Topics. The reference topics listed in :data:`TOPIC_GROUPS` are read, each belonging to exactly
   one domain: ``statements`` (simple and compound statements, naming and exceptions),
   ``expressions`` (expressions, operators and literals) or ``datamodel`` (the data model and the
   built-in types). Aggregate topics that repeat others verbatim (``compound``, ``specialnames``,
   ``execmodel``, ...) and the ``debugger`` manual are left out; topics of other Python versions
   that are not listed are ignored.
2. Passages. Lines without a word character (underlines, table borders) are dropped, runs of
   four or more equal punctuation marks are shortened to one, whitespace is collapsed, and each
   topic is cut greedily into passages of ``min_words``..``max_words`` whitespace-separated words, ending at
   a paragraph end where possible, else at a sentence end, else after ``max_words`` words; a tail
   shorter than ``min_words`` is dropped. A passage sharing more than half of its 8-token shingles
   with earlier passages is dropped (no near-duplicates, hence no unlabelled relevant passages).
3. Queries, one per source passage (all passages, or ``max_queries`` of them drawn at random),
   built from the passage's tokens (:func:`hedonic.data.ir_features.terms`), of a kind drawn by a
   seeded coin: ``keywords`` = 3–5 of the passage's 8 most salient tokens (tf·ln(N/df) over the
   passages; tokens of ≥ 3 characters, not numbers), in passage order; ``fragment`` = a run of 5–9
   consecutive tokens with at least 3 salient ones (falling back to keywords).
4. Negatives, from the source passage's domain only, excluding passages that would be relevant too
   (holding every keyword of a keywords query, or the token run of a fragment query): the
   ``hard_negatives`` passages with the highest BM25 for the query (collection statistics of all
   passages, k1 = 1.2, b = 0.75), then random ones up to ``num_candidates − 1``.
5. Split by source passage, per domain: ``heldout_fraction`` of the queries (at least one per
   domain) are held out, the rest train; no query or source passage is in both splits.

Each split holds balanced ``pairs`` (per query: the source passage, label 1, then one negative,
label 0 — the hardest BM25 negative for half of the queries by a seeded coin, a random one
otherwise) and ``candidates`` (per query: the source passage and its ``num_candidates − 1``
negatives, in seeded random order) for ranking metrics. Every pair's ``domain`` is its query's
domain; ids are ``<topic>-<k>`` for passages and ``q-<docid of the source>`` for queries.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from math import log

from hedonic.data.ir_features import CorpusStats, bm25_scores, corpus_stats, terms
from hedonic.data.pairs import QueryDocPair
from hedonic.errors import ConfigError, DataError

TOPIC_GROUPS: dict[str, tuple[str, ...]] = {
    "statements": (
        "assert", "assignment", "async", "break", "class", "continue", "del", "exceptions", "for",
        "function", "global", "if", "import", "naming", "nonlocal", "pass", "raise", "return", "try",
        "while", "with", "yield",
    ),
    "expressions": (
        "atom-identifiers", "atom-literals", "attribute-references", "await", "binary", "bitwise",
        "booleans", "calls", "comparisons", "conversions", "dict", "exprlists", "floating",
        "formatstrings", "identifiers", "imaginary", "integers", "lambda", "lists", "numbers",
        "operator-summary", "power", "shifting", "slicings", "strings", "subscriptions", "unary",
    ),
    "datamodel": (
        "attribute-access", "bltin-code-objects", "bltin-ellipsis-object", "bltin-null-object",
        "bltin-type-objects", "callable-types", "context-managers", "customization", "numeric-types",
        "objects", "sequence-types", "specialattrs", "string-methods", "truth", "types",
        "typesfunctions", "typesmapping", "typesmethods", "typesmodules", "typesseq",
    ),
}  # fmt: skip
"""Domain → the pydoc topics it is made of (disjoint groups)."""

SHINGLE = 8
"""Length (tokens) of the shingles that detect near-duplicate passages."""

SALIENT_POOL = 8
"""A keywords query draws its terms from the passage's this many most salient tokens."""

BM25_K1 = 1.2
BM25_B = 0.75
"""BM25 parameters of the hard-negative search."""


@dataclass(frozen=True)
class DemoCorpusConfig:
    """Parameters of :func:`build_demo_corpus` (see the module docstring).

    The defaults give 876 passages of 30–60 words (about 85 MiniLM tokens on average), 611 train
    and 263 held-out queries (526 balanced pairs, 2104 candidate pairs) with CPython 3.11's topics;
    short passages keep the demo's forward passes cheap on a CPU.
    """

    seed: int = 0
    min_words: int = 30
    max_words: int = 60
    max_queries: int | None = None
    heldout_fraction: float = 0.3
    num_candidates: int = 8
    hard_negatives: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.min_words <= self.max_words:
            raise ConfigError(
                f"passage sizes need 1 ≤ min_words ≤ max_words, got {self.min_words}, {self.max_words}",
                hint="e.g. min_words=40, max_words=100",
            )
        if self.max_queries is not None and self.max_queries < 4:
            raise ConfigError(f"max_queries must be ≥ 4 or None, got {self.max_queries}", hint="e.g. max_queries=200")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ConfigError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}", hint="e.g. 0.3")
        if self.num_candidates < 2 or not 0 <= self.hard_negatives <= self.num_candidates - 1:
            raise ConfigError(
                f"need num_candidates ≥ 2 and 0 ≤ hard_negatives ≤ num_candidates − 1, got {self.num_candidates}, {self.hard_negatives}",
                hint="e.g. num_candidates=8, hard_negatives=4",
            )


@dataclass(frozen=True)
class Passage:
    """A passage of the demo corpus: its id, source topic, domain and text."""

    docid: str
    topic: str
    domain: str
    text: str


@dataclass(frozen=True)
class DemoSplit:
    """One split: balanced ``pairs`` and per-query ``candidates`` (see the module docstring)."""

    name: str
    pairs: tuple[QueryDocPair, ...]
    candidates: tuple[tuple[QueryDocPair, ...], ...]

    @property
    def query_ids(self) -> tuple[str, ...]:
        """The split's query ids, in candidate-list order."""
        return tuple(group[0].qid for group in self.candidates)

    def candidate_pairs(self) -> list[QueryDocPair]:
        """All candidate lists flattened, query by query."""
        return [pair for group in self.candidates for pair in group]


@dataclass(frozen=True)
class DemoCorpus:
    """The demo corpus: passages, the two splits, and BM25 statistics of all passages."""

    config: DemoCorpusConfig
    passages: tuple[Passage, ...]
    train: DemoSplit
    heldout: DemoSplit
    stats: CorpusStats = field(repr=False)

    @property
    def domains(self) -> tuple[str, ...]:
        """The domains, in :data:`TOPIC_GROUPS` order."""
        return tuple(TOPIC_GROUPS)


@dataclass(frozen=True)
class _Query:
    qid: str
    text: str
    tokens: tuple[str, ...]
    kind: str
    source: int


def build_demo_corpus(config: DemoCorpusConfig | None = None) -> DemoCorpus:
    """Build the demo corpus from ``pydoc_data.topics`` (offline, deterministic by ``config.seed``)."""
    from pydoc_data.topics import topics

    config = config or DemoCorpusConfig()
    rng = random.Random(config.seed)
    passages = _passages(topics, config.min_words, config.max_words)
    if len(passages) < 2 * len(TOPIC_GROUPS):
        raise DataError(
            f"only {len(passages)} passages could be cut from pydoc_data.topics",
            hint="lower min_words, or check that this Python ships its reference topics",
        )
    tokens = [tuple(terms(p.text)) for p in passages]
    stats = corpus_stats(p.text for p in passages)
    queries = _queries(passages, tokens, stats, config, rng)
    split_of = _split(passages, queries, config, rng)
    negatives = _negatives(passages, tokens, queries, stats, config, rng)
    splits = {}
    for name in ("train", "heldout"):
        chosen = [q for q in queries if split_of[q.qid] == name]
        splits[name] = _make_split(name, chosen, negatives, passages, config.hard_negatives, rng)
    return DemoCorpus(config, tuple(passages), splits["train"], splits["heldout"], stats)


def _passages(topics: dict[str, str], min_words: int, max_words: int) -> list[Passage]:
    passages: list[Passage] = []
    seen: set[tuple[str, ...]] = set()
    for domain, names in TOPIC_GROUPS.items():
        for topic in names:
            if topic not in topics:
                continue
            for index, text in enumerate(_cut(topics[topic], min_words, max_words)):
                shingles = _shingles(terms(text))
                if shingles and len(shingles & seen) > len(shingles) / 2:
                    continue
                seen |= shingles
                passages.append(Passage(f"{topic}-{index}", topic, domain, text))
    return passages


def _shingles(tokens: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


_NO_WORD = re.compile(r"^[^\w]*$")
_REPEATED = re.compile(r"([^\w\s])\1{3,}")
_SENTENCE_END = re.compile(r"[.!?:]['\")]*$")


def _cut(text: str, min_words: int, max_words: int) -> Iterator[str]:
    """Passages of one topic: word windows ending at paragraph, else sentence, else hard ends."""
    words: list[str] = []
    paragraph_ends: set[int] = set()
    for paragraph in re.split(r"\n\s*\n", text):
        kept = [_REPEATED.sub(r"\1", line) for line in paragraph.splitlines() if not _NO_WORD.match(line)]
        words.extend(" ".join(kept).split())
        paragraph_ends.add(len(words))
    start = 0
    while len(words) - start >= min_words:
        window = range(start + min_words, min(start + max_words, len(words)) + 1)
        ends = [e for e in window if e in paragraph_ends] or [e for e in window if _SENTENCE_END.search(words[e - 1])]
        end = ends[-1] if ends else window[-1]
        yield " ".join(words[start:end])
        start = end


def _salient(tokens: Sequence[str], stats: CorpusStats) -> list[str]:
    """The passage's most salient tokens by tf·ln(N/df), ties broken alphabetically."""
    counts = Counter(t for t in tokens if len(t) >= 3 and not t.isdigit())
    score = {t: c * log(stats.num_documents / stats.document_frequency[t]) for t, c in counts.items()}
    return sorted((t for t in score if score[t] > 0), key=lambda t: (-score[t], t))[:SALIENT_POOL]


def _queries(
    passages: Sequence[Passage],
    tokens: Sequence[tuple[str, ...]],
    stats: CorpusStats,
    config: DemoCorpusConfig,
    rng: random.Random,
) -> list[_Query]:
    sources = list(range(len(passages)))
    if config.max_queries is not None and config.max_queries < len(sources):
        sources = sorted(rng.sample(sources, config.max_queries))
    queries: list[_Query] = []
    seen: set[str] = set()
    for source in sources:
        salient = _salient(tokens[source], stats)
        if len(salient) < 3:
            continue
        kind = "fragment" if rng.random() < 0.5 else "keywords"
        query = _fragment(tokens[source], set(salient), rng) if kind == "fragment" else None
        if query is None:
            kind = "keywords"
            picked = set(rng.sample(salient, rng.randint(3, min(5, len(salient)))))
            query = tuple(dict.fromkeys(t for t in tokens[source] if t in picked))
        text = " ".join(query)
        if text in seen:
            continue
        seen.add(text)
        queries.append(_Query(f"q-{passages[source].docid}", text, query, kind, source))
    return queries


def _fragment(tokens: Sequence[str], salient: set[str], rng: random.Random) -> tuple[str, ...] | None:
    for _attempt in range(10):
        length = rng.randint(5, 9)
        if len(tokens) < length:
            return None
        start = rng.randint(0, len(tokens) - length)
        run = tuple(tokens[start : start + length])
        if sum(t in salient for t in run) >= 3:
            return run
    return None


def _split(passages: Sequence[Passage], queries: Sequence[_Query], config: DemoCorpusConfig, rng: random.Random) -> dict[str, str]:
    split_of: dict[str, str] = {}
    for domain in TOPIC_GROUPS:
        qids = [q.qid for q in queries if passages[q.source].domain == domain]
        rng.shuffle(qids)
        held = max(1, round(config.heldout_fraction * len(qids))) if len(qids) >= 2 else 0
        split_of.update({qid: "heldout" if k < held else "train" for k, qid in enumerate(qids)})
    if "heldout" not in split_of.values() or "train" not in split_of.values():
        raise DataError("too few queries to split into train and held-out", hint="raise max_queries")
    return split_of


def _negatives(
    passages: Sequence[Passage],
    tokens: Sequence[tuple[str, ...]],
    queries: Sequence[_Query],
    stats: CorpusStats,
    config: DemoCorpusConfig,
    rng: random.Random,
) -> dict[str, list[int]]:
    """qid → negative passage indices: hard ones by decreasing BM25 first, then random ones."""
    wanted = config.num_candidates - 1
    result: dict[str, list[int]] = {}
    for domain in TOPIC_GROUPS:
        pool = [k for k, p in enumerate(passages) if p.domain == domain]
        position = {k: column for column, k in enumerate(pool)}
        group = [q for q in queries if passages[q.source].domain == domain]
        if not group:
            continue
        scores = bm25_scores([q.text for q in group], [passages[k].text for k in pool], stats, k1=BM25_K1, b=BM25_B)
        for query, row in zip(group, scores, strict=True):
            eligible = [k for k in pool if k != query.source and not _also_relevant(query, tokens[k])]
            if len(eligible) < wanted:
                raise DataError(
                    f"query {query.qid} has only {len(eligible)} possible negatives, {wanted} needed",
                    hint="lower num_candidates",
                )
            by_score = sorted(eligible, key=lambda k: (-row[position[k]], k))
            hard = by_score[: config.hard_negatives]
            rest = sorted(set(eligible) - set(hard))
            result[query.qid] = hard + rng.sample(rest, wanted - len(hard))
    return result


def _also_relevant(query: _Query, passage_tokens: tuple[str, ...]) -> bool:
    """Whether a passage answers the query as well as its source does (and so is no negative)."""
    if query.kind == "keywords":
        return set(query.tokens) <= set(passage_tokens)
    return f" {query.text} " in f" {' '.join(passage_tokens)} "


def _make_split(
    name: str,
    queries: Sequence[_Query],
    negatives: dict[str, list[int]],
    passages: Sequence[Passage],
    hard_negatives: int,
    rng: random.Random,
) -> DemoSplit:
    def pair(query: _Query, index: int, label: float) -> QueryDocPair:
        passage = passages[index]
        domain = passages[query.source].domain
        return QueryDocPair(query.qid, passage.docid, query.text, passage.text, label, domain)

    pairs: list[QueryDocPair] = []
    candidates: list[tuple[QueryDocPair, ...]] = []
    for query in queries:
        chosen = negatives[query.qid]
        hard_first = hard_negatives > 0 and rng.random() < 0.5
        balanced_negative = chosen[0] if hard_first else rng.choice(chosen[hard_negatives:] or chosen)
        pairs += [pair(query, query.source, 1.0), pair(query, balanced_negative, 0.0)]
        group = [pair(query, query.source, 1.0)] + [pair(query, k, 0.0) for k in chosen]
        rng.shuffle(group)
        candidates.append(tuple(group))
    return DemoSplit(name, tuple(pairs), tuple(candidates))
