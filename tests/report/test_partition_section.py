"""The report's partition section: size bands, the power-law fit, the log–log histogram and large coalitions with their cause."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hedonic.game import Partition, discover, save_partition
from hedonic.layout import RunLayout
from hedonic.report.document import HtmlDocument
from hedonic.report.sections import partition_section


def test_the_section_shows_bands_fit_histogram_and_the_large_coalition(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    rng = np.random.default_rng(0)
    sizes = np.minimum(np.floor(1.5 * (1 - rng.random(120)) ** -1.0 + 0.5).astype(int), 40)
    spread = Partition.from_labels(np.repeat(np.arange(len(sizes)), sizes), "additive", layer=3)
    save_partition(spread, layout.partition(3))
    p, q = rng.standard_t(1.0, size=200), rng.standard_t(1.0, size=200)
    phi = (np.outer(p, q) + np.outer(q, p)).astype(np.float32)
    np.fill_diagonal(phi, 0.0)
    giant = discover(phi, tau="noise", max_size="none", layer=4, stability_samples=100)
    assert giant.large_coalitions()
    save_partition(giant, layout.partition(4))
    document = HtmlDocument("test")
    partition_section(document, layout, [3, 4])
    text = document.render()
    assert "in sizes &gt; 32" in text and "Share of each layer" in text and "17–32" in text
    assert "layer 3: power law α =" in text and "bootstrap p =" in text
    assert f"layer 4: a coalition of {giant.largest()} neurons holds" in text and "likely cause: φ is nearly low rank" in text
    assert '"type":"log"' in text.replace(" ", "") and "fitted power law" in text
