"""End to end on the demo: the shipped MiniLM reranker and demo corpus through every stage, its report in a browser.

The configuration is the demo's (``demo_config()``, what ``hedonic demo`` runs) with fewer inputs,
layers and draws, so that the test takes about a minute; everything else is the real demo path.
Without Chromium only the browser check at the end skips: the run and its report's text are
checked first.
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


@pytest.mark.slow
def test_demo_runs_end_to_end_and_its_report_renders(tmp_path: Path, render_in_browser: Callable) -> None:
    demo = demo_config()
    config = replace(
        demo,
        out_dir=str(tmp_path / "demo"),
        data=replace(demo.data, inputs_limit=160, heldout_queries=6),
        layers=LayersSection(analyse=[3, 4], top_k=1),
        evaluation=replace(demo.evaluation, max_coalitions=20, n_resamples=500, n_permutations=500, significance_draws=100),
        meaning=replace(demo.meaning, max_coalitions=3, probe_draws=2, n_resamples=200, n_permutations=200),
        tracking=replace(demo.tracking, bootstrap=50),
    )
    result = run_pipeline(config)

    assert result.evaluated == [4], "the demo adapter's largest MLP update is in layer 4"
    comparison = json.loads(result.layout.comparison(4).read_text())
    hedonic = [s for s in comparison["summaries"] if s["method"] == "hedonic" and s["metric"] == "na_abs"]
    assert hedonic[0]["count"] > 0 and hedonic[0]["mean"] > 0 and hedonic[0]["median"] > 0, "real synergy numbers from this run"
    assert set(comparison["methods"]) >= {"hedonic", "spherical-kmeans", "random"}
    verdicts = comparison["context"]["verdict"]
    assert {v["baseline"] for v in verdicts} == set(comparison["methods"]) - {"hedonic"}
    assert all(v["verdict"] in ("ahead", "level", "behind") and v["test"] in ("brunner-munzel", "mann-whitney") for v in verdicts)
    significance = comparison["context"]["significance"]
    assert significance["hedonic"]["coalitions"] == hedonic[0]["count"] + hedonic[0]["dropped"]
    synergy = json.loads(result.layout.synergy(4, "hedonic").read_text())
    assert synergy["significance"]["draws"] == 100 and all("z" in c["tests"]["pair"] for c in synergy["coalitions"])
    events = json.loads(result.layout.events(3, 4).read_text())
    assert events["rule"] == "links" and events["min_size"] == 10 and events["bootstrap"] is None
    assert events["link_tests"]["statistic"] == "polish" and events["floor"]["planted"] >= 1 and events["causal"] is None
    assert all(len(group) >= 10 for group in events["source_coalitions"] + events["target_coalitions"])
    text = result.layout.report.read_text()
    check_sections(text)
    manifest = json.loads(result.layout.manifest.read_text())
    assert manifest["config"]["model"]["name"] == "demo"
    check_report_in_browser(render_in_browser(result.layout.report))
