"""Plain, versioned artifact files written atomically.

Every artifact carries a ``kind`` (what it holds, e.g. ``"partition"``) and a ``format_version``
(an integer). JSON artifacts store both as top-level keys; safetensors artifacts store them in the
file's string metadata. Writers go through a temporary file in the same folder followed by
``os.replace``, so a killed process never leaves a half-written artifact behind, and any
:class:`OSError` of a write (a full disk, a file-size limit, a folder made read-only) becomes one
:class:`~hedonic.errors.WriteError` naming the file and the cause (:func:`write_errors`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.errors import ArtifactError, WriteError

TEMPORARY_SUFFIX = ".tmp"
"""Suffix of the temporary file each write goes through before it is renamed into place."""
WRITE_HINT = (
    "make room on the disk, raise the file-size limit (ulimit -f) or make the folder writable, then rerun "
    "the same command: nothing was half-written, and `hedonic run` resumes where it stopped"
)


@contextmanager
def write_errors(path: str | Path) -> Iterator[None]:
    """Turn an :class:`OSError` raised in the block into a :class:`WriteError` about writing ``path``.

    The message names the path, the system's reason and its errno name (e.g. ``No space left on
    device [ENOSPC]``); the hint says how to fix it and that a rerun resumes.
    """
    try:
        yield
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {describe_os_error(exc)}", hint=WRITE_HINT) from exc


def describe_os_error(exc: OSError) -> str:
    """The system's reason for ``exc`` with its errno name, e.g. ``File too large [EFBIG]``."""
    name = errno.errorcode.get(exc.errno or 0)
    reason = exc.strerror or str(exc)
    return f"{reason} [{name}]" if name else reason


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename).

    Parent folders are created; the file gets the usual permissions (0666 less the umask), not
    the temp file's 0600. Returns the path written. Any :class:`OSError` (disk full, file too
    large, permission) leaves no temporary file and is raised as :class:`WriteError`
    (:func:`write_errors`).
    """
    path = Path(path)
    with write_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def leftover_temporaries(root: str | Path) -> list[Path]:
    """The temporary files of :func:`atomic_write_bytes` under ``root`` (``.NAME.XXXX.tmp``), sorted:
    what a writer killed by SIGKILL in the middle of a write leaves behind."""
    return sorted(path for path in Path(root).rglob(f".*{TEMPORARY_SUFFIX}") if path.is_file())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_float(value: Any) -> float:
    """A JSON number read back as a float: ``null`` is NaN (the one rule of every JSON artifact:
    :func:`write_json` writes NaN as ``null``, and readers turn ``null`` back into NaN with this)."""
    return float("nan") if value is None else float(value)


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _to_jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, kind: str, format_version: int, payload: Mapping[str, Any]) -> Path:
    """Write a JSON artifact ``{"kind", "format_version", **payload}`` atomically.

    Keys are sorted and the text is deterministic for equal payloads (byte-identical reruns).
    NumPy scalars and arrays are converted to plain JSON values; NaN is written as ``null``
    (read it back with :func:`json_float`); infinities are refused.
    """
    document = {"kind": kind, "format_version": format_version, **_to_jsonable(payload)}
    text = json.dumps(document, indent=1, sort_keys=True, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def read_json(path: str | Path, kind: str, format_version: int) -> dict[str, Any]:
    """Read a JSON artifact written by :func:`write_json`, checking its kind and version.

    Raises :class:`ArtifactError` naming the file when it is missing, not valid JSON, of another
    kind, or of another format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such file", hint="check the path or rerun the stage that writes it")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            f"{path}: not a valid JSON artifact ({exc})",
            hint="the file is corrupt or truncated; delete it and rerun the stage that writes it",
        ) from exc
    if not isinstance(document, dict):
        raise ArtifactError(f"{path}: expected a JSON object at top level")
    _check_header(path, document.get("kind"), document.get("format_version"), kind, format_version)
    return document


def _check_header(path: Path, found_kind: Any, found_version: Any, kind: str, format_version: int | tuple[int, ...]) -> None:
    if found_kind != kind:
        raise ArtifactError(
            f"{path}: holds a {found_kind!r} artifact, expected {kind!r}",
            hint="pass the file of the right kind",
        )
    versions = format_version if isinstance(format_version, tuple) else (format_version,)
    if str(found_version) not in {str(version) for version in versions}:
        raise ArtifactError(
            f"{path}: {kind} format version {found_version!r} is not supported (this hedonic reads "
            f"version {' or '.join(map(str, versions))})",
            hint="rerun the stage that writes it with this version of hedonic",
        )


