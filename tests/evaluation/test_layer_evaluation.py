"""Selecting the coalitions to compare, and testing each against random groups."""

from __future__ import annotations

import numpy as np
import torch

from hedonic.ablation import AblationEngine
from hedonic.evaluation.layer_evaluation import compare_partitions, select_coalitions
from hedonic.evaluation.significance import NullSettings
from hedonic.game import Partition
from hedonic.layout import REFERENCE
from hedonic.models import TokenBatch
from hedonic.testing import tiny_model


def _partition(method: str, layer: int = 2) -> Partition:
    labels = np.repeat(np.arange(8), [6, 5, 5, 4, 4, 3, 3, 2])
    return Partition.from_labels(labels, method, layer=layer)


def test_select_coalitions_caps_with_a_seeded_sample() -> None:
    partition = _partition("hedonic")
    assert select_coalitions(partition, (3, 5), None, 0, "h") == [c for c in partition.coalitions if 3 <= len(c) <= 5]
    capped = select_coalitions(partition, (2, 6), 3, 0, "h")
    assert len(capped) == 3 and capped == select_coalitions(partition, (2, 6), 3, 0, "h")
    assert all(c in partition.coalitions for c in capped)


def test_every_coalition_is_tested_through_the_evaluation_readout() -> None:
    adapter = tiny_model("llama", seed=2, layers=2, intermediate=32)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, adapter.config.vocab_size, (6, 7), generator=generator)
    batch = TokenBatch(ids, torch.ones_like(ids))
    engine = AblationEngine(adapter, 1, batch)
    hedonic = Partition.from_labels(np.repeat(np.arange(8), 4), "h", layer=1)
    other = Partition.from_labels(np.arange(32) % 8, "o", layer=1)
    settings = NullSettings(draws=40, seed=1)
    found = {
        readout: compare_partitions(
            engine,
            {REFERENCE: hedonic, "other": other},
            input_ids=[f"x{k}" for k in range(6)],
            readout=readout,
            size_range=(2, 8),
            n_resamples=50,
            n_permutations=50,
            significance=settings,
        )
        for readout in ("local", "model")
    }
    local, model = (found[r].synergy[REFERENCE] for r in ("local", "model"))
    assert model.readout == "model" and model.significance is not None and model.significance.readout == "model"
    for part in (local, model):
        np.testing.assert_allclose(part.significance.tests.observed[:, 0], part.metric("pair"), rtol=1e-12)
        np.testing.assert_allclose(part.significance.tests.observed[:, 1], part.metric("na"), rtol=1e-12)
    assert not np.allclose(model.metric("pair"), local.metric("pair")), "the model readout differs from the local one"
    assert model.significance.null != local.significance.null
    assert set(found["local"].seconds) == {"synergy", "significance", "comparison"}
    context = found["local"].comparison.context
    assert context["significance"]["hedonic"]["coalitions"] == 8 and [v["baseline"] for v in context["verdict"]] == ["other"]


def test_baselines_are_scored_on_the_reference_sizes() -> None:
    from hedonic.evaluation.layer_evaluation import select_matched

    rng = np.random.default_rng(0)
    sizes = [2] * 10 + [3] * 6 + [5] * 4 + [9] * 2
    labels = np.repeat(np.arange(len(sizes)), sizes)
    reference = Partition.from_labels(labels, "h", layer=1)
    shuffled = Partition.from_labels(rng.permutation(labels), "b", layer=1)
    lopsided = Partition.from_labels(np.repeat(np.arange(10), 6)[: len(labels)], "c", layer=1)
    chosen = select_matched({REFERENCE: reference, "same": shuffled, "other": lopsided}, (2, None), 8, seed=3)
    wanted = sorted(len(c) for c in chosen[REFERENCE])
    assert len(wanted) == 8 and sorted(len(c) for c in chosen["same"]) == wanted
    assert len(set(chosen["same"])) == 8 and all(c in shuffled.coalitions for c in chosen["same"])
    assert all(len(c) == 6 for c in chosen["other"]) and len(chosen["other"]) == 8
    assert chosen == select_matched({REFERENCE: reference, "same": shuffled, "other": lopsided}, (2, None), 8, seed=3)
    assert chosen["same"] != select_matched({REFERENCE: reference, "same": shuffled}, (2, None), 8, seed=4)["same"]
