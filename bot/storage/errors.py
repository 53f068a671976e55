"""What the stores raise when they cannot be used at all (at start)."""

from __future__ import annotations


class StorageUnavailableError(RuntimeError):
    """The database or the data folder cannot be opened; the message names which and the kind
    of failure, never the URL (it holds a password)."""
