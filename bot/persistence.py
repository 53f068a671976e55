"""Durable conversation state for the bot, kept as JSON text in one SQLite file.

JSON rather than pickle: a damaged or hostile file cannot execute code when loaded, and an
operator can read a stuck customer's state with the ``sqlite3`` shell. The price is that only
JSON-shaped data can be stored, which the bot guarantees for its chat_data on purpose.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sqlite3
import threading
from pathlib import Path
from typing import Any, Final

from telegram.ext import BasePersistence, PersistenceInput

__all__ = ["SqlitePersistence"]

_LOGGER = logging.getLogger(__name__)

ConversationKey = tuple[int | str, ...]
JsonDict = dict[str, Any]

# Bumped whenever the table layout changes, so a newer file is refused instead of misread.
_SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_data (
    chat_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_data (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
"""

# Table and id-column names are fixed here, never taken from callers, so formatting them into
# SQL cannot inject anything.
_USER: Final = ("user_data", "user_id")
_CHAT: Final = ("chat_data", "chat_id")
_BOT_ROW_ID: Final = 1


class SqlitePersistence(BasePersistence[JsonDict, JsonDict, JsonDict]):
    """PTB persistence storing user, chat and bot data and conversation states in SQLite.

    Every write is its own committed transaction (autocommit) in a WAL journal with
    ``synchronous=FULL``: once an ``update_*`` coroutine has returned, the change survives a
    SIGKILL of the process and even a power cut. Blocking sqlite calls run in a worker thread
    via :func:`asyncio.to_thread`; one connection is shared and guarded by a lock.

    This instance must be the only writer of its file: unchanged data is not rewritten (PTB
    hands over bot_data on every tick), and the ``refresh_*`` hooks do nothing.
    """

    __slots__ = ("_conn", "_last_written", "_lock", "_path", "_private_keys")

    def __init__(
        self,
        path: Path,
        *,
        update_interval: float = 0.25,
        private_keys: tuple[str, ...] = ("draft",),
    ) -> None:
        # PTB writes changed data only every `update_interval` seconds, after the handler that
        # changed it has already answered the customer. The product promises that a SIGKILL
        # half a second after an answer loses nothing, so the interval must stay well below
        # 0.5 s, leaving headroom for the write itself.
        super().__init__(
            # bot_data holds the process's live services (clients, caches), which are rebuilt
            # at every start and are not data to keep.
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._path = Path(path)
        # Top-level chat_data keys holding personal data (the draft's name and e-mail): once a
        # row loses one, no older copy of it may stay in the write-ahead log.
        self._private_keys = tuple(f'"{key}":' for key in private_keys)
        self._lock = threading.Lock()
        # Last JSON text committed per (table, id), to skip rewriting identical data.
        self._last_written: dict[tuple[str, int], str] = {}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Opened eagerly so a bad path or a newer schema fails at start-up, not mid-chat.
        self._conn: sqlite3.Connection | None = self._open()

    @property
    def path(self) -> Path:
        """The SQLite file this persistence reads and writes."""
        return self._path

    # -- loading -----------------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, JsonDict]:
        """Return all stored user_data, keyed by user id."""
        return await asyncio.to_thread(self._load_table, _USER)

    async def get_chat_data(self) -> dict[int, JsonDict]:
        """Return all stored chat_data, keyed by chat id."""
        return await asyncio.to_thread(self._load_table, _CHAT)

    async def get_bot_data(self) -> JsonDict:
        """Return the stored bot_data, or an empty dict."""
        return await asyncio.to_thread(self._load_bot_data)

    async def get_callback_data(self) -> None:
        """Return None: arbitrary callback data is not persisted (see update_callback_data)."""
        return None

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        """Return the stored states of the conversation handler called ``name``.

        States come back as plain JSON values: an ``IntEnum`` state is loaded as its ``int``,
        which compares and hashes equal to the member, so ConversationHandler still finds it.
        """
        return await asyncio.to_thread(self._load_conversations, name)

    # -- writing -----------------------------------------------------------------------------

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store the state of one conversation; ``None`` deletes it (the conversation ended)."""
        key_text = _encode_key(name, key)
        if new_state is None:
            await asyncio.to_thread(self._delete_conversation, name, key_text)
            return
        state_text = _encode(new_state, f"conversation {name!r} {key!r} state")
        await asyncio.to_thread(self._store_conversation, name, key_text, state_text)

    async def update_user_data(self, user_id: int, data: JsonDict) -> None:
        """Store the user_data of one user."""
        text = _encode_dict(data, f"user_data[{user_id}]")
        await asyncio.to_thread(self._store_row, _USER, user_id, text)

    async def update_chat_data(self, chat_id: int, data: JsonDict) -> None:
        """Store the chat_data of one chat."""
        text = _encode_dict(data, f"chat_data[{chat_id}]")
        await asyncio.to_thread(self._store_row, _CHAT, chat_id, text)

    async def update_bot_data(self, data: JsonDict) -> None:
        """Store the bot-wide bot_data."""
        text = _encode_dict(data, "bot_data")
        await asyncio.to_thread(self._store_bot_data, text)

    async def update_callback_data(self, data: object) -> None:
        """Do nothing: callback_data is disabled in store_data, so PTB never calls this.

        Arbitrary callback data holds Python objects that JSON cannot represent, and the bot
        encodes everything its buttons need in plain callback strings instead.
        """

    async def drop_chat_data(self, chat_id: int) -> None:
        """Delete the stored chat_data of one chat."""
        await asyncio.to_thread(self._delete_row, _CHAT, chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        """Delete the stored user_data of one user."""
        await asyncio.to_thread(self._delete_row, _USER, user_id)

    # This process is the only writer of the file, so the in-memory data is always newer than
    # the stored copy and there is nothing to refresh from.

    async def refresh_user_data(self, user_id: int, user_data: JsonDict) -> None:
        """Do nothing: no other process writes user_data."""

    async def refresh_chat_data(self, chat_id: int, chat_data: JsonDict) -> None:
        """Do nothing: no other process writes chat_data."""

    async def refresh_bot_data(self, bot_data: JsonDict) -> None:
        """Do nothing: no other process writes bot_data."""

    async def flush(self) -> None:
        """Close the connection; every write is already committed, so nothing is pending.

        A later call reopens the file, as PTB may initialize the application again.
        """
        await asyncio.to_thread(self._close)

    # -- blocking helpers, run in a worker thread ---------------------------------------------

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None is autocommit: each statement commits on its own, so "the
        # coroutine returned" means "the change is on disk". check_same_thread=False because
        # asyncio.to_thread may use any pool thread; self._lock serialises access.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            # WAL appends commits to the log, so a process killed mid-write never tears the
            # main file; FULL fsyncs each commit so even a power cut keeps it.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            # Deleted or overwritten rows are zeroed on disk, not just unlinked.
            conn.execute("PRAGMA secure_delete=ON")
            # Only matters if someone inspects the file with another connection meanwhile.
            conn.execute("PRAGMA busy_timeout=5000")
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > _SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self._path} has schema version {version}, newer than the supported "
                    f"{_SCHEMA_VERSION}; refusing to touch it"
                )
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        _LOGGER.debug("Opened persistence file %s", self._path)
        return conn

    def _connection(self) -> sqlite3.Connection:
        # Caller holds self._lock.
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                # Closing the last connection also checkpoints the WAL into the main file.
                self._conn.close()
                self._conn = None
                _LOGGER.debug("Closed persistence file %s", self._path)

    def _load_table(self, table: tuple[str, str]) -> dict[int, JsonDict]:
        name, id_column = table
        with self._lock:
            rows = self._connection().execute(f"SELECT {id_column}, data FROM {name}").fetchall()
            result: dict[int, JsonDict] = {}
            for row_id, text in rows:
                result[row_id] = _decode_dict(text, f"{name}[{row_id}]")
                self._last_written[(name, row_id)] = text
            return result

    def _load_bot_data(self) -> JsonDict:
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT data FROM bot_data WHERE id = ?", (_BOT_ROW_ID,))
                .fetchone()
            )
            if row is None:
                return {}
            self._last_written[("bot_data", _BOT_ROW_ID)] = row[0]
            return _decode_dict(row[0], "bot_data")

    def _load_conversations(self, name: str) -> dict[ConversationKey, object]:
        with self._lock:
            rows = (
                self._connection()
                .execute("SELECT key, state FROM conversations WHERE name = ?", (name,))
                .fetchall()
            )
        result: dict[ConversationKey, object] = {}
        for key_text, state_text in rows:
            key = json.loads(key_text)
            if not isinstance(key, list):
                raise ValueError(f"conversation {name!r}: stored key {key_text!r} is not a list")
            # JSON has no tuples; PTB builds its keys as tuples, so convert back.
            result[tuple(key)] = json.loads(state_text)
        return result

    def _store_row(self, table: tuple[str, str], row_id: int, text: str) -> None:
        name, id_column = table
        with self._lock:
            before = self._last_written.get((name, row_id))
            if before == text:
                return
            self._connection().execute(
                f"INSERT INTO {name} ({id_column}, data) VALUES (?, ?) "
                f"ON CONFLICT ({id_column}) DO UPDATE SET data = excluded.data",
                (row_id, text),
            )
            self._last_written[(name, row_id)] = text
            if before is not None and any(
                key in before and key not in text for key in self._private_keys
            ):
                self._erase_old_copies()

    def _delete_row(self, table: tuple[str, str], row_id: int) -> None:
        name, id_column = table
        with self._lock:
            self._connection().execute(f"DELETE FROM {name} WHERE {id_column} = ?", (row_id,))
            self._last_written.pop((name, row_id), None)
            self._erase_old_copies()

    def _erase_old_copies(self) -> None:
        # Caller holds self._lock. Moves every page into the main file (which zeroes what was
        # freed) and empties the write-ahead log, so earlier versions of rows are gone.
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _store_bot_data(self, text: str) -> None:
        with self._lock:
            if self._last_written.get(("bot_data", _BOT_ROW_ID)) == text:
                return
            self._connection().execute(
                "INSERT INTO bot_data (id, data) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (_BOT_ROW_ID, text),
            )
            self._last_written[("bot_data", _BOT_ROW_ID)] = text

    def _store_conversation(self, name: str, key_text: str, state_text: str) -> None:
        with self._lock:
            self._connection().execute(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key_text, state_text),
            )

    def _delete_conversation(self, name: str, key_text: str) -> None:
        with self._lock:
            self._connection().execute(
                "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_text)
            )


# -- JSON encoding -----------------------------------------------------------------------------


def _encode(value: object, where: str) -> str:
    """Serialise ``value`` to compact JSON after checking it will load back equal."""
    _check_json(value, where, set())
    # ensure_ascii=False keeps customers' names readable when inspecting the file.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _encode_dict(value: object, where: str) -> str:
    """Serialise a user/chat/bot data dict."""
    if not isinstance(value, dict):
        raise TypeError(f"{where} must be a dict, got {type(value).__name__}")
    return _encode(value, where)


def _encode_key(name: str, key: ConversationKey) -> str:
    """Serialise a conversation key to a canonical JSON list, the row's identity."""
    for part in key:
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise TypeError(
                f"conversation {name!r} key {key!r} holds a {type(part).__name__}; "
                "only int and str parts can be stored"
            )
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def _decode_dict(text: str, where: str) -> JsonDict:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"stored {where} is not a JSON object")
    return data


