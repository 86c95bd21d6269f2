"""``hedonic run`` under torchrun (two gloo processes): rank 0 writes the run, φ and synergy equal one process's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hedonic.evaluation import load_synergy
from hedonic.layout import RunLayout
from hedonic.pipeline.config import LayersSection, MeaningSection, RunConfig, config_toml
from hedonic.pipeline.context import RunContext
from hedonic.pipeline.run import run_pipeline
from hedonic.stats import load_stats
from hedonic.valuation import load_valuation
from hedonic.valuation.exact import pas_exact

LAYER = 1


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_two_process_run_equals_one_process(tiny_config: RunConfig, tmp_path: Path) -> None:
    config = replace(tiny_config, layers=LayersSection(analyse=[LAYER], evaluate=[LAYER]), meaning=MeaningSection(enabled=False))
    assert config.valuation.kind == "pas-exact"
    both = tmp_path / "two"
    (tmp_path / "run.toml").write_text(config_toml(config))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HEDONIC_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += ["-m", "hedonic.cli", "run", str(tmp_path / "run.toml"), "--out-dir", str(both)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=380)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("report:") == 1  # one summary, from rank 0
    layout = RunLayout(both)
    assert layout.report.is_file() and layout.manifest.is_file() and not list(both.rglob("*.tmp"))

    pipeline = RunContext(config, layout)
    stats = load_stats(layout.stats(LAYER))
    assert stats.num_inputs == len(pipeline.inputs)
    exact = pipeline.inputs[: config.valuation.exact_inputs]
    single = pas_exact(pipeline.model, LAYER, pipeline.batches(exact), readout=config.evaluation.readout, neurons=stats.neurons)
    parallel = load_valuation(layout.valuation(LAYER))
    assert parallel.details["inputs"] == single.details["inputs"] == len(exact)
    scale = float(np.abs(single.phi).max())
    assert scale > 0 and float(np.abs(parallel.phi - single.phi).max()) <= 1e-5 * scale

    one = tmp_path / "one"  # the same run, evaluation recomputed by one process on the same partitions
    shutil.copytree(both, one)
    for path in [*RunLayout(one).root.glob("evaluation/**/*.json"), RunLayout(one).root / "stages" / f"evaluation-layer{LAYER}.json"]:
        path.unlink()
    result = run_pipeline(config, one)
    assert f"evaluation-layer{LAYER}" not in result.reused and f"partition-layer{LAYER}" in result.reused
    methods = sorted(path.stem.removeprefix("synergy_") for path in layout.evaluation_dir(LAYER).glob("synergy_*.json"))
    assert "hedonic" in methods
    for method in methods:
        a, b = load_synergy(layout.synergy(LAYER, method)), load_synergy(RunLayout(one).synergy(LAYER, method))
        assert a.input_ids == b.input_ids and [c.neurons for c in a.coalitions] == [c.neurons for c in b.coalitions]
        np.testing.assert_allclose(a.clean, b.clean, rtol=1e-6, atol=1e-6)
        assert a.metrics == b.metrics and {"pair", "na", "pair_abs", "na_abs"} <= set(a.metrics)
        for x, y in zip(a.coalitions, b.coalitions, strict=True):
            for name in a.metrics:
                assert x.metrics[name] == pytest.approx(y.metrics[name], rel=1e-4, abs=1e-9), (method, name)
        assert a.significance is not None and b.significance is not None  # the per-coalition tests too
        np.testing.assert_allclose(a.significance.tests.observed, b.significance.tests.observed, rtol=1e-4, atol=1e-9)
        steps = np.abs(a.significance.tests.p - b.significance.tests.p) * (config.evaluation.significance_draws + 1)
        assert np.nanmax(steps, initial=0.0) <= 1.01, method  # at most one random group on the other side of a tie
        assert a.significance.null.keys() == b.significance.null.keys()
