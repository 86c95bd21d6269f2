"""Synergy of coalitions on held-out inputs through an ablation engine: one engine call for every
set the coalitions need, then the metrics of :mod:`hedonic.evaluation.synergy`; under a
data-parallel engine, combined over the ranks by :mod:`hedonic.evaluation.data_parallel`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from hedonic.errors import DataError
from hedonic.evaluation.data_parallel import over_all_ranks
from hedonic.evaluation.synergy import (
    DEFAULT_RATIO_FLOOR,
    SynergyPlan,
    SynergyResult,
    canonical,
    coalition_synergy,
    effect_table,
    required_sets,
)

if TYPE_CHECKING:
    from hedonic.ablation import AblationEngine


def evaluate_synergy(
    engine: AblationEngine,
    coalitions: Iterable[Iterable[int]],
    *,
    input_ids: Sequence[str],
    readout: str = "local",
    plan: SynergyPlan | None = None,
    freeze_norms: bool = False,
    model_name: str | None = None,
    exclude_ids: Collection[str] = (),
    ratio_floor: float = DEFAULT_RATIO_FLOOR,
) -> SynergyResult:
    """Ablate every set the ``coalitions`` need under ``plan`` (default :class:`SynergyPlan`) in one engine call, and compute their metrics.

    ``engine`` holds the model, layer, ablation mode and the held-out inputs; ``input_ids`` names
    each of its inputs in order (unique strings). ``freeze_norms``: every norm from the layer to
    the readout at its clean statistics (:mod:`hedonic.ablation.norms`). ``exclude_ids``: inputs
    that must not be among them (those φ was built from); overlap raises :class:`DataError`.
    ``model_name`` defaults to the model config's ``name_or_path``. A data-parallel engine: every
    rank passes the same arguments and gets the result over all inputs
    (:func:`~hedonic.evaluation.data_parallel.over_all_ranks`).
    """
    plan = plan or SynergyPlan()
    ids = tuple(str(i) for i in input_ids)
    _check_inputs(ids, engine.num_inputs, exclude_ids)
    members = [canonical(coalition) for coalition in coalitions]
    sets = required_sets(members, plan)
    effects = engine.effects(sets, readout, freeze_norms=freeze_norms)
    table = effect_table(sets, effects.delta)
    measured = [coalition_synergy(c, table, plan, ratio_floor=ratio_floor) for c in members]
    return SynergyResult(
        model=model_name if model_name is not None else str(engine.adapter.config.name_or_path),
        layer=engine.layer,
        readout=readout,
        mode=engine.mode,
        input_ids=ids,
        clean=engine.gather_inputs(effects.clean),
        coalitions=over_all_ranks(engine, measured, plan, ratio_floor),
        ratio_floor=ratio_floor,
        plan=plan,
        freeze_norms=freeze_norms,
    )


def _check_inputs(ids: tuple[str, ...], count: int, exclude_ids: Collection[str]) -> None:
    if len(ids) != count:
        raise DataError(f"{len(ids)} input ids for {count} inputs", hint="pass one identifier per held-out input")
    if len(set(ids)) != len(ids):
        raise DataError("input ids are not unique", hint="identify each input once, e.g. 'qid:docid'")
    overlap = sorted(set(ids) & set(exclude_ids))
    if overlap:
        raise DataError(
            f"{len(overlap)} evaluation inputs (e.g. {overlap[0]!r}) were used to build φ",
            hint="evaluate synergy on a held-out split that shares no input with the valuation data",
        )
