"""Which folders ``hedonic run`` may write into: new or empty ones, and its own run directories.

A run directory carries a marker, ``RUN_DIR/hedonic-run.json`` (kind ``run_directory``, format
version 1), written when a run first claims the folder. :func:`check_out_dir` refuses, before
anything is written: an empty ``out_dir`` (it would mean the current directory), a path that is a
file or lies under one, a folder that is not writable (the run directory, and every sub-folder a
run writes into: :data:`~hedonic.pipeline.stale.ARTIFACT_ROOTS` and ``stale/``), and a non-empty
folder without the marker (a folder of run files written by an older hedonic, with its
``manifest.json`` or stage records, counts as a run directory). :func:`claim` creates the folder
and its marker; :func:`discard_unused` removes a folder a refused run created and wrote nothing in.
"""

from __future__ import annotations

import os
from pathlib import Path

from hedonic.artifacts import read_json, write_json
from hedonic.errors import ArtifactError, ConfigError
from hedonic.layout import LOCK_NAME, MARKER_NAME, STALE_DIR, RunLayout
from hedonic.manifest import MANIFEST_FORMAT_VERSION, MANIFEST_KIND
from hedonic.pipeline.stage_runner import STAGE_FORMAT_VERSION, STAGE_KIND
from hedonic.pipeline.stale import ARTIFACT_ROOTS
from hedonic.stage_table import RECORDS_DIR

MARKER_KIND = "run_directory"
MARKER_FORMAT_VERSION = 1
_OUT_DIR_HINT = 'give the run a folder of its own: out_dir = "runs/my-run" in the configuration, or --out-dir DIR'


def is_run_directory(root: Path) -> bool:
    """True when ``root`` holds a run-directory marker, or the manifest or stage records of an older hedonic run."""
    candidates = [(root / MARKER_NAME, MARKER_KIND, MARKER_FORMAT_VERSION)]
    candidates.append((root / "manifest.json", MANIFEST_KIND, MANIFEST_FORMAT_VERSION))
    candidates += [(path, STAGE_KIND, STAGE_FORMAT_VERSION) for path in sorted((root / RECORDS_DIR).glob("*.json"))[:1]]
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
    locked = [folder for folder in _run_folders(root) if not os.access(folder, os.W_OK | os.X_OK)]
    if locked:
        shown = ", ".join(str(folder.relative_to(root)) for folder in locked[:3]) + (
            f" and {len(locked) - 3} more" if len(locked) > 3 else ""
        )
        raise ConfigError(
            f"out_dir {root}: the run writes into {shown}, which {'is' if len(locked) == 1 else 'are'} not writable",
            hint="make them writable (chmod u+w, chattr -i), or give the run another out_dir / --out-dir DIR",
        )
    if root.is_dir() and not is_run_directory(root):
        held = sorted(path.name for path in root.iterdir())
        if held:
            shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
            raise ConfigError(
                f"out_dir {root} is not empty and is not a hedonic run directory (it holds {shown})",
                hint="hedonic writes a run only into a new or empty folder, or into a run directory of its own; " + _OUT_DIR_HINT,
            )
    return root


def _run_folders(root: Path) -> list[Path]:
    """The existing folders under ``root`` that a run writes into: its artifact folders and ``stale/``, with every sub-folder."""
    found = []
    for name in (*ARTIFACT_ROOTS, STALE_DIR):
        top = root / name
        if top.is_dir() and not top.is_symlink():
            found += [top, *sorted(path for path in top.rglob("*") if path.is_dir())]
    return found


def discard_unused(root: Path, created: Path) -> None:
    """Remove the run directory ``root`` (and its parents up to ``created``, the first one the run made)
    when it holds nothing but what claiming it wrote (the marker, ``config.toml``, the lock)."""
    claimed = {MARKER_NAME, LOCK_NAME, RunLayout(root).config.name}
    if not root.is_dir() or any(path.name not in claimed or not path.is_file() for path in root.iterdir()):
        return
    for path in root.iterdir():
        path.unlink()
    for folder in (root, *root.parents):
        if any(folder.iterdir()):
            return
        folder.rmdir()
        if folder == created:
            return


def first_missing(root: Path) -> Path | None:
    """The outermost folder of ``root`` (``root`` or one of its parents) that does not exist yet; None when ``root`` exists."""
    missing = None
    for folder in (root, *root.absolute().parents):
        if folder.exists():
            return missing
        missing = folder
    return missing


def claim(root: Path) -> None:
    """Create the run directory ``root`` and its marker; :class:`ConfigError` when the system refuses."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not (root / MARKER_NAME).is_file():
            note = "This folder is a hedonic run directory: `hedonic run` writes and rewrites the files in it."
            write_json(root / MARKER_NAME, MARKER_KIND, MARKER_FORMAT_VERSION, {"note": note})
    except OSError as exc:
        raise ConfigError(f"cannot create the run directory {root} ({exc.strerror or exc})", hint=_OUT_DIR_HINT) from exc
