"""The draft's chat_data key is one constant of the storage layer, and a row that loses the draft
is written so that no older copy stays readable: decided from the stored JSON, not its text."""

from __future__ import annotations

from pathlib import Path

from bot.ptb.persistence import StatePersistence
from bot.storage.chat_store import DRAFT_KEY, RowKind
from bot.storage.chat_store_sqlite import SqliteStore
from conversations.kit.view import VIEW_KEY

CHAT_ID = 42


def test_the_conversations_draft_key_is_the_storage_layers() -> None:
    assert VIEW_KEY is DRAFT_KEY


async def persistence_with(tmp_path: Path, stored: dict[str, object]) -> StatePersistence:
    """A persistence that has loaded chat CHAT_ID holding `stored`."""
    persistence = StatePersistence(SqliteStore(tmp_path / "state.sqlite3"))
    await persistence.get_user_data()
    await persistence.load(CHAT_ID, None)
    await persistence.update_chat_data(CHAT_ID, stored)
    return persistence


async def test_a_row_that_loses_its_draft_erases_older_copies(tmp_path: Path) -> None:
    persistence = await persistence_with(tmp_path, {DRAFT_KEY: {"email": "ada@example.org"}})
    [row] = persistence.changes(chat=(CHAT_ID, {"booked": 1})).rows
    assert (row.kind, row.erase_old) == (RowKind.CHAT, True)
    await persistence.flush()


async def test_a_row_that_keeps_its_draft_or_never_had_one_erases_nothing(tmp_path: Path) -> None:
    persistence = await persistence_with(tmp_path, {DRAFT_KEY: {"email": "ada@example.org"}})
    [kept] = persistence.changes(chat=(CHAT_ID, {DRAFT_KEY: {"email": "ada@example.com"}})).rows
    assert not kept.erase_old
    await persistence.flush()
    # The key's name elsewhere in the row (nested, or inside a text) is not the draft.
    lookalike: dict[str, object] = {"notes": {DRAFT_KEY: 1}, "said": f'"{DRAFT_KEY}": yes'}
    persistence = await persistence_with(tmp_path, lookalike)
    [row] = persistence.changes(chat=(CHAT_ID, {"booked": 1})).rows
    assert not row.erase_old
    await persistence.flush()
