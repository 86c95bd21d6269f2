"""Where each artifact of a run lives inside its run directory.

One place for the layout that the pipeline writes and every sub-command reads with ``--run-dir``:

```
RUN_DIR/
  hedonic-run.json         marker: this folder is a hedonic run directory
  run.lock                 held while a run writes here (pid, host, start time)
  config.toml              the configuration the run was started with
  manifest.json            config, seed, versions, device, stage timings, model notes
  lora_profile.json        LoRA update profile (models stage)
  data/inputs.jsonl        analysis pairs (φ is built from them)
  data/heldout.jsonl       held-out pairs (synergy, meaning; never used for φ)
  stats/layer{L}.safetensors
  valuation/layer{L}.safetensors
  partitions/layer{L}.json
  baselines/layer{L}/{method}.json
  evaluation/layer{L}/comparison.json, synergy_{method}.json
  evaluation/layer{L}/decomposition/comparison[_frozen].json, synergy_{method}[_frozen].json
  meaning/layer{L}.json
  tracking/events_{L}_{L'}.json, tracking/sankey.html
  stages/{stage}.json      resumable stage records
  report.html
  stale/...                artifacts of an earlier configuration, moved aside (never read)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MARKER_NAME = "hedonic-run.json"
"""The marker file that makes a folder a run directory."""
LOCK_NAME = "run.lock"
"""The lock file a run holds in its run directory."""
STALE_DIR = "stale"
"""Folder of a run directory that receives the artifacts of another configuration."""
REFERENCE = "hedonic"
"""Name of the hedonic partition among a layer's partitions (its baselines go by their method names)."""


def baseline_files(folder: Path) -> list[Path]:
    """The baseline partition files (``*.json``) of a baselines folder, sorted; none when it does not exist."""
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@dataclass(frozen=True)
class RunLayout:
    """Paths of a run directory rooted at ``root``; nothing is created by asking for a path."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def marker(self) -> Path:
        """The run-directory marker (JSON, kind ``run_directory``)."""
        return self.root / MARKER_NAME

    @property
    def lock(self) -> Path:
        """The lock file held by the run writing here."""
        return self.root / LOCK_NAME

    @property
    def stale_dir(self) -> Path:
        """Where artifacts of another configuration are moved."""
        return self.root / STALE_DIR

    @property
    def config(self) -> Path:
        """The run's configuration (TOML)."""
        return self.root / "config.toml"

    @property
    def manifest(self) -> Path:
        """The run manifest (JSON)."""
        return self.root / "manifest.json"

    @property
    def lora_profile(self) -> Path:
        """The LoRA update profile (JSON)."""
        return self.root / "lora_profile.json"

    @property
    def inputs(self) -> Path:
        """Analysis pairs, from which the statistics and φ are built (JSONL)."""
        return self.root / "data" / "inputs.jsonl"

    @property
    def heldout(self) -> Path:
        """Held-out pairs for synergy and meaning (JSONL)."""
        return self.root / "data" / "heldout.jsonl"

    def stats(self, layer: int) -> Path:
        """Activation statistics of ``layer`` (safetensors)."""
        return self.root / "stats" / f"layer{layer}.safetensors"

    def valuation(self, layer: int) -> Path:
        """φ of ``layer`` (safetensors)."""
        return self.root / "valuation" / f"layer{layer}.safetensors"

    def partition(self, layer: int) -> Path:
        """The hedonic partition of ``layer`` (JSON)."""
        return self.root / "partitions" / f"layer{layer}.json"

    def baselines_dir(self, layer: int) -> Path:
        """Folder of the baseline partitions of ``layer``."""
        return self.root / "baselines" / f"layer{layer}"

    def baseline(self, layer: int, method: str) -> Path:
        """The ``method`` baseline partition of ``layer`` (JSON)."""
        return self.baselines_dir(layer) / f"{method}.json"

    def baseline_files(self, layer: int) -> list[Path]:
        """The baseline partition files of ``layer`` that exist, sorted (:func:`baseline_files`)."""
        return baseline_files(self.baselines_dir(layer))

    def evaluation_dir(self, layer: int) -> Path:
        """Folder of the synergy evaluation of ``layer``."""
        return self.root / "evaluation" / f"layer{layer}"

    def comparison(self, layer: int) -> Path:
        """The comparison of methods on ``layer`` (JSON)."""
        return self.evaluation_dir(layer) / "comparison.json"

    def synergy(self, layer: int, method: str) -> Path:
        """The auditable synergy file of ``method``'s coalitions on ``layer`` (JSON)."""
        return self.evaluation_dir(layer) / f"synergy_{method}.json"

    def decomposition_dir(self, layer: int) -> Path:
        """Folder of the decomposition of ``layer``'s synergy into computation and norm coupling."""
        return self.evaluation_dir(layer) / "decomposition"

    def decomposed_synergy(self, layer: int, method: str, frozen: bool) -> Path:
        """The synergy file of ``method``'s coalitions on ``layer`` in the decomposition, norms free or ``frozen`` (JSON)."""
        return self.decomposition_dir(layer) / f"synergy_{method}{'_frozen' if frozen else ''}.json"

    def decomposed_comparison(self, layer: int, frozen: bool) -> Path:
        """The comparison of methods in the decomposition, on the total or (``frozen``) on the computation (JSON)."""
        return self.decomposition_dir(layer) / f"comparison{'_frozen' if frozen else ''}.json"

    def meaning(self, layer: int) -> Path:
        """What the coalitions of ``layer`` mean: importance, interpretation, probes (JSON)."""
        return self.root / "meaning" / f"layer{layer}.json"

    @property
    def tracking_dir(self) -> Path:
        """Folder of the cross-layer tracking outputs."""
        return self.root / "tracking"

    def events(self, layer: int, next_layer: int) -> Path:
        """Events from ``layer`` to ``next_layer`` (JSON)."""
        return self.tracking_dir / f"events_{layer}_{next_layer}.json"

    @property
    def sankey(self) -> Path:
        """The Sankey diagram across layers (HTML)."""
        return self.tracking_dir / "sankey.html"

    @property
    def report(self) -> Path:
        """The run's HTML report."""
        return self.root / "report.html"

    def layers_with(self, folder: str) -> list[int]:
        """Layers that have a ``layer{L}.*`` artifact in ``folder`` (e.g. ``"partitions"``), ascending."""
        found = set()
        for path in (self.root / folder).glob("layer*.*"):
            digits = path.stem.removeprefix("layer")
            if digits.isdigit():
                found.add(int(digits))
        return sorted(found)
