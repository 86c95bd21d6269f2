"""Streaming readers for query-document datasets (MS MARCO top-1000 TSV, JSONL) and TREC qrels.

Files are UTF-8 text (a leading byte-order mark is dropped), optionally gzip-compressed (a ``.gz``
name). Line numbers in errors count from 1. Blank lines are skipped. The ``iter_*`` readers yield
one pair at a time, so a 1000-candidates-per-query file is never held in memory by the reader (only
the ids of the pairs read so far, to refuse a repeated (qid, docid) pair); they raise
:class:`DataError` (file, line, what was expected) on the first malformed or repeated line, and
``"dataset is empty"`` when the file holds no pair. ``max_chars`` cuts the query and the text of
every pair to that many characters as it is read, so a huge line costs its own size once and
never reaches the tokenizer whole.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from hedonic.data.pairs import QueryDocPair
from hedonic.errors import ConfigError, DataError

PairFormat = Literal["msmarco", "jsonl"]
"""Dataset formats understood by :func:`read_pairs`."""

MSMARCO_COLUMNS = ("qid", "pid", "query", "passage")
"""Columns of an MS MARCO top-1000 TSV line, tab-separated, in this order."""

Qrels = dict[str, dict[str, float]]
"""Relevance judgements: qid → docid → graded relevance."""


def iter_msmarco_tsv(path: str | Path, *, limit: int | None = None, max_chars: int | None = None) -> Iterator[QueryDocPair]:
    """Yield the pairs of an MS MARCO top-1000 file: ``qid \\t pid \\t query \\t passage`` per line.

    ``limit``: stop after this many pairs (None: read the whole file); ``max_chars``: cut query
    and passage to this many characters (None: keep them whole). Labels are None (attach them
    from qrels with :func:`attach_qrels`). A (qid, pid) pair repeated raises :class:`DataError`.
    """
    source = Path(path)
    count = 0
    seen = _PairLines(source)
    for number, line in _lines(source, _check_limit(limit)):
        columns = line.split("\t")
        if len(columns) != len(MSMARCO_COLUMNS):
            raise DataError(
                f"{source}:{number}: expected {len(MSMARCO_COLUMNS)} tab-separated columns "
                f"({', '.join(MSMARCO_COLUMNS)}), found {len(columns)}",
                hint="MS MARCO top-1000 lines are 'qid<TAB>pid<TAB>query<TAB>passage'; remove stray tabs",
            )
        qid, pid, query, passage = columns
        pair = _pair(source, number, qid=qid.strip(), docid=pid.strip(), query=query[:max_chars], text=passage[:max_chars])
        yield seen.check(pair, number)
        count += 1
    _check_not_empty(source, count)


def iter_jsonl(path: str | Path, *, limit: int | None = None, max_chars: int | None = None) -> Iterator[QueryDocPair]:
    """Yield the pairs of a JSON-lines file, one object per line.

    Required keys: ``query`` and ``text`` (strings). Optional: ``qid`` and ``docid`` (string or
    integer; when missing, ``q<line>`` and ``d<line>`` from the 1-based line number), ``label``
    (number, boolean or null), ``domain`` (string or null). Other keys are ignored. ``limit`` and
    ``max_chars`` as in :func:`iter_msmarco_tsv`; a repeated (qid, docid) raises :class:`DataError`.
    """
    source = Path(path)
    count = 0
    seen = _PairLines(source)
    for number, line in _lines(source, _check_limit(limit)):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{source}:{number}: not valid JSON ({exc.msg}, column {exc.colno})",
                hint="write one JSON object per line (JSON lines)",
            ) from exc
        if not isinstance(record, dict):
            raise DataError(
                f"{source}:{number}: expected a JSON object, found {type(record).__name__}",
                hint='write one object per line, e.g. {"query": "...", "text": "..."}',
            )
        pair = _pair(
            source,
            number,
            qid=_identifier(source, number, record, "qid", f"q{number}"),
            docid=_identifier(source, number, record, "docid", f"d{number}"),
            query=_string(source, number, record, "query")[:max_chars],
            text=_string(source, number, record, "text")[:max_chars],
            label=_label(source, number, record.get("label")),
            domain=_optional_string(source, number, record, "domain"),
        )
        yield seen.check(pair, number)
        count += 1
    _check_not_empty(source, count)


def read_pairs(
    path: str | Path, *, format: PairFormat | None = None, limit: int | None = None, max_chars: int | None = None
) -> list[QueryDocPair]:
    """Read a whole dataset into a list of pairs (``limit``, ``max_chars``: see :func:`iter_msmarco_tsv`).

    ``format``: ``"msmarco"`` or ``"jsonl"``; None infers it from the name (``.tsv`` → msmarco,
    ``.jsonl`` → jsonl, either optionally followed by ``.gz``).
    """
    source = Path(path)
    chosen = format or _infer_format(source)
    readers = {"msmarco": iter_msmarco_tsv, "jsonl": iter_jsonl}
    if chosen not in readers:
        raise ConfigError(f"unknown dataset format {chosen!r}", hint="use 'msmarco' or 'jsonl'")
    if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1):
        raise ConfigError(f"max_chars must be a positive integer or None, got {max_chars!r}", hint="pass e.g. max_chars=8192")
    return list(readers[chosen](source, limit=limit, max_chars=max_chars))


def read_qrels(path: str | Path) -> Qrels:
    """Read TREC qrels: ``qid iteration docid relevance`` per line, whitespace-separated.

    Returns qid → docid → relevance (float; graded, may be negative). The iteration column is
    ignored. A (qid, docid) judged twice, a relevance that is not a finite number (NaN, inf), or
    an empty file raise :class:`DataError` naming the file and line.
    """
    source = Path(path)
    qrels: Qrels = {}
    for number, line in _lines(source, None):
        columns = line.split()
        if len(columns) != 4:
            raise DataError(
                f"{source}:{number}: expected 4 whitespace-separated columns (qid, iteration, docid, relevance), found {len(columns)}",
                hint="TREC qrels lines look like '1048585 0 7187158 1'",
            )
        qid, _iteration, docid, relevance = columns
        try:
            value = float(relevance)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DataError(
                f"{source}:{number}: relevance {relevance!r} is not a finite number",
                hint="the fourth column holds the graded relevance, e.g. 0, 1, 2",
            )
        judged = qrels.setdefault(qid, {})
        if docid in judged:
            raise DataError(
                f"{source}:{number}: document {docid!r} judged twice for query {qid!r}",
                hint="keep one judgement per (query, document)",
            )
        judged[docid] = value
    if not qrels:
        raise DataError(f"{source}: qrels file is empty", hint="pass a file with at least one judgement")
    return qrels


def attach_qrels(
    pairs: Iterable[QueryDocPair], qrels: Mapping[str, Mapping[str, float]], *, unjudged: float | None = 0.0
) -> Iterator[QueryDocPair]:
    """Yield the pairs with their labels taken from ``qrels``.

    A pair whose query has judgements gets its document's relevance, or ``unjudged`` when the
    document is not judged (TREC convention: 0, non-relevant). Pairs of queries without any
    judgement keep their label.
    """
    for pair in pairs:
        judged = qrels.get(pair.qid)
        if judged is None:
            yield pair
        else:
            yield dataclasses.replace(pair, label=judged.get(pair.docid, unjudged))


def _infer_format(source: Path) -> PairFormat:
    suffixes = [s.lower() for s in source.suffixes]
    if suffixes[-1:] == [".gz"]:
        suffixes = suffixes[:-1]
    if suffixes[-1:] == [".tsv"]:
        return "msmarco"
    if suffixes[-1:] == [".jsonl"]:
        return "jsonl"
    raise DataError(
        f"cannot tell the format of {source} from its name",
        hint="name the file .tsv (MS MARCO top-1000) or .jsonl, optionally followed by .gz",
    )


class _PairLines:
    """The line of every (qid, docid) pair read so far from ``source``, to refuse a repeated pair."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.lines: dict[tuple[str, str], int] = {}

    def check(self, pair: QueryDocPair, number: int) -> QueryDocPair:
        """``pair`` (read at line ``number``); :class:`DataError` naming both lines when it was read before."""
        first = self.lines.setdefault((pair.qid, pair.docid), number)
        if first != number:
            raise DataError(
                f"{self.source}:{number}: the pair (qid {pair.qid!r}, docid {pair.docid!r}) already appears at line {first}",
                hint="remove the repeated line: a pair listed twice would count twice in the statistics",
            )
        return pair


