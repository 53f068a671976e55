"""The embedded state store: one SQLite file under BOT_DATA_DIR, for a single bot process.

A turn that shows the customer something is written down (`unfinished_turns`: its update and
digests of what it showed) before each thing it shows is sent, and crossed out in the
transaction that commits it: a kill in between hands the update to the chat's next turn.

Every write is its own committed transaction (autocommit) in a WAL journal with
``synchronous=NORMAL``: once a write has returned, the change is in the journal the operating
system holds, so it survives a SIGKILL of the process; a power cut may lose the last writes
(never the file's consistency). The booking ledger, which must survive a power cut too, syncs
each commit (ledger_sqlite.py).

A turn's own reads and writes (one chat's rows, by key) run on the event loop: without a sync
to wait for, each is some tens of microseconds, less than the hop to a worker thread and back
(measured under a burst of customers: the hops cost the bot about a sixth of its CPU per
update). What grows with the number of chats (the idle sweep's scan, the counts), the
checkpoint that erases old copies (it may wait for someone reading the file), and opening and
closing the file run in a worker thread. One connection is shared and guarded by a lock; while
a worker thread holds it, a turn's statement goes to a worker thread too, so the loop never
waits for the lock. What the loop may still wait for: SQLite's own automatic checkpoint (every
thousand pages of journal) syncs the file inside a commit, and someone writing to the file in
another connection holds a turn's write up to the busy timeout; a deployment that cannot
have that uses PostgreSQL.
An operator can read a stuck customer's state with the ``sqlite3`` shell: every value is JSON
text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from bot.storage.chat_store import (
    DRAFT_KEY,
    Changes,
    ChatRows,
    RowChange,
    RowKind,
    StateStore,
    Unfinished,
)

__all__ = ["SqliteStore"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

# Bumped whenever the layout changes, so a newer file is refused instead of misread.
# 2: chat_data.touched_at (the idle sweep) and conversations.chat_id (read per chat).
# 3: unfinished_turns (a turn cut short after it showed something).
_SCHEMA_VERSION: Final = 3
# Milliseconds a statement waits for another connection to the file (an operator's shell).
_BUSY_MS: Final = 5000
# ...and the checkpoint that erases old copies, while it holds every turn's statements up: one
# that cannot finish now (someone is reading the file) is done again at the next commit.
_ERASE_BUSY_MS: Final = 100

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_data (
    chat_id    INTEGER PRIMARY KEY,
    data       TEXT NOT NULL,
    touched_at TEXT
);
CREATE TABLE IF NOT EXISTS bot_data (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    name    TEXT NOT NULL,
    key     TEXT NOT NULL,
    state   TEXT NOT NULL,
    chat_id INTEGER,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unfinished_turns (
    chat_id   INTEGER PRIMARY KEY,
    update_id INTEGER NOT NULL,
    payload   TEXT NOT NULL,
    shown     TEXT NOT NULL
);
"""
# Created after the migration, which may first have to add the columns they index.
_INDEXES: Final = """
CREATE INDEX IF NOT EXISTS conversations_by_chat ON conversations (chat_id);
CREATE INDEX IF NOT EXISTS chat_data_by_touch ON chat_data (touched_at)
    WHERE touched_at IS NOT NULL;
"""
# Version 1 files lack these; filled from the JSON they already hold.
_MIGRATE_FROM_1: Final = f"""
ALTER TABLE chat_data ADD COLUMN touched_at TEXT;
ALTER TABLE conversations ADD COLUMN chat_id INTEGER;
UPDATE conversations SET chat_id = json_extract(key, '$[0]');
UPDATE chat_data SET touched_at = json_extract(data, '$.{DRAFT_KEY}.touched_at');
"""

# The id column of each kind of row; names come from here only, so formatting them into SQL
# cannot inject anything.
_ID_COLUMN: Final = {RowKind.USER: "user_id", RowKind.CHAT: "chat_id"}


