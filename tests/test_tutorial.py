"""The tutorial notebook (docs/tutorial.ipynb) runs top to bottom on the current API (reduced sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"
REDUCED = {
    "HEDONIC_TUTORIAL_INPUTS": "32",
    "HEDONIC_TUTORIAL_EXACT": "8",
    "HEDONIC_TUTORIAL_PLAYERS": "64",
    "HEDONIC_TUTORIAL_QUERIES": "4",
    "HEDONIC_TUTORIAL_RESAMPLES": "100",
    "HEDONIC_TUTORIAL_DRAWS": "20",
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_tutorial_notebook_executes_without_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**REDUCED, "HF_HUB_OFFLINE": "1", "HEDONIC_NO_PROGRESS": "1"}.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the cell on the first error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    html = [output for output in outputs if "text/html" in output.get("data", {})]
    plots = [output for output in outputs if "application/vnd.plotly.v1+json" in output.get("data", {})]
    assert html, "the Valuation / Partition / Stability cells show no HTML table"
    assert len(plots) >= 5, f"expected the φ, size, Cliff's δ, synergy and Sankey figures inline, got {len(plots)}"
    printed = "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")
    assert any(f"layer 3: hedonic {word} " in printed for word in ("ahead of", "level with", "behind")), "the verdict lines are printed"
    assert any("more synergistic than random" in output["data"]["text/html"] for output in html), "the per-coalition tests are shown"


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in notebook.cells if cell.cell_type == "code")
