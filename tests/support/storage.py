"""What the bot left on disk: for tests that a customer's data is gone from every file."""

from __future__ import annotations

from pathlib import Path


def files_holding(folder: Path, text: str) -> list[str]:
    """The files under `folder` whose raw bytes contain `text` (databases, their logs, any)."""
    needle = text.encode()
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )
