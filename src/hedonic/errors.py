"""Error types raised for bad user input; each carries a hint that says how to fix it."""

from __future__ import annotations


class HedonicError(Exception):
    """A problem with the user's input, with what went wrong and what to do about it.

    The CLI prints ``str(error)`` (message, then ``hint`` on its own line) and exits with code 2,
    without a traceback.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\nHint: {hint}")


class ModelError(HedonicError):
    """The model cannot be loaded or analysed (unknown family, bad layer, wrong head)."""


class DataError(HedonicError):
    """A dataset file is missing, empty or malformed."""


class ArtifactError(HedonicError):
    """An artifact file is corrupt, of the wrong kind, or of an unsupported format version."""


class WriteError(HedonicError):
    """The system refused a write (disk full, file-size limit, permission, read-only folder): nothing was half-written."""


class ConfigError(HedonicError, ValueError):
    """A configuration value, key or argument is invalid (also a :class:`ValueError`)."""


class MemoryBudgetError(HedonicError):
    """An allocation estimated up front would exceed the memory budget."""


class NumericalError(HedonicError):
    """NaN or infinite values appeared where finite numbers are required."""
