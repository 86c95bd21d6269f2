"""Stage ``data``: query-document pairs, dataset readers, IR features, the demo corpus, batching."""

from hedonic.data.batching import batched_pairs, by_length, iter_batches
from hedonic.data.demo_corpus import (
    TOPIC_GROUPS,
    DemoCorpus,
    DemoCorpusConfig,
    DemoSplit,
    Passage,
    build_demo_corpus,
)
from hedonic.data.ir_features import (
    FEATURE_NAMES,
    CorpusStats,
    IRFeatures,
    bm25_idf,
    bm25_scores,
    bm25_term_weight,
    collection_stats,
    corpus_stats,
    ir_features,
    terms,
)
from hedonic.data.pairs import QueryDocPair, label_array
from hedonic.data.query_lists import balanced_queries, query_groups
from hedonic.data.readers import (
    MSMARCO_COLUMNS,
    PairFormat,
    Qrels,
    attach_qrels,
    iter_jsonl,
    iter_msmarco_tsv,
    read_pairs,
    read_qrels,
)

__all__ = [
    "by_length",
    "FEATURE_NAMES",
    "MSMARCO_COLUMNS",
    "TOPIC_GROUPS",
    "CorpusStats",
    "DemoCorpus",
    "DemoCorpusConfig",
    "DemoSplit",
    "IRFeatures",
    "PairFormat",
    "Passage",
    "Qrels",
    "QueryDocPair",
    "balanced_queries",
    "query_groups",
    "attach_qrels",
    "batched_pairs",
    "bm25_idf",
    "bm25_scores",
    "bm25_term_weight",
    "build_demo_corpus",
    "collection_stats",
    "corpus_stats",
    "ir_features",
    "iter_batches",
    "iter_jsonl",
    "iter_msmarco_tsv",
    "label_array",
    "read_pairs",
    "read_qrels",
    "terms",
]