def _check_limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"limit must be a positive integer or None, got {limit!r}", hint="pass e.g. limit=1000")
    return limit


def _lines(source: Path, limit: int | None) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its line break) for the non-blank lines, at most ``limit``."""
    if not source.is_file():
        raise DataError(f"dataset file {source} does not exist", hint="check the path")
    opener = gzip.open if source.suffix.lower() == ".gz" else open
    yielded = 0
    try:
        with opener(source, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if limit is not None and yielded >= limit:
                    return
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    raise DataError(f"{source}:{number}: not valid UTF-8 ({exc.reason})", hint="re-encode the file as UTF-8") from exc
                if line.strip():
                    yielded += 1
                    yield number, line
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {source} ({exc})", hint="check that the file is readable and not truncated") from exc


def _check_not_empty(source: Path, count: int) -> None:
    if count == 0:
        raise DataError(f"{source}: dataset is empty", hint="pass a file with at least one query-document pair")


def _pair(source: Path, number: int, **fields: Any) -> QueryDocPair:
    try:
        return QueryDocPair(**fields)
    except DataError as exc:
        raise DataError(f"{source}:{number}: {exc.message}", hint=exc.hint) from exc


def _string(source: Path, number: int, record: dict[str, Any], key: str) -> str:
    if key not in record:
        raise DataError(
            f"{source}:{number}: missing key {key!r}",
            hint='every line needs "query" and "text" strings',
        )
    value = record[key]
    if not isinstance(value, str):
        raise DataError(f"{source}:{number}: {key!r} must be a string, found {type(value).__name__}", hint=f"quote the {key}")
    return value


def _optional_string(source: Path, number: int, record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    return _string(source, number, record, key)


def _identifier(source: Path, number: int, record: dict[str, Any], key: str, default: str) -> str:
    value = record.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataError(
            f"{source}:{number}: {key!r} must be a string or an integer, found {type(value).__name__}",
            hint=f"write {key} as a string, or leave it out to number lines",
        )
    return str(value)


def _label(source: Path, number: int, value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise DataError(
            f"{source}:{number}: 'label' must be a finite number, a boolean or null, found {value!r}",
            hint="write the relevance as a number, e.g. 0 or 1",
        )
    return float(value)
