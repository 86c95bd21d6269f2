"""Dataset readers: MS MARCO TSV, JSONL, TREC qrels; good files and each malformed case."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from hedonic.data import (
    QueryDocPair,
    attach_qrels,
    iter_jsonl,
    iter_msmarco_tsv,
    label_array,
    read_pairs,
    read_qrels,
)
from hedonic.errors import ConfigError, DataError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- MS MARCO TSV
def test_msmarco_reads_pairs_in_order(tmp_path: Path) -> None:
    path = write(tmp_path / "top1000.tsv", "1\t10\twhat is a list\ta list is a sequence\n\n2\t20\tq two\tdoc two\r\n")
    pairs = read_pairs(path)
    assert pairs == [
        QueryDocPair("1", "10", "what is a list", "a list is a sequence"),
        QueryDocPair("2", "20", "q two", "doc two"),
    ]
    assert [p.pair_id for p in pairs] == ["1:10", "2:20"]


def test_msmarco_is_streamed_and_limited(tmp_path: Path) -> None:
    lines = "".join(f"{q}\t{d}\tquery {q}\tpassage {d}\n" for q in range(3) for d in range(4))
    path = write(tmp_path / "top.tsv", lines + "broken line\n")
    assert [p.pair_id for p in iter_msmarco_tsv(path, limit=5)] == ["0:0", "0:1", "0:2", "0:3", "1:0"]
    stream = iter_msmarco_tsv(path)
    assert next(stream).pair_id == "0:0"  # lazily read: the broken last line is not reached yet


def test_msmarco_gzip(tmp_path: Path) -> None:
    path = tmp_path / "top.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("7\t70\tquery\tpassage\n")
    assert [p.pair_id for p in read_pairs(path)] == ["7:70"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("1\t10\tquery\n", r"top\.tsv:1: expected 4 tab-separated columns .*found 3"),
        ("1\t10\tq\tp\n1\t11\tq\tp\textra\n", r"top\.tsv:2: expected 4 .*found 5"),
        ("1\t10\t  \tpassage\n", r"top\.tsv:1: empty query"),
        ("1\t10\tquery\t\n", r"top\.tsv:1: empty text"),
        ("\t10\tquery\tpassage\n", r"top\.tsv:1: query id '' is empty"),
        ("", r"top\.tsv: dataset is empty"),
        ("\n  \n", r"top\.tsv: dataset is empty"),
    ],
)
def test_msmarco_malformed(tmp_path: Path, content: str, match: str) -> None:
    path = write(tmp_path / "top.tsv", content)
    with pytest.raises(DataError, match=match) as error:
        read_pairs(path)
    assert error.value.hint


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "top.tsv"
    path.write_bytes(b"1\t10\tq\tp\n2\t20\tq\t\xff\xfe\n")
    with pytest.raises(DataError, match=r"top\.tsv:2: not valid UTF-8"):
        read_pairs(path)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_pairs(tmp_path / "absent.tsv")
    with pytest.raises(DataError, match="cannot tell the format"):
        read_pairs(write(tmp_path / "data.txt", "x"))
    with pytest.raises(ConfigError, match="limit must be a positive integer"):
        read_pairs(write(tmp_path / "a.tsv", "1\t2\tq\tp\n"), limit=0)


# ---------------------------------------------------------------- JSONL
def test_jsonl_optional_fields_and_line_ids(tmp_path: Path) -> None:
    records = [
        {"query": "q1", "text": "t1"},
        {"query": "q2", "text": "t2", "qid": 5, "docid": "doc-9", "label": 1, "domain": "web", "extra": [1]},
        {"query": "q3", "text": "t3", "label": None, "domain": None},
        {"query": "q4", "text": "t4", "label": True},
    ]
    path = write(tmp_path / "d.jsonl", "\ufeff" + "\n".join(json.dumps(r) for r in records[:2]) + "\n\n"
                 + "\n".join(json.dumps(r) for r in records[2:]))  # fmt: skip
    pairs = read_pairs(path)
    assert pairs[0] == QueryDocPair("q1", "d1", "q1", "t1")
    assert pairs[1] == QueryDocPair("5", "doc-9", "q2", "t2", 1.0, "web")
    assert (pairs[2].qid, pairs[2].docid, pairs[2].label) == ("q4", "d4", None)  # line 4: a blank line is line 3
    assert pairs[3].label == 1.0
    assert [p.pair_id for p in iter_jsonl(path, limit=2)] == ["q1:d1", "5:doc-9"]


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('{"query": "q", "text": ', r"d\.jsonl:2: not valid JSON"),
        ('["q", "t"]', r"d\.jsonl:2: expected a JSON object, found list"),
        ('{"text": "t"}', r"d\.jsonl:2: missing key 'query'"),
        ('{"query": "q"}', r"d\.jsonl:2: missing key 'text'"),
        ('{"query": "q", "text": 3}', r"d\.jsonl:2: 'text' must be a string"),
        ('{"query": "", "text": "t"}', r"d\.jsonl:2: empty query"),
        ('{"query": "q", "text": " \\n "}', r"d\.jsonl:2: empty text"),
        ('{"query": "q", "text": "t", "label": "1"}', r"d\.jsonl:2: 'label' must be a finite number"),
        ('{"query": "q", "text": "t", "label": NaN}', r"d\.jsonl:2: 'label' must be a finite number"),
        ('{"query": "q", "text": "t", "qid": 1.5}', r"d\.jsonl:2: 'qid' must be a string or an integer"),
        ('{"query": "q", "text": "t", "qid": "a:b"}', r"d\.jsonl:2: query id 'a:b' is empty or contains ':'"),
        ('{"query": "q", "text": "t", "domain": 3}', r"d\.jsonl:2: 'domain' must be a string"),
    ],
)
def test_jsonl_malformed(tmp_path: Path, line: str, match: str) -> None:
    path = write(tmp_path / "d.jsonl", '{"query": "fine", "text": "fine"}\n' + line + "\n")
    with pytest.raises(DataError, match=match) as error:
        read_pairs(path)
    assert error.value.hint


def test_jsonl_empty(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="dataset is empty"):
        read_pairs(write(tmp_path / "d.jsonl", "\n"))


# ---------------------------------------------------------------- qrels
def test_qrels_and_attaching_labels(tmp_path: Path) -> None:
    path = write(tmp_path / "qrels.txt", "1 0 10 1\n1 0 11 0\n\n2 Q0 20 2\n3 0 30 -1\n")
    qrels = read_qrels(path)
    assert qrels == {"1": {"10": 1.0, "11": 0.0}, "2": {"20": 2.0}, "3": {"30": -1.0}}
    pairs = [
        QueryDocPair("1", "10", "q", "t"),
        QueryDocPair("1", "12", "q", "t"),  # judged query, unjudged document
        QueryDocPair("2", "20", "q", "t", label=0.0),
        QueryDocPair("9", "90", "q", "t", label=0.5),  # query without judgements keeps its label
    ]
    labelled = list(attach_qrels(pairs, qrels))
    assert [p.label for p in labelled] == [1.0, 0.0, 2.0, 0.5]
    assert [p.label for p in attach_qrels(pairs, qrels, unjudged=None)][1] is None
    assert label_array(labelled).tolist() == [1.0, 0.0, 2.0, 0.5]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("1 0 10\n", r"qrels\.txt:1: expected 4 whitespace-separated columns"),
        ("1 0 10 1\n1 0 10 yes\n", r"qrels\.txt:2: relevance 'yes' is not a finite number"),
        ("1 0 10 1\n1 0 11 nan\n", r"qrels\.txt:2: relevance 'nan' is not a finite number"),
        ("1 0 10 -inf\n", r"qrels\.txt:1: relevance '-inf' is not a finite number"),
        ("1 0 10 1\n1 0 10 0\n", r"qrels\.txt:2: document '10' judged twice for query '1'"),
        ("\n", r"qrels file is empty"),
    ],
)
def test_qrels_malformed(tmp_path: Path, content: str, match: str) -> None:
    with pytest.raises(DataError, match=match):
        read_qrels(write(tmp_path / "qrels.txt", content))


def test_label_array_requires_labels() -> None:
    with pytest.raises(DataError, match=r"1 of 2 pairs have no label \(first: a:b\)"):
        label_array([QueryDocPair("a", "b", "q", "t"), QueryDocPair("a", "c", "q", "t", 1.0)])


# ---------------------------------------------------------------- issue 18: repeated pairs, huge lines, format hint
@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        (
            "top.tsv",
            "1\t10\tq\tt\n1\t11\tq\tt\n\n1\t10\tq\tother\n",
            r"top\.tsv:4: the pair \(qid '1', docid '10'\) already appears at line 1",
        ),
        (
            "pairs.jsonl",
            '{"qid": "a", "docid": 1, "query": "q", "text": "t"}\n{"qid": "a", "docid": "1", "query": "q", "text": "u"}\n',
            r"pairs\.jsonl:2: the pair \(qid 'a', docid '1'\) already appears at line 1",
        ),
    ],
)
def test_a_repeated_pair_is_refused_with_file_and_line(tmp_path: Path, name: str, content: str, match: str) -> None:
    """Issue 18 item 7: duplicates were counted twice in the statistics without a warning."""
    with pytest.raises(DataError, match=match):
        read_pairs(write(tmp_path / name, content))


def test_max_chars_cuts_query_and_text_as_they_are_read(tmp_path: Path) -> None:
    """Issue 18 item 13: a huge line is cut once, when read, not by every tokenisation."""
    huge = "word " * 200_000
    path = write(tmp_path / "big.jsonl", json.dumps({"query": huge, "text": huge}) + "\n" + json.dumps({"query": "q", "text": "t"}) + "\n")
    first, second = read_pairs(path, max_chars=100)
    assert first.query == huge[:100] and first.text == huge[:100] and second.text == "t"
    tsv = write(tmp_path / "big.tsv", f"1\t2\t{huge}\t{huge}\n")
    assert len(read_pairs(tsv, max_chars=64)[0].text) == 64
    with pytest.raises(ConfigError, match="max_chars"):
        read_pairs(path, max_chars=0)


def test_an_unknown_extension_names_the_accepted_ones_without_a_format_option(tmp_path: Path) -> None:
    """Issue 18 item 12: the hint offered a format option the configuration does not have."""
    with pytest.raises(DataError) as raised:
        read_pairs(write(tmp_path / "pairs.csv", "x\n"))
    assert raised.value.hint is not None and "explicitly" not in raised.value.hint and ".jsonl" in raised.value.hint
