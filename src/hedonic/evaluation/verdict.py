"""The computed verdict: is the reference (hedonic) ahead of, level with or behind each baseline?

Per evaluated layer and baseline, on one metric (``na_abs`` by default), from the rank-based
contrast of :mod:`hedonic.evaluation.comparison`:

- **ahead**: Holm-adjusted rank-test p < ``alpha`` and Cliff's δ > 0 (hedonic coalitions tend
  to be more synergistic than the baseline's);
- **behind**: Holm-adjusted p < ``alpha`` and δ < 0;
- **level**: p ≥ ``alpha`` (no difference the test can see at this many coalitions);
- **undetermined**: fewer than 2 coalitions on a side, so nothing was tested.

Per model and baseline, over the evaluated layers: ``ahead`` / ``behind`` / ``level`` when every
layer with a decided verdict says so (undetermined layers are left out), ``mixed`` when the
layers disagree, ``undetermined`` when no layer was decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from hedonic.errors import ConfigError
from hedonic.evaluation.inference import AHEAD, BEHIND, LEVEL, UNDETERMINED, classify

if TYPE_CHECKING:
    from hedonic.evaluation.comparison import Comparison

MIXED = "mixed"
DEFAULT_VERDICT_METRIC: Final = "na_abs"
_PHRASES = {AHEAD: "ahead of", LEVEL: "level with", BEHIND: "behind", UNDETERMINED: "not comparable with", MIXED: "mixed against"}


@dataclass(frozen=True)
class BaselineVerdict:
    """The verdict of ``reference`` against ``baseline`` at one ``layer`` on ``metric``, with the evidence."""

    model: str
    layer: int
    metric: str
    reference: str
    baseline: str
    verdict: str
    delta: float | None
    delta_ci_low: float | None
    delta_ci_high: float | None
    p_holm: float | None
    test: str
    count_reference: int
    count_baseline: int
    readout: str = ""

    def line(self) -> str:
        """One sentence, e.g. ``layer 3: hedonic ahead of spectral on na_abs, local readout (δ = +0.42 [+0.21, +0.60], p = 0.0012, Holm; 60 vs 60)``."""
        evidence = (
            "fewer than 2 coalitions on a side"
            if self.delta is None or self.p_holm is None
            else (f"δ = {self.delta:+.2f}{_interval(self.delta_ci_low, self.delta_ci_high)}, {self.test} p = {self.p_holm:.2g} (Holm)")
        )
        through = f", {self.readout} readout" if self.readout else ""
        return (
            f"layer {self.layer}: {self.reference} {_PHRASES[self.verdict]} {self.baseline} on {self.metric}{through} "
            f"({evidence}; {self.count_reference} vs {self.count_baseline} coalitions)"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class ModelVerdict:
    """The verdict against ``baseline`` over the evaluated layers of ``model``; ``layers`` verdict per layer."""

    model: str
    metric: str
    reference: str
    baseline: str
    verdict: str
    layers: Mapping[int, str]
    readout: str = ""

    def line(self) -> str:
        """One sentence, e.g. ``model demo: hedonic ahead of random on na_abs, local readout (layer 3 ahead, layer 4 level)``."""
        detail = ", ".join(f"layer {layer} {verdict}" for layer, verdict in sorted(self.layers.items()))
        through = f", {self.readout} readout" if self.readout else ""
        return f"model {self.model}: {self.reference} {_PHRASES[self.verdict]} {self.baseline} on {self.metric}{through} ({detail})"


def layer_verdicts(
    comparison: Comparison, *, metric: str = DEFAULT_VERDICT_METRIC, alpha: float = 0.05, model: str | None = None, layer: int | None = None
) -> tuple[BaselineVerdict, ...]:
    """The verdict against every baseline of ``comparison`` on ``metric``, in the comparison's method order.

    ``model`` and ``layer`` default to the comparison's context (``model`` / ``layer`` keys).
    """
    if metric not in comparison.metrics:
        raise ConfigError(f"the verdict metric {metric!r} was not evaluated", hint=f"choose one of {', '.join(comparison.metrics)}")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must lie in (0, 1), got {alpha}", hint="e.g. alpha = 0.05")
    name = str(model if model is not None else comparison.context.get("model", "?"))
    where = int(layer if layer is not None else comparison.context.get("layer", -1))
    readout = readout_name(comparison.context)
    verdicts = []
    for baseline in comparison.methods[1:]:
        contrast = comparison.contrast(baseline, metric)
        verdicts.append(
            BaselineVerdict(
                model=name,
                layer=where,
                metric=metric,
                reference=comparison.reference,
                baseline=baseline,
                verdict=classify(contrast.cliffs_delta, contrast.rank_p_holm, alpha),
                delta=contrast.cliffs_delta,
                delta_ci_low=contrast.delta_ci_low,
                delta_ci_high=contrast.delta_ci_high,
                p_holm=contrast.rank_p_holm,
                test=contrast.rank_test,
                count_reference=contrast.count_reference,
                count_baseline=contrast.count_method,
                readout=readout,
            )
        )
    return tuple(verdicts)


def readout_name(context: Mapping[str, Any]) -> str:
    """The readout a comparison's ``context`` was measured through: ``local``, ``model``, ``model, norms frozen`` ("" when unknown)."""
    readout = str(context.get("readout", ""))
    return f"{readout}, norms frozen" if readout and context.get("freeze_norms") else readout


def model_verdicts(verdicts: Sequence[BaselineVerdict]) -> list[ModelVerdict]:
    """Combine layer verdicts per (model, metric, baseline), in first-seen order (see the module docstring)."""
    grouped: dict[tuple[str, str, str, str, str], dict[int, str]] = {}
    for entry in verdicts:
        grouped.setdefault((entry.model, entry.metric, entry.reference, entry.baseline, entry.readout), {})[entry.layer] = entry.verdict
    combined = []
    for (model, metric, reference, baseline, readout), layers in grouped.items():
        decided = {verdict for verdict in layers.values() if verdict != UNDETERMINED}
        overall = UNDETERMINED if not decided else decided.pop() if len(decided) == 1 else MIXED
        combined.append(ModelVerdict(model, metric, reference, baseline, overall, dict(layers), readout))
    return combined


def verdict_from_dict(entry: Mapping[str, Any]) -> BaselineVerdict:
    """A :class:`BaselineVerdict` from :meth:`BaselineVerdict.as_dict` output; raises KeyError/TypeError when malformed."""
    return BaselineVerdict(**dict(entry))


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f" [{low:+.2f}, {high:+.2f}]"
