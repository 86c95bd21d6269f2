"""The evaluation's files, plain JSON with a kind and format version, written atomically, validated on load.

- **synergy** (:func:`save_synergy` / :func:`load_synergy`), one file per method and layer;
- **comparison** (:func:`save_comparison` / :func:`load_comparison`), the fields of
  :class:`~hedonic.evaluation.comparison.Comparison` (see that module).

The meaning stage's file is in :mod:`hedonic.meaning.artifacts`.

The synergy artifact holds every number behind every coalition's metrics.

Kind ``"synergy"``, format version 3. Top level: ``model``, ``layer``, ``readout``
(``local``/``model``/``linear``), ``freeze_norms`` (new in 3: every norm from the layer to the
readout held at its clean statistics), ``mode`` (``zero``/``pre-lora``), ``ratio_floor``,
``metrics`` (new in 3: the metrics measured), ``max_pairs`` and ``pair_seed`` (new in 3: a
coalition with more pairs is scored on a seeded uniform sample of ``max_pairs``; null: all),
``metric_definitions`` (name → formula in words), ``inputs`` = {``ids``: the held-out input
identifiers, ``clean``: f(x) per input}, and ``coalitions``, a list of objects with

- ``neurons`` (sorted ids), ``single`` (E Δ_i per member), ``single_abs`` (E|Δ_i|),
- ``pairs`` (the scored pairs [i, j], i < j, lexicographic: all, a sample, or none when no measured
  metric needs pairs), ``pair_delta`` (E Δ_ij), ``psi`` (E ψ_ij), ``psi_abs`` (E|ψ_ij|),
  ``pair_se`` / ``pair_abs_se`` (new in 3: standard errors of ``pair`` / ``pair_abs`` from the
  sample; 0 when every pair was scored, null without pairs),
- ``whole`` (E Δ_C; null when not ablated), ``leave_one_out`` (E Δ_{C∖k}, k in the order of
  ``neurons``; empty when not ablated),
- ``metrics`` (the measured metrics; null where undefined),
- ``tests`` (new in version 2; where the coalitions were tested against random groups):
  {metric: {``observed``, ``z`` (robust: median and MAD of the null), ``p``, ``q``}} and
  ``significant`` (q < alpha on some metric).

``significance`` (new in version 2; null when no test ran): ``readout`` of the tests (``local``),
``draws`` K, ``seed``, ``alpha``, ``metrics``, ``alternative`` (``"greater"``: more synergistic
than random), ``players`` (neurons the random groups were drawn from), ``null`` (per size and
metric: the null's ``median``, ``mad``, ``mean``, ``sd`` and ``p95``), and ``summary`` (coalitions tested, number and
share significant, share per metric); see :mod:`hedonic.evaluation.significance`.

Δ_S(x) = f(x) − f_{−S}(x) on the listed inputs, E the mean over them, logit units: a plain
hook-and-forward ablation (:func:`hedonic.ablation.reference_effects`) of the same neurons on the
same inputs recomputes any number. Loading checks the structure and that the stored means agree
with each other (ψ from the Δs, and every metric computable from the means), so an edited or
truncated file fails with :class:`~hedonic.errors.ArtifactError` naming the file and coalition.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.artifacts import json_float, read_json, write_json
from hedonic.errors import ArtifactError, ConfigError, HedonicError
from hedonic.evaluation.comparison import Comparison, Contrast, MethodSummary
from hedonic.evaluation.inference import benjamini_hochberg, check_rank_test
from hedonic.evaluation.significance import CoalitionTests, NullSettings, Significance
from hedonic.evaluation.synergy import METRIC_DEFINITIONS, CoalitionSynergy, SynergyPlan, SynergyResult, summary_metrics

SYNERGY_KIND = "synergy"
SYNERGY_FORMAT_VERSION = 3
CONSISTENCY_RTOL = 1e-9
"""Relative tolerance (of the coalition's largest |Δ|) for the consistency checks on load."""


def save_synergy(result: SynergyResult, path: str | Path) -> Path:
    """Write ``result`` as a JSON artifact (kind ``synergy``, version 3), atomically; returns the path."""
    coalitions = [_coalition_json(coalition) for coalition in result.coalitions]
    payload = {
        "model": result.model,
        "layer": result.layer,
        "readout": result.readout,
        "freeze_norms": result.freeze_norms,
        "mode": result.mode,
        "ratio_floor": result.ratio_floor,
        "metrics": list(result.plan.metrics),
        "max_pairs": result.plan.max_pairs,
        "pair_seed": result.plan.seed,
        "metric_definitions": METRIC_DEFINITIONS,
        "inputs": {"ids": list(result.input_ids), "clean": result.clean},
        "coalitions": coalitions,
        "significance": _significance_json(result.significance),
    }
    if result.significance is not None:
        tests = result.significance.tests
        for index, entry in enumerate(coalitions):
            entry["tests"] = {
                metric: {key: _finite(getattr(tests, key)[index, column]) for key in ("observed", "z", "p", "q")}
                for column, metric in enumerate(tests.metrics)
            }
            entry["significant"] = bool(tests.significant[index])
    return write_json(path, SYNERGY_KIND, SYNERGY_FORMAT_VERSION, payload)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _significance_json(significance: Significance | None) -> dict[str, Any] | None:
    if significance is None:
        return None
    settings = significance.settings
    return {
        "readout": significance.readout,
        "draws": settings.draws,
        "seed": settings.seed,
        "alpha": settings.alpha,
        "metrics": list(settings.metrics),
        "ratio_floor": settings.ratio_floor,
        "alternative": "greater",
        "players": significance.players,
        "null": dict(significance.null),
        "summary": significance.summary(),
    }


def _coalition_json(coalition: CoalitionSynergy) -> dict[str, Any]:
    return {
        "neurons": list(coalition.neurons),
        "single": coalition.single,
        "single_abs": coalition.single_abs,
        "pairs": [list(pair) for pair in coalition.pairs],
        "pair_delta": coalition.pair_delta,
        "psi": coalition.psi,
        "psi_abs": coalition.psi_abs,
        "pair_se": coalition.standard_error("pair"),
        "pair_abs_se": coalition.standard_error("pair_abs"),
        "whole": coalition.whole,
        "leave_one_out": coalition.leave_one_out,
        "metrics": dict(coalition.metrics),
    }


def load_synergy(path: str | Path) -> SynergyResult:
    """Read and validate a synergy artifact written by :func:`save_synergy`.

    Raises :class:`ArtifactError` naming the file (and the coalition) when it is missing, not
    valid JSON, of another kind or version, structurally wrong, or internally inconsistent.
    """
    document = read_json(path, SYNERGY_KIND, SYNERGY_FORMAT_VERSION)
    try:
        inputs = document["inputs"]
        ids = tuple(str(i) for i in inputs["ids"])
        clean = _floats(inputs["clean"], len(ids), "inputs.clean")
        ratio_floor = float(document["ratio_floor"])
        max_pairs = document["max_pairs"]
        plan = SynergyPlan(
            tuple(str(m) for m in document["metrics"]), None if max_pairs is None else int(max_pairs), int(document["pair_seed"])
        )
        coalitions = []
        for index, entry in enumerate(document["coalitions"]):
            try:
                coalitions.append(_coalition(entry, plan, ratio_floor))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"coalition {index}: {exc}") from exc
        return SynergyResult(
            model=str(document["model"]),
            layer=int(document["layer"]),
            readout=str(document["readout"]),
            mode=str(document["mode"]),
            input_ids=ids,
            clean=clean,
            coalitions=tuple(coalitions),
            ratio_floor=ratio_floor,
            significance=_significance(document["significance"], document["coalitions"]),
            plan=plan,
            freeze_norms=bool(document["freeze_norms"]),
        )
    except (KeyError, TypeError, ValueError, HedonicError) as exc:
        raise ArtifactError(
            f"{path}: invalid synergy artifact ({exc})",
            hint="the file was edited or truncated; rerun the evaluation that wrote it",
        ) from exc


