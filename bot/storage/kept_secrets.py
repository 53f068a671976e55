"""Secrets the bot makes itself when none is configured, kept in BOT_DATA_DIR across restarts."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def kept_secret(data_dir: Path, name: str) -> str:
    """The secret stored as `name` under `data_dir`, made (owner-readable only) the first time.

    token_urlsafe writes only A-Z a-z 0-9 _ -, which is what Telegram allows for a webhook
    secret, and 32 bytes of it are plenty for an HMAC key.
    """
    path = data_dir / name
    if path.exists():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret)
    return secret