def save_tensors(
    path: str | Path,
    kind: str,
    format_version: int,
    tensors: Mapping[str, np.ndarray],
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Save NumPy arrays as a safetensors artifact atomically, with kind and version in metadata.

    ``metadata`` values must be strings (safetensors' rule); JSON-encode structured values. The
    header is written with its keys sorted (:func:`canonical_safetensors`), so equal tensors and
    metadata give byte-identical files.
    """
    from safetensors.numpy import save

    meta = {"kind": kind, "format_version": str(format_version), **(metadata or {})}
    arrays = {name: np.ascontiguousarray(value) for name, value in tensors.items()}
    return atomic_write_bytes(path, canonical_safetensors(save(arrays, metadata=meta)))


def canonical_safetensors(data: bytes) -> bytes:
    """``data`` (a safetensors file) with its JSON header rewritten with sorted keys.

    safetensors serialises the header from a hash map, so the order of the metadata and tensor
    entries differs between calls. The tensor bytes and their ``data_offsets`` (relative to the end
    of the header) are unchanged; the header is padded with spaces to a multiple of 8 bytes, as
    safetensors itself does.
    """
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + length :]


def load_tensors(path: str | Path, kind: str, format_version: int | tuple[int, ...]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Load a safetensors artifact written by :func:`save_tensors`; returns (arrays, metadata).

    ``format_version``: the version read, or a tuple of the versions read. Raises
    :class:`ArtifactError` naming the file when it is missing, corrupt, of another kind or of
    another format version.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such file", hint="check the path or rerun the stage that writes it")
    data = path.read_bytes()
    try:
        arrays = load(data)
        metadata = _safetensors_metadata(data)
    except (SafetensorError, ValueError, json.JSONDecodeError) as exc:
        raise ArtifactError(
            f"{path}: not a valid safetensors artifact ({exc})",
            hint="the file is corrupt or truncated; delete it and rerun the stage that writes it",
        ) from exc
    _check_header(path, metadata.get("kind"), metadata.get("format_version"), kind, format_version)
    return arrays, metadata


def _safetensors_metadata(data: bytes) -> dict[str, str]:
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    return dict(header.get("__metadata__", {}))


NPY_MAGIC = b"\x93NUMPY"
"""The first bytes of every ``.npy`` file."""


def load_npy(path: str | Path, hint: str) -> np.ndarray:
    """The array of the ``.npy`` file ``path``, read without unpickling anything.

    The header is read first: a file that does not start with :data:`NPY_MAGIC` (a text file
    named ``.npy``), an array of Python objects (pickled data, which hedonic never loads) and a
    header that declares more data than the file holds (truncated, or forged to make the reader
    allocate an n×n array for a huge n) are refused before the data is read, so the array never
    takes more memory than the file. Raises :class:`ArtifactError` naming the file, with ``hint``.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such file", hint=hint)
    try:
        with open(path, "rb") as handle:
            if handle.read(len(NPY_MAGIC)) != NPY_MAGIC:
                raise ArtifactError(f"{path}: not a .npy array (it does not start with the NUMPY header)", hint=hint)
            handle.seek(0)
            shape, dtype, offset = _npy_header(handle)
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(f"{path}: not a valid .npy array (unreadable header: {exc})", hint=hint) from exc
    if dtype.hasobject:
        raise ArtifactError(f"{path}: the array holds Python objects (pickled data), which hedonic never loads", hint=hint)
    declared = offset + math.prod(shape) * dtype.itemsize
    size = path.stat().st_size
    if size < declared:
        raise ArtifactError(
            f"{path}: truncated .npy array: its header declares shape {shape} of {dtype} ({declared} bytes), the file holds {size}",
            hint=hint,
        )
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(f"{path}: not a valid .npy array ({exc})", hint=hint) from exc


def _npy_header(handle: Any) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, data offset) of the ``.npy`` file open in ``handle``; ValueError for an unknown version."""
    from numpy.lib import format as npy_format

    version = npy_format.read_magic(handle)
    readers = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f".npy format version {version} (hedonic reads 1.0 and 2.0)")
    shape, _fortran_order, dtype = readers[version](handle)
    return tuple(int(side) for side in shape), dtype, handle.tell()


def artifact_kind(path: str | Path) -> str | None:
    """The ``kind`` of the hedonic artifact at ``path`` (JSON or safetensors), or None when it is not one.

    Reads only what tells them apart: the first byte, then the JSON document or the safetensors
    header. A missing file, a folder or any other content gives None.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if head[:1] == b"{":
                document = json.loads(head + handle.read())
            else:
                length = int.from_bytes(head, "little") if len(head) == 8 else 0
                document = json.loads(handle.read(length)).get("__metadata__", {}) if 0 < length < (1 << 24) else None
    except (OSError, ValueError, AttributeError):
        return None
    kind = document.get("kind") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (used for content hashes of stage inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
