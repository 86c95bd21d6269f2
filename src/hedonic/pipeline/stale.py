"""Artifacts of another configuration, moved out of the way into ``RUN_DIR/stale/``.

A rerun with a different configuration (fewer layers, other baselines, meaning switched off, no
adapter) would otherwise leave the old configuration's files where the report, the evaluation and
the stage timings read them. They are moved, not deleted (a φ can cost hours), to the same
relative path under ``stale/``, replacing an earlier stale copy there; nothing in hedonic reads
``stale/``. Only hedonic's own artifact folders are swept (:data:`ARTIFACT_ROOTS`): a file a user
put elsewhere in the run directory is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hedonic.artifacts import write_errors
from hedonic.layout import STALE_DIR
from hedonic.stage_table import artifact_roots

ARTIFACT_ROOTS = artifact_roots()
"""Files and folders of a run directory that only hedonic's stages write: the top of every output of
:data:`~hedonic.stage_table.STAGES` but the report's, and the stage records."""


def set_aside(root: Path, paths: Iterable[Path]) -> list[str]:
    """Move the existing files ``paths`` inside ``root`` to ``root/stale/<same relative path>``.

    Paths outside ``root`` are ignored. Returns the moved paths relative to ``root``, sorted;
    folders emptied by the move are removed. A move the system refuses raises
    :class:`~hedonic.errors.WriteError`.
    """
    moved = []
    for path in sorted({Path(p) for p in paths}):
        if not path.is_file() or root.resolve() not in path.resolve().parents:
            continue
        relative = path.resolve().relative_to(root.resolve())
        target = root / STALE_DIR / relative
        with write_errors(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            _remove_empty_parents(path.parent, root)
        moved.append(str(relative))
    return moved


def artifact_files(root: Path) -> list[Path]:
    """Every file under the artifact folders of ``root`` (:data:`ARTIFACT_ROOTS`), sorted."""
    found: list[Path] = []
    for name in ARTIFACT_ROOTS:
        path = root / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file())
    return sorted(found)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
