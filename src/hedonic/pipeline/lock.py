"""One writer per run directory: ``RUN_DIR/run.lock``, held for the whole run, names its holder.

The lock file holds JSON ``{"pid", "host", "started"}`` of the process that holds it. On POSIX
systems the file is also locked with ``flock`` (exclusive, non-blocking), which the kernel releases
when the holder dies, however it dies: a second run on the same directory fails at once naming
the holder, and a lock file left behind by a killed run is taken over by the next one. Where
``fcntl`` does not exist (Windows), the file is created exclusively and a lock whose pid no longer
runs on this host is taken over.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from hedonic.artifacts import write_errors
from hedonic.errors import ConfigError
from hedonic.layout import LOCK_NAME

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class RunLock:
    """Exclusive hold on the run directory ``root`` while in a ``with`` block (``root`` must exist).

    ``previous`` is the holder record of a stale lock this process took over (None if there was none).
    Raises :class:`ConfigError` naming the holder when another live process holds the lock, and
    :class:`~hedonic.errors.WriteError` when its record cannot be written (the lock is then released).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LOCK_NAME
        self.previous: dict[str, Any] | None = None
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        try:
            self._fd = _open_locked(self.path) if fcntl is not None else _create_exclusive(self.path)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the lock file {self.path} ({exc.strerror or exc})",
                hint="give the run a folder you can write to (out_dir, or --out-dir DIR)",
            ) from exc
        previous = _holder(self._fd)
        self.previous = previous if previous and previous.get("pid") != os.getpid() else None
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
        try:
            with write_errors(self.path):
                os.ftruncate(self._fd, 0)
                os.lseek(self._fd, 0, os.SEEK_SET)
                os.write(self._fd, (json.dumps(record, sort_keys=True) + "\n").encode("utf-8"))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def describe_holder(holder: dict[str, Any] | None) -> str:
    """``pid N on HOST since T`` for a lock holder record (``an unknown process`` when unreadable)."""
    if not holder:
        return "an unknown process"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} since {holder.get('started', '?')}"


def _open_locked(path: Path) -> int:
    """Open ``path`` and take its flock; retry when the file was replaced between open and lock."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise _busy(path, holder) from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _create_exclusive(path: Path) -> int:  # pragma: no cover - Windows
    """Create ``path`` exclusively; take over a lock whose pid no longer runs on this host."""
    while True:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            fd = os.open(path, os.O_RDONLY)
            holder = _holder(fd)
            os.close(fd)
            if holder and holder.get("host") == socket.gethostname() and _alive(int(holder.get("pid", -1))):
                raise _busy(path, holder) from None
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:  # pragma: no cover - Windows
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    return True


def _holder(fd: int) -> dict[str, Any] | None:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        holder = json.loads(os.read(fd, 4096).decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        return None
    return holder if isinstance(holder, dict) else None


def _busy(path: Path, holder: dict[str, Any] | None) -> ConfigError:
    return ConfigError(
        f"run directory {path.parent} is in use: another hedonic run ({describe_holder(holder)}) holds {path}",
        hint="wait for that run to finish (or stop it), or give this run another out_dir / --out-dir",
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
