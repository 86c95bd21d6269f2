"""Which folders ``hedonic run`` may write into: new or empty ones, and its own run directories.

A run directory carries a marker, ``RUN_DIR/hedonic-run.json`` (kind ``run_directory``, format
version 1), written when a run first claims the folder. :func:`check_out_dir` refuses, before
anything is written: an empty ``out_dir`` (it would mean the current directory), a path that is a
file or lies under one, a folder that is not writable, and a non-empty folder without the marker
(a folder of run files written by an older hedonic, with its ``manifest.json`` or stage records,
counts as a run directory). :func:`claim` creates the folder and its marker.
"""

from __future__ import annotations

import os
from pathlib import Path

from hedonic.artifacts import read_json, write_json
from hedonic.errors import ArtifactError, ConfigError
from hedonic.layout import MARKER_NAME
from hedonic.manifest import MANIFEST_FORMAT_VERSION, MANIFEST_KIND
from hedonic.pipeline.stage_runner import STAGE_FORMAT_VERSION, STAGE_KIND

MARKER_KIND = "run_directory"
MARKER_FORMAT_VERSION = 1
_OUT_DIR_HINT = 'give the run a folder of its own: out_dir = "runs/my-run" in the configuration, or --out DIR'


def is_run_directory(root: Path) -> bool:
    """True when ``root`` holds a run-directory marker, or the manifest or stage records of an older hedonic run."""
    candidates = [(root / MARKER_NAME, MARKER_KIND, MARKER_FORMAT_VERSION)]
    candidates.append((root / "manifest.json", MANIFEST_KIND, MANIFEST_FORMAT_VERSION))
    candidates += [(path, STAGE_KIND, STAGE_FORMAT_VERSION) for path in sorted((root / "stages").glob("*.json"))[:1]]
    for path, kind, version in candidates:
        try:
            read_json(path, kind, version)
        except ArtifactError:
            continue
        return True
    return False


def check_out_dir(out_dir: str | Path) -> Path:
    """The run directory ``out_dir`` as a path, after checking that a run may write there (nothing is written).

    Raises :class:`ConfigError` naming the folder and the fix (see the module docstring).
    """
    if not str(out_dir).strip():
        raise ConfigError("out_dir is empty: the run would be written into the current directory", hint=_OUT_DIR_HINT)
    root = Path(out_dir).expanduser()
    if root.exists() and not root.is_dir():
        raise ConfigError(f"out_dir {root} is a file, not a folder", hint=_OUT_DIR_HINT)
    existing = next((path for path in (root, *root.absolute().parents) if path.exists()), Path("/"))
    if not existing.is_dir():
        raise ConfigError(f"out_dir {root} lies under {existing}, which is a file", hint=_OUT_DIR_HINT)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"out_dir {root}: {existing} is not writable", hint=_OUT_DIR_HINT)
    if root.is_dir() and not is_run_directory(root):
        held = sorted(path.name for path in root.iterdir())
        if held:
            shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
            raise ConfigError(
                f"out_dir {root} is not empty and is not a hedonic run directory (it holds {shown})",
                hint="hedonic writes a run only into a new or empty folder, or into a run directory of its own; "
                + _OUT_DIR_HINT,
            )
    return root


def claim(root: Path) -> None:
    """Create the run directory ``root`` and its marker; :class:`ConfigError` when the system refuses."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not (root / MARKER_NAME).is_file():
            note = "This folder is a hedonic run directory: `hedonic run` writes and rewrites the files in it."
            write_json(root / MARKER_NAME, MARKER_KIND, MARKER_FORMAT_VERSION, {"note": note})
    except OSError as exc:
        raise ConfigError(f"cannot create the run directory {root} ({exc.strerror or exc})", hint=_OUT_DIR_HINT) from exc
