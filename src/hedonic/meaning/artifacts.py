"""The meaning stage's file, plain JSON with a kind and format version, written atomically, validated on load.

Kind ``"meaning"``, format version 2 (:func:`save_meaning` / :func:`load_meaning`): the fields of
:class:`~hedonic.meaning.explain.MeaningResult` (see that module); its importance comparison is a
comparison payload (:func:`hedonic.evaluation.artifacts.comparison_from_payload`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.artifacts import read_json, write_json
from hedonic.errors import ArtifactError, ConfigError
from hedonic.evaluation.artifacts import comparison_from_payload
from hedonic.meaning.explain import MeaningResult, MeaningSettings
from hedonic.meaning.importance import GroupImportance, ImportanceResult, NeuronGroup, NullContrast
from hedonic.meaning.interpretation import AlignmentSummary, FeatureCorrelation, InterpretationResult, TopInput
from hedonic.meaning.probes import ProbeScore, ProbeSummary

MEANING_KIND = "meaning"


MEANING_FORMAT_VERSION = 2


def save_meaning(result: MeaningResult, path: str | Path) -> Path:
    """Write ``result`` as a JSON artifact (kind ``meaning``, format version 2), atomically; returns the path."""
    payload = asdict(result)
    payload["features"] = {name: np.asarray(values) for name, values in result.features.items()}
    return write_json(path, MEANING_KIND, MEANING_FORMAT_VERSION, payload)


def load_meaning(path: str | Path) -> MeaningResult:
    """Read a meaning artifact written by :func:`save_meaning`.

    Raises :class:`ArtifactError` naming the file when it is missing, not valid JSON, of another
    kind or version, or structurally wrong (missing fields, arrays of the wrong length).
    """
    document = read_json(path, MEANING_KIND, MEANING_FORMAT_VERSION)
    try:
        return _result(document)
    except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
        raise ArtifactError(
            f"{path}: invalid meaning artifact ({exc})", hint="the file was edited or truncated; rerun `hedonic explain`"
        ) from exc


def _result(document: Mapping[str, Any]) -> MeaningResult:
    settings = document["settings"]
    inputs = tuple(str(i) for i in document["input_ids"])
    features = {str(name): np.asarray(values, dtype=np.float64) for name, values in document["features"].items()}
    activations = np.asarray(document["activations"], dtype=np.float64)
    groups = tuple(_group(NeuronGroup, entry) for entry in document["groups"])
    reference = [g for g in groups if g.method == settings["reference"] and g.draw == 0]
    if any(values.shape != (len(inputs),) for values in features.values()) or activations.shape != (len(inputs), len(reference)):
        raise ValueError(f"features or activations do not cover the {len(inputs)} inputs and {len(reference)} reference coalitions")
    if len(document["domains"]) != len(inputs) or len(document["query_ids"]) != len(inputs):
        raise ValueError("domains or query ids do not cover the inputs")
    importance = document["importance"]
    interpretation = document["interpretation"]
    return MeaningResult(
        model=str(document["model"]),
        layer=int(document["layer"]),
        settings=MeaningSettings(**{**settings, "probe_alphas": tuple(float(a) for a in settings["probe_alphas"])}),
        input_ids=inputs,
        domains=tuple(None if d is None else str(d) for d in document["domains"]),
        query_ids=tuple(str(q) for q in document["query_ids"]),
        features=features,
        activations=activations,
        groups=groups,
        sources={str(k): str(v) for k, v in document["sources"].items()},
        importance=ImportanceResult(**{**importance, "groups": tuple(_group(GroupImportance, g) for g in importance["groups"])}),
        importance_comparison=comparison_from_payload(document["importance_comparison"]),
        null_contrasts=tuple(NullContrast(**entry) for entry in document["null_contrasts"]),
        interpretation=_interpretation(interpretation),
        probes=tuple(ProbeScore(**entry) for entry in document["probes"]),
        probe_summary=tuple(ProbeSummary(**entry) for entry in document["probe_summary"]),
        notes=tuple(str(note) for note in document["notes"]),
        findings=tuple(tuple(int(i) for i in group) for group in document["findings"]),
        findings_interpretation=None
        if document["findings_interpretation"] is None
        else _interpretation(document["findings_interpretation"]),
    )


def _interpretation(entry: Mapping[str, Any]) -> InterpretationResult:
    return InterpretationResult(
        method=str(entry["method"]),
        features=tuple(entry["features"]),
        alpha=float(entry["alpha"]),
        correlations=tuple(FeatureCorrelation(**item) for item in entry["correlations"]),
        top_inputs=tuple(TopInput(**item) for item in entry["top_inputs"]),
        aligned={str(k): tuple(int(i) for i in v) for k, v in entry["aligned"].items()},
        summaries=tuple(AlignmentSummary(**item) for item in entry["summaries"]),
    )


def _group(kind: Any, entry: Mapping[str, Any]) -> Any:
    neurons = tuple(int(i) for i in entry["neurons"])
    if not neurons or list(neurons) != sorted(set(neurons)):
        raise ValueError(f"group neurons {list(neurons)} are not distinct ids in ascending order")
    return kind(**{**entry, "neurons": neurons})
