"""The draft's chat_data key is one constant of the storage layer, and a row that loses the draft
is written so that no older copy stays readable: decided from the stored JSON, not its text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.ptb.persistence import StatePersistence
from bot.storage.chat_store import DRAFT_KEY, RowKind
from bot.storage.chat_store_sqlite import SqliteStore
from conversations.booking.draft import Draft
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


def test_a_draft_writes_back_what_a_whole_dump_would_and_only_changes() -> None:
    # The view writes one changed field into a copy of what it wrote last, and nothing for a
    # value the field already holds: chat_data always equals the whole model dumped.
    chat_data: dict[str, Any] = {VIEW_KEY: {"menu": "old", "unknown_key": 1}}
    draft = Draft.bound_to(chat_data)
    draft.menu = "old"  # first assignment: the stored row is written out whole
    assert chat_data[VIEW_KEY] == draft.model_dump(mode="json")
    written = chat_data[VIEW_KEY]
    draft.page, draft.notice = 0, None  # what they hold already
    assert chat_data[VIEW_KEY] is written
    draft.day = date(2026, 12, 7)
    draft.page = 3
    draft.offered = (datetime(2026, 12, 7, 14, tzinfo=UTC),)
    draft.notice = "That time was just taken."
    assert chat_data[VIEW_KEY] is not written, "a new dict: an earlier read keeps what it read"
    assert written == Draft(menu="old").model_dump(mode="json")
    assert chat_data[VIEW_KEY] == draft.model_dump(mode="json")
    chat_data[VIEW_KEY] = {"menu": "elsewhere"}  # replaced by someone else: written whole
    draft.page = 3
    assert chat_data[VIEW_KEY] == draft.model_dump(mode="json")
