"""End to end on the SmolLM2 demo: the de-quantised LLaMA decoder with its tf-l adapter through every stage.

The configuration is ``demo_config("smollm2", "tf-l")`` (what ``hedonic demo --model smollm2 --task
tf-l`` runs) with fewer inputs, coalitions, baselines and draws on two of its last layers, so that the test
takes about a minute; everything else is the real demo path, a scalar task included. The browser check
skips without Chromium.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.pipeline.config import LayersSection
from hedonic.pipeline.demos import demo_config
from hedonic.pipeline.run import run_pipeline
from tests.report.conftest import check_report_in_browser
from tests.report.test_run_report import check_sections

pytestmark = [pytest.mark.slow, pytest.mark.smollm2]


def test_smollm2_tf_l_demo_runs_end_to_end(smollm2_folder: Path, tmp_path: Path, render_in_browser: Callable) -> None:
    demo = demo_config("smollm2", "tf-l")
    config = replace(
        demo,
        out_dir=str(tmp_path / "smollm2"),
        data=replace(demo.data, inputs_limit=32, heldout_queries=3),
        layers=LayersSection(analyse=[27, 28], top_k=1),
        valuation=replace(demo.valuation, exact_inputs=8),
        baselines=replace(demo.baselines, methods=["spherical-kmeans", "random"]),
        evaluation=replace(demo.evaluation, max_coalitions=12, n_resamples=200, n_permutations=200, significance_draws=50),
        meaning=replace(demo.meaning, probe_draws=2, n_resamples=200, n_permutations=200),
        tracking=replace(demo.tracking, bootstrap=20),
    )
    result = run_pipeline(config)

    assert len(result.evaluated) == 1 and result.evaluated[0] in (27, 28)
    layer = result.evaluated[0]
    partition = json.loads(result.layout.partition(layer).read_text())
    assert len(partition["neurons"]) == 1536
    comparison = json.loads(result.layout.comparison(layer).read_text())
    assert {v["baseline"] for v in comparison["context"]["verdict"]} == set(comparison["methods"]) - {"hedonic"}
    meaning = json.loads(result.layout.meaning(layer).read_text())
    assert meaning["settings"]["readout"] == "model" and len(meaning["input_ids"]) == 24
    manifest = json.loads(result.layout.manifest.read_text())
    assert manifest["config"]["model"]["name"] == "smollm2:tf-l"
    check_sections(result.layout.report.read_text())
    check_report_in_browser(render_in_browser(result.layout.report))
