"""End to end on the demo: the shipped MiniLM reranker and demo corpus through every stage, its report in a browser.

The configuration is the demo's (``RunConfig()``, what ``hedonic demo`` runs) with fewer inputs,
layers and draws, so that the test takes about a minute; everything else is the real demo path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.pipeline.config import LayersSection, RunConfig
from hedonic.pipeline.run import run_pipeline
from tests.report.test_run_report import SECTIONS


@pytest.mark.slow
def test_demo_runs_end_to_end_and_its_report_renders(tmp_path: Path, render_in_browser: Callable) -> None:
    demo = RunConfig()
    config = replace(
        demo,
        out_dir=str(tmp_path / "demo"),
        data=replace(demo.data, inputs_limit=160, heldout_queries=6),
        layers=LayersSection(analyse=[3, 4], top_k=1),
        evaluation=replace(demo.evaluation, max_coalitions=20, n_resamples=500, n_permutations=500),
        meaning=replace(demo.meaning, max_coalitions=3, probe_draws=2, n_resamples=200, n_permutations=200),
    )
    result = run_pipeline(config)

    assert result.evaluated == [4], "the demo adapter's largest MLP update is in layer 4"
    comparison = json.loads(result.layout.comparison(4).read_text())
    hedonic = [s for s in comparison["summaries"] if s["method"] == "hedonic" and s["metric"] == "na_abs"]
    assert hedonic[0]["count"] > 0 and hedonic[0]["mean"] > 0, "real synergy numbers from this run"
    assert set(comparison["methods"]) >= {"hedonic", "spherical-kmeans", "random"}
    text = result.layout.report.read_text()
    for section in SECTIONS:
        assert f">{section}" in text, section
    assert "did not run" not in text and "No synergy evaluation" not in text
    manifest = json.loads(result.layout.manifest.read_text())
    assert manifest["config"]["model"]["name"] == "demo"
    rendered = render_in_browser(result.layout.report)
    assert rendered.errors == []
    assert rendered.dom.count('class="main-svg"') >= 5