def _floats(values: Any, length: int, name: str) -> np.ndarray:
    array = np.array([json_float(v) for v in values], dtype=np.float64)
    if array.shape != (length,):
        raise ValueError(f"{name} has {array.shape[0]} values, expected {length}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds missing or non-finite values")
    return array


def _coalition(entry: dict[str, Any], plan: SynergyPlan, ratio_floor: float) -> CoalitionSynergy:
    neurons = tuple(int(i) for i in entry["neurons"])
    if len(neurons) < 2 or list(neurons) != sorted(set(neurons)):
        raise ValueError(f"neurons {list(neurons)} must be >= 2 distinct ids in ascending order")
    size, pairs = len(neurons), plan.pairs_of(neurons)
    if tuple(tuple(int(i) for i in pair) for pair in entry["pairs"]) != pairs:
        raise ValueError("pairs are not the coalition's scored pairs (all, or the plan's seeded sample) in lexicographic order")
    single, single_abs = _floats(entry["single"], size, "single"), _floats(entry["single_abs"], size, "single_abs")
    pair_delta, psi = _floats(entry["pair_delta"], len(pairs), "pair_delta"), _floats(entry["psi"], len(pairs), "psi")
    psi_abs = _floats(entry["psi_abs"], len(pairs), "psi_abs")
    leave_one_out = _floats(entry["leave_one_out"], size if plan.leave_one_out else 0, "leave_one_out")
    whole = json_float(entry["whole"])
    if math.isnan(whole) == plan.whole:
        raise ValueError("whole is missing although a measured metric needs it, or present although none does")
    metrics = {name: json_float(entry["metrics"][name]) for name in plan.metrics}
    position = {neuron: k for k, neuron in enumerate(neurons)}
    expected_psi = np.array([pair_delta[p] - single[position[i]] - single[position[j]] for p, (i, j) in enumerate(pairs)])
    known = np.concatenate([single, pair_delta, leave_one_out, [whole] if plan.whole else []])
    scale = max(float(np.abs(known).max()), np.finfo(float).tiny)
    tolerance = CONSISTENCY_RTOL * scale
    if pairs and np.abs(expected_psi - psi).max() > tolerance:
        raise ValueError("psi differs from pair_delta - single_i - single_j")
    if (psi_abs < np.abs(psi) - tolerance).any() or (single_abs < np.abs(single) - tolerance).any():
        raise ValueError("an absolute mean E|.| is smaller than the magnitude of the signed mean")
    recomputed = summary_metrics(single, single_abs, psi, psi_abs, whole, leave_one_out, ratio_floor, pairs_total=size * (size - 1) // 2)
    for name in set(recomputed) & set(plan.metrics):
        value, stored = recomputed[name], metrics[name]
        if math.isnan(value) != math.isnan(stored) or abs(value - stored) > CONSISTENCY_RTOL * max(abs(value), scale):
            raise ValueError(f"metric {name!r} = {stored} does not follow from the stored means ({value})")
    if "na_abs" in metrics and "na" in metrics and metrics["na_abs"] < abs(metrics["na"]) - tolerance:
        raise ValueError("metric 'na_abs' is smaller than |na|")
    if "excess_abs" in metrics and math.isnan(metrics["excess_abs"]):
        raise ValueError("metric 'excess_abs' is missing")
    return CoalitionSynergy(
        neurons=neurons,
        single=single,
        single_abs=single_abs,
        pairs=pairs,
        pair_delta=pair_delta,
        psi=psi,
        psi_abs=psi_abs,
        whole=whole,
        leave_one_out=leave_one_out,
        metrics=metrics,
    )


def _significance(raw: dict[str, Any] | None, coalitions: list[dict[str, Any]]) -> Significance | None:
    """The stored tests, checked: q is BH of p over the method, ``significant`` and the summary follow from q."""
    if raw is None:
        return None
    settings = NullSettings(
        draws=int(raw["draws"]),
        seed=int(raw["seed"]),
        metrics=tuple(str(m) for m in raw["metrics"]),
        alpha=float(raw["alpha"]),
        ratio_floor=float(raw["ratio_floor"]),
    )
    shape = (len(coalitions), len(settings.metrics))
    arrays = {key: np.full(shape, np.nan) for key in ("observed", "z", "p", "q")}
    for index, entry in enumerate(coalitions):
        for column, metric in enumerate(settings.metrics):
            for key, array in arrays.items():
                value = entry["tests"][metric][key]
                array[index, column] = json_float(value)
    significant = np.array([bool(entry["significant"]) for entry in coalitions], dtype=bool)
    expected = benjamini_hochberg(arrays["p"])
    if not np.allclose(np.nan_to_num(expected, nan=-1.0), np.nan_to_num(arrays["q"], nan=-1.0), rtol=1e-9, atol=1e-12):
        raise ValueError("the q-values are not the Benjamini–Hochberg adjustment of the p-values")
    if (significant != (np.nan_to_num(arrays["q"], nan=1.0).min(axis=1, initial=1.0) < settings.alpha)).any():
        raise ValueError("'significant' disagrees with q < alpha")
    tests = CoalitionTests(settings.metrics, arrays["observed"], arrays["z"], arrays["p"], arrays["q"], significant, settings.alpha)
    result = Significance(settings=settings, readout=str(raw["readout"]), players=int(raw["players"]), null=dict(raw["null"]), tests=tests)
    if result.summary() != raw["summary"]:
        raise ValueError("the significance summary disagrees with the coalitions' tests")
    return result


COMPARISON_KIND = "comparison"


COMPARISON_FORMAT_VERSION = 2


def save_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Write ``comparison`` as a JSON artifact (kind ``comparison``, format version 2), atomically."""
    payload = {
        "reference": comparison.reference,
        "methods": list(comparison.methods),
        "metrics": list(comparison.metrics),
        "size_range": list(comparison.size_range),
        "confidence": comparison.confidence,
        "n_resamples": comparison.n_resamples,
        "n_permutations": comparison.n_permutations,
        "seed": comparison.seed,
        "rank_test": comparison.rank_test,
        "summaries": [asdict(entry) for entry in comparison.summaries],
        "contrasts": [asdict(entry) for entry in comparison.contrasts],
        "context": dict(comparison.context),
    }
    return write_json(path, COMPARISON_KIND, COMPARISON_FORMAT_VERSION, payload)


def load_comparison(path: str | Path) -> Comparison:
    """Read a comparison written by :func:`save_comparison`; raises :class:`ArtifactError` naming the file when invalid."""
    document = read_json(path, COMPARISON_KIND, COMPARISON_FORMAT_VERSION)
    try:
        return comparison_from_payload(document)
    except (KeyError, TypeError, ValueError, ConfigError) as exc:
        raise ArtifactError(f"{path}: invalid comparison ({exc})", hint="rerun `hedonic evaluate` to rewrite it") from exc


def comparison_from_payload(document: Mapping[str, Any]) -> Comparison:
    """A :class:`Comparison` from its JSON payload (also embedded in other artifacts); KeyError/TypeError/ValueError when malformed."""
    low, high = document["size_range"]
    return Comparison(
        reference=str(document["reference"]),
        methods=tuple(document["methods"]),
        metrics=tuple(document["metrics"]),
        size_range=(int(low), int(high)),
        confidence=float(document["confidence"]),
        n_resamples=int(document["n_resamples"]),
        n_permutations=int(document["n_permutations"]),
        seed=int(document["seed"]),
        rank_test=check_rank_test(str(document["rank_test"])),
        summaries=tuple(MethodSummary(**entry) for entry in document["summaries"]),
        contrasts=tuple(Contrast(**entry) for entry in document["contrasts"]),
        context=dict(document.get("context") or {}),
    )