def _check_json(value: object, where: str, active: set[int]) -> None:
    """Raise TypeError naming the offending key if ``value`` would not survive a JSON trip.

    ``json.dumps`` alone is too lenient: it turns tuples into lists and int dict keys into
    strings, so data would load back different without any error.
    """
    # bool and IntEnum/StrEnum members are subclasses of these and load back equal.
    if value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where} is {value!r}, which JSON cannot store")
        return
    if isinstance(value, dict | list):
        if id(value) in active:
            raise TypeError(f"{where} contains itself; JSON cannot store cycles")
        active.add(id(value))
        if isinstance(value, dict):
            for item_key, item in value.items():
                if not isinstance(item_key, str):
                    raise TypeError(
                        f"{where} has the {type(item_key).__name__} key {item_key!r}; "
                        "JSON object keys must be str (it would load back as a string)"
                    )
                _check_json(item, f"{where}[{item_key!r}]", active)
        else:
            for index, item in enumerate(value):
                _check_json(item, f"{where}[{index}]", active)
        active.discard(id(value))
        return
    hint = " (it would load back as a list; store a list)" if isinstance(value, tuple) else ""
    raise TypeError(
        f"{where} is a {type(value).__name__}, which cannot be stored as JSON{hint}; "
        "keep persisted data to dict/list/str/int/float/bool/None"
    )