def _utc_text(moment: datetime | None) -> str | None:
    # One fixed form, so that text order is time order in the idle sweep's query.
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


_OPEN_DRAFTS = "SELECT COUNT(*) FROM chat_data WHERE touched_at IS NOT NULL"


class SqliteStore(StateStore):
    """State rows in one SQLite file; this process must be its only writer."""

    shared = False
    records_shown = True

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        # Reentrant: the loop takes it to see whether it is free, then runs the statement, which
        # takes it again (_on_loop).
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        # The chats with a row in unfinished_turns (read when the file is opened), so a turn
        # reads or deletes one only where there is one.
        self._unfinished: set[int] = set()
        # Old copies of rows still to erase: the last checkpoint was held up by a reader.
        self._erase_pending = False

    @property
    def path(self) -> Path:
        """The SQLite file this store reads and writes."""
        return self._path

    async def open(self) -> None:
        """Open (creating or migrating) the file now, so a bad path fails at start."""
        await asyncio.to_thread(self._connection_locked)

    async def close(self) -> None:
        """Close the file; every write is already committed, so nothing is pending."""
        await asyncio.to_thread(self._close)

    async def read(self, chat_id: int | None, user_id: int | None) -> ChatRows:
        """The chat's data and conversations and the user's data."""
        return await self._on_loop(self._read, chat_id, user_id)

    async def commit(self, changes: Changes, *, turn: tuple[int, int] | None = None) -> None:
        """Write the changes in one transaction, committed before this returns; `turn`'s update
        is no longer unfinished from then on."""
        finishes = turn is not None and turn[0] in self._unfinished
        if not (changes or finishes):
            return
        await self._erase_old_copies(
            await self._on_loop(self._commit, changes, turn if finishes else None)
        )

    async def idle_chats(self, touched_before: datetime, limit: int) -> list[int]:
        """Chats whose draft was last touched before `touched_before`, oldest first."""
        rows = await asyncio.to_thread(
            self._fetch,
            "SELECT chat_id FROM chat_data WHERE touched_at IS NOT NULL AND touched_at < ? "
            "ORDER BY touched_at LIMIT ?",
            (_utc_text(touched_before), limit),
        )
        return [int(row[0]) for row in rows]

    @contextlib.asynccontextmanager
    async def turn(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> AsyncIterator[str | None]:
        """Nothing to hold (this process is the only one, and it orders each chat's updates);
        hands over the JSON of an update whose turn was cut short after it showed something."""
        async with self.hold(chat_id, update_id, payload) as left:
            yield None if left is None else left.payload

    @contextlib.asynccontextmanager
    async def hold(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> AsyncIterator[Unfinished | None]:
        """Hand over (once: it is crossed out at once) the chat's unfinished update with what
        its turn had shown; None for a job's turn, which is no update's."""
        if self._conn is None:
            await self.open()  # the unfinished chats are read with the file
        left = None
        if update_id is not None and chat_id in self._unfinished:
            left, erase = await self._on_loop(self._take_unfinished, chat_id)
            await self._erase_old_copies(erase)
        yield left

    async def showing(
        self, chat_id: int, update_id: int, payload: str, shown: tuple[str, ...]
    ) -> None:
        """Write the update and what its turn shows down, committed before this returns."""
        await self._on_loop(self._write_unfinished, chat_id, update_id, payload, shown)

    async def _erase_old_copies(self, needed: bool) -> None:
        """Erase old copies of rows when a statement just made them stale (`needed`), or when
        the last try was held up by a reader; in a worker thread (it syncs the file)."""
        if needed or self._erase_pending:
            await asyncio.to_thread(self._erase_old_copies_locked)

    async def _on_loop(self, statement: Callable[..., _T], *args: Any) -> _T:
        """Run one of a turn's statements (which takes the lock) here on the loop when the
        lock is free; else in a worker thread, which waits for it instead of the loop."""
        if not self._lock.acquire(blocking=False):
            return await asyncio.to_thread(statement, *args)
        try:
            return statement(*args)
        finally:
            self._lock.release()

    async def count(self, kind: RowKind) -> int:
        """How many rows of a kind are stored."""
        rows = await asyncio.to_thread(self._fetch, f"SELECT COUNT(*) FROM {kind.value}", ())
        return int(rows[0][0])

    async def open_drafts(self) -> int:
        """How many chats have a draft (counted on the idle sweep's partial index)."""
        rows = await asyncio.to_thread(self._fetch, _OPEN_DRAFTS, ())
        return int(rows[0][0])

    # -- blocking helpers: a turn's on the loop, the others in a worker thread -----------------

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None is autocommit: each statement commits on its own, so "the
        # coroutine returned" means "the change is in the journal". check_same_thread=False
        # because asyncio.to_thread may use any pool thread; self._lock serialises access.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            # WAL appends commits to the log, so a process killed mid-write never tears the
            # main file; NORMAL syncs at checkpoints, not at each commit (see the docstring).
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # Deleted or overwritten rows are zeroed on disk, not just unlinked.
            conn.execute("PRAGMA secure_delete=ON")
            # Only matters if someone inspects the file with another connection meanwhile.
            conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > _SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self._path} has schema version {version}, newer than the supported "
                    f"{_SCHEMA_VERSION}; refusing to touch it"
                )
            conn.executescript(_SCHEMA)
            if version == 1:
                conn.executescript(f"BEGIN; {_MIGRATE_FROM_1} COMMIT;")
            conn.executescript(_INDEXES)
            conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
            rows = conn.execute("SELECT chat_id FROM unfinished_turns").fetchall()
            self._unfinished = {int(row[0]) for row in rows}
        except BaseException:
            conn.close()
            raise
        _LOGGER.debug("Opened state file %s", self._path)
        return conn

    def _connection_locked(self) -> sqlite3.Connection:
        with self._lock:
            return self._connection()

    def _connection(self) -> sqlite3.Connection:
        # Caller holds self._lock; a closed store reopens on its next use.
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                # Closing the last connection also checkpoints the WAL into the main file.
                self._conn.close()
                self._conn = None

    def _fetch(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection().execute(sql, args).fetchall()

    def _read(self, chat_id: int | None, user_id: int | None) -> ChatRows:
        with self._lock:
            conn = self._connection()
            chat = user = None
            conversations: list[tuple[str, str, str]] = []
            if chat_id is not None:
                row = conn.execute(
                    "SELECT data FROM chat_data WHERE chat_id = ?", (chat_id,)
                ).fetchone()
                chat = row[0] if row else None
                conversations = conn.execute(
                    "SELECT name, key, state FROM conversations WHERE chat_id = ?", (chat_id,)
                ).fetchall()
            if user_id is not None:
                row = conn.execute(
                    "SELECT data FROM user_data WHERE user_id = ?", (user_id,)
                ).fetchone()
                user = row[0] if row else None
        return ChatRows(chat_data=chat, user_data=user, conversations=conversations)

    def _commit(self, changes: Changes, turn: tuple[int, int] | None) -> bool:
        """Commit; True when older copies of rows must now be erased (_erase_old_copies_locked)."""
        with self._lock:
            conn = self._connection()
            erase = False
            conn.execute("BEGIN IMMEDIATE")
            try:
                finished = self._finish_unfinished(conn, changes, turn)
                for row in changes.rows:
                    erase |= row.erase_old or row.text is None
                    self._write_row(conn, row)
                for change in changes.conversations:
                    if change.state_text is None:
                        conn.execute(
                            "DELETE FROM conversations WHERE name = ? AND key = ?",
                            (change.name, change.key_text),
                        )
                    else:
                        conn.execute(
                            "INSERT INTO conversations (name, key, state, chat_id) "
                            "VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                            (change.name, change.key_text, change.state_text, change.chat_id),
                        )
                # An update's JSON holds what the customer typed and their Telegram name: once
                # crossed out, no copy of it stays, unless a booking is open (its data is in
                # the store anyway, and leaves with its draft: erase_old).
                erase |= any(self._no_booking_open(conn, chat) for chat in finished)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._unfinished -= finished
        return erase

    @staticmethod
    def _no_booking_open(conn: sqlite3.Connection, chat_id: int) -> bool:
        """Whether the chat has no draft (none touched), as committed."""
        row = conn.execute(
            "SELECT touched_at FROM chat_data WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        return row is None or row[0] is None

    def _finish_unfinished(
        self, conn: sqlite3.Connection, changes: Changes, turn: tuple[int, int] | None
    ) -> set[int]:
        """Cross out the turn's own update and the unfinished updates `changes` forgets (in
        the caller's transaction); returns the chats whose row went."""
        finished: set[int] = set()
        if turn is not None:
            deleted = conn.execute(
                "DELETE FROM unfinished_turns WHERE chat_id = ? AND update_id = ?", turn
            )
            if deleted.rowcount:
                finished.add(turn[0])
        for chat_id in changes.forget_unfinished:
            if chat_id in self._unfinished:
                conn.execute("DELETE FROM unfinished_turns WHERE chat_id = ?", (chat_id,))
                finished.add(chat_id)
        return finished

    def _take_unfinished(self, chat_id: int) -> tuple[Unfinished | None, bool]:
        """The chat's unfinished update, crossed out; and whether older copies of rows must
        now be erased (as at a commit, see _commit)."""
        with self._lock:
            conn = self._connection()
            row = conn.execute(
                "SELECT payload, shown FROM unfinished_turns WHERE chat_id = ?", (chat_id,)
            ).fetchone()
            conn.execute("DELETE FROM unfinished_turns WHERE chat_id = ?", (chat_id,))
            self._unfinished.discard(chat_id)
            erase = self._no_booking_open(conn, chat_id)
        if row is None:
            return None, erase
        payload, shown = row
        left = Unfinished(str(payload), tuple(str(digest) for digest in json.loads(shown)))
        return left, erase

    def _write_unfinished(
        self, chat_id: int, update_id: int, payload: str, shown: tuple[str, ...]
    ) -> None:
        with self._lock:
            self._connection().execute(
                "INSERT INTO unfinished_turns (chat_id, update_id, payload, shown) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
                "update_id = excluded.update_id, payload = excluded.payload, "
                "shown = excluded.shown",
                (chat_id, update_id, payload, json.dumps(list(shown))),
            )
            self._unfinished.add(chat_id)

    @staticmethod
    def _write_row(conn: sqlite3.Connection, row: RowChange) -> None:
        column = _ID_COLUMN[row.kind]
        if row.text is None:
            conn.execute(f"DELETE FROM {row.kind.value} WHERE {column} = ?", (row.row_id,))
        elif row.kind is RowKind.CHAT:
            conn.execute(
                "INSERT INTO chat_data (chat_id, data, touched_at) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET data = excluded.data, "
                "touched_at = excluded.touched_at",
                (row.row_id, row.text, _utc_text(row.touched)),
            )
        else:
            conn.execute(
                f"INSERT INTO {row.kind.value} ({column}, data) VALUES (?, ?) "
                f"ON CONFLICT ({column}) DO UPDATE SET data = excluded.data",
                (row.row_id, row.text),
            )

    def _erase_old_copies_locked(self) -> None:
        # Moves every page into the main file (which zeroes what was freed, secure_delete) and
        # empties the write-ahead log, so earlier versions of rows are gone. It syncs the file:
        # a worker thread's work, not the loop's.
        with self._lock:
            conn = self._connection()
            conn.execute(f"PRAGMA busy_timeout={_ERASE_BUSY_MS}")
            try:
                (busy, _, _) = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            self._erase_pending = bool(busy)
