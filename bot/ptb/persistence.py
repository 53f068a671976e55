"""python-telegram-bot's persistence interface over a state store, read one chat at a time.

PTB's persistence loads every user and chat at start. This one hands PTB nothing at start:
`get_*` return empty mappings, and bot/ptb/chat_turns.py reads the rows of the chat an update
belongs to just before the update is handled (`load`). Writes still come through PTB's
`update_*` calls, straight to the store.

JSON rather than pickle: a damaged or hostile row cannot execute code when loaded, and an
operator can read a stuck customer's state with the database's own shell. The price is that
only JSON-shaped data can be stored, which the bot guarantees for its chat_data on purpose.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.storage.chat_store import (
    DRAFT_KEY,
    Changes,
    ConversationChange,
    RowChange,
    RowKind,
    StateStore,
)
from bot.storage.chat_store_sqlite import SqliteStore

__all__ = ["LoadedChat", "SqlitePersistence", "StatePersistence"]

_LOGGER = logging.getLogger(__name__)

ConversationKey = tuple[int | str, ...]
JsonDict = dict[str, Any]
# When a chat's draft was last touched, read from its chat_data (None: no draft).
TouchedOf = Callable[[JsonDict], datetime | None]


# PTB's own periodic write, in seconds: a safety net only, as every turn commits its changes.
SAFETY_NET_INTERVAL = 60.0


def _never_touched(data: JsonDict) -> datetime | None:
    return None


@dataclass(frozen=True, slots=True)
class LoadedChat:
    """One chat's and one user's stored state, decoded."""

    chat_data: JsonDict | None
    user_data: JsonDict | None
    # conversation name -> {key: state}
    conversations: dict[str, dict[ConversationKey, object]]


class StatePersistence(BasePersistence[JsonDict, JsonDict, JsonDict]):
    """PTB persistence of user data, chat data and conversation states in a StateStore.

    Rows are written by the chat's turn (`changes`, then the store's commit), all of a turn's
    changes in one transaction. Only rows that were loaded are ever written: PTB's data
    mappings create an empty dict for any id looked up, and writing such a dict would wipe
    what the store holds for a chat that was never read. Unchanged rows are not rewritten.
    """

    __slots__ = ("_known", "_known_states", "_private_keys", "_store", "_touched_of")

    def __init__(
        self,
        store: StateStore,
        *,
        update_interval: float = SAFETY_NET_INTERVAL,
        private_keys: tuple[str, ...] = (DRAFT_KEY,),
        touched_of: TouchedOf = _never_touched,
    ) -> None:
        super().__init__(
            # bot_data holds the process's live services (clients, caches), which are rebuilt
            # at every start and are not data to keep.
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            # Every turn commits its own changes before the chat's next update is handled
            # (bot/ptb/chat_turns.py), so PTB's periodic write only catches stragglers.
            update_interval=update_interval,
        )
        self._store = store
        self._touched_of = touched_of
        # Top-level chat_data keys holding personal data (the draft's name and e-mail): once a
        # row loses one, no older copy of it may stay readable.
        self._private_keys = private_keys
        # The rows loaded and not evicted, with the JSON text last read or written (None: no
        # row stored). Presence here is what allows a write.
        self._known: dict[tuple[RowKind, int], str | None] = {}
        # Per loaded chat: (conversation name, key text) -> state text last read or written.
        self._known_states: dict[int, dict[tuple[str, str], str]] = {}

    @property
    def store(self) -> StateStore:
        """Where the rows live."""
        return self._store

    # -- what PTB reads at start: nothing ---------------------------------------------------

    async def get_user_data(self) -> dict[int, JsonDict]:
        """Return nothing: user data is read per update (see `load`)."""
        await self._store.open()  # a bad path or a newer schema fails at start, not mid-chat
        return {}

    async def get_chat_data(self) -> dict[int, JsonDict]:
        """Return nothing: chat data is read per update."""
        return {}

    async def get_bot_data(self) -> JsonDict:
        """Return nothing: bot_data is not stored."""
        return {}

    async def get_callback_data(self) -> None:
        """Return None: arbitrary callback data is not persisted (see update_callback_data)."""
        return None

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        """Return nothing: conversation states are read per update."""
        return {}

    # -- read per chat ------------------------------------------------------------------------

    async def load(self, chat_id: int | None, user_id: int | None) -> LoadedChat:
        """Read one chat's and one user's rows and allow writing them from now on.

        States come back as plain JSON values: an ``IntEnum`` state is loaded as its ``int``,
        which compares and hashes equal to the member, so ConversationHandler still finds it.
        """
        rows = await self._store.read(chat_id, user_id)
        if chat_id is not None:
            self._known[(RowKind.CHAT, chat_id)] = rows.chat_data
            self._known_states[chat_id] = {
                (name, key_text): state for name, key_text, state in rows.conversations
            }
        if user_id is not None:
            self._known[(RowKind.USER, user_id)] = rows.user_data
        conversations: dict[str, dict[ConversationKey, object]] = {}
        for name, key_text, state_text in rows.conversations:
            key = json.loads(key_text)
            if not isinstance(key, list):
                raise ValueError(f"conversation {name!r}: stored key {key_text!r} is not a list")
            # JSON has no tuples; PTB builds its keys as tuples, so convert back.
            conversations.setdefault(name, {})[tuple(key)] = json.loads(state_text)
        return LoadedChat(
            chat_data=_decode_dict(rows.chat_data, f"chat_data[{chat_id}]"),
            user_data=_decode_dict(rows.user_data, f"user_data[{user_id}]"),
            conversations=conversations,
        )

    def forget_loaded(self, chat_id: int | None, user_id: int | None) -> None:
        """Stop allowing writes of rows evicted from memory (they must be loaded again)."""
        if chat_id is not None:
            self._known.pop((RowKind.CHAT, chat_id), None)
            self._known_states.pop(chat_id, None)
        if user_id is not None:
            self._known.pop((RowKind.USER, user_id), None)

    def is_loaded(self, kind: RowKind, row_id: int) -> bool:
        """Whether this row was read and may be written."""
        return (kind, row_id) in self._known

    @staticmethod
    def decode(text: str | None) -> JsonDict | None:
        """A stored row's JSON text as a dict (None stays None)."""
        return _decode_dict(text, "row")

    # -- what a turn changed ------------------------------------------------------------------

    def changes(
        self,
        chat: tuple[int, JsonDict | None] | None = None,
        user: tuple[int, JsonDict | None] | None = None,
        conversations: dict[str, dict[ConversationKey, object]] | None = None,
    ) -> Changes:
        """What differs from the stored rows: the chat's and user's data (None: dropped), and
        the states of the chat's conversations (`conversations` lists all of them: one missing
        has ended).

        Raises TypeError, naming the key, for data JSON would not bring back unchanged.
        """
        rows = [
            change
            for kind, given in ((RowKind.CHAT, chat), (RowKind.USER, user))
            if given is not None
            for change in [self._row_change(kind, *given)]
            if change is not None
        ]
        states: list[ConversationChange] = []
        if chat is not None and conversations is not None:
            chat_id = chat[0]
            known = self._known_states.get(chat_id, {})
            now: dict[tuple[str, str], str] = {}
            for name, by_key in conversations.items():
                for key, state in by_key.items():
                    now[(name, _encode_key(name, key))] = _encode(
                        state, f"conversation {name!r} {key!r} state"
                    )
            for (name, key_text), text in now.items():
                if known.get((name, key_text)) != text:
                    states.append(ConversationChange(name, key_text, chat_id, text))
            for name, key_text in known.keys() - now.keys():
                states.append(ConversationChange(name, key_text, chat_id, None))
        return Changes(tuple(rows), tuple(states))

    def _row_change(self, kind: RowKind, row_id: int, data: JsonDict | None) -> RowChange | None:
        if data is None:  # dropped (/forget): delete what is stored
            stored = self._known.get((kind, row_id))
            return None if stored is None else RowChange(kind, row_id, None)
        text = _encode_dict(data, f"{kind.value}[{row_id}]")
        if not self.is_loaded(kind, row_id):
            if data:
                _LOGGER.warning("%s of an id never loaded not written", kind.value)
            return None
        before = self._known[(kind, row_id)]
        if before == text or (before is None and not data):
            return None  # unchanged, or still nothing worth a row
        erase_old = before is not None and _lost_any(before, data, self._private_keys)
        touched = self._touched_of(data) if kind is RowKind.CHAT else None
        return RowChange(kind, row_id, text, touched=touched, erase_old=erase_old)

    def committed(self, changes: Changes) -> None:
        """Remember what was just written, so it is not written again."""
        for row in changes.rows:
            if self.is_loaded(row.kind, row.row_id):
                self._known[(row.kind, row.row_id)] = row.text
        for change in changes.conversations:
            if change.chat_id is None or change.chat_id not in self._known_states:
                continue
            known = self._known_states[change.chat_id]
            if change.state_text is None:
                known.pop((change.name, change.key_text), None)
            else:
                known[(change.name, change.key_text)] = change.state_text

    async def _commit(self, changes: Changes) -> None:
        await self._store.commit(changes)
        self.committed(changes)

    # -- PTB's own writes (its periodic catch-up and the last one at shutdown) -----------------

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store the state of one conversation; ``None`` deletes it (the conversation ended)."""
        key_text = _encode_key(name, key)
        text = None
        if new_state is not None:
            text = _encode(new_state, f"conversation {name!r} {key!r} state")
        chat_id = key[0] if key and isinstance(key[0], int) else None
        if chat_id is None or chat_id not in self._known_states:
            return  # its chat is not in memory: what PTB holds for it is not current
        if self._known_states[chat_id].get((name, key_text)) != text:
            await self._commit(
                Changes(conversations=(ConversationChange(name, key_text, chat_id, text),))
            )

    async def update_user_data(self, user_id: int, data: JsonDict) -> None:
        """Store the user_data of one user."""
        await self._commit(self.changes(user=(user_id, data)))

    async def update_chat_data(self, chat_id: int, data: JsonDict) -> None:
        """Store the chat_data of one chat."""
        await self._commit(self.changes(chat=(chat_id, data)))

    async def update_bot_data(self, data: JsonDict) -> None:
        """Do nothing: bot_data is disabled in store_data, so PTB never calls this."""

    async def update_callback_data(self, data: object) -> None:
        """Do nothing: callback_data is disabled in store_data, so PTB never calls this.

        Arbitrary callback data holds Python objects that JSON cannot represent, and the bot
        encodes everything its buttons need in plain callback strings instead.
        """

    async def drop_chat_data(self, chat_id: int) -> None:
        """Delete the stored chat_data of one chat."""
        await self._commit(Changes(rows=(RowChange(RowKind.CHAT, chat_id, None),)))

    async def drop_user_data(self, user_id: int) -> None:
        """Delete the stored user_data of one user."""
        await self._commit(Changes(rows=(RowChange(RowKind.USER, user_id, None),)))

    # A chat's rows are read afresh at the start of each of its turns (bot/ptb/chat_turns.py),
    # under the chat's lock, so there is nothing left for PTB's refresh hooks to do.

    async def refresh_user_data(self, user_id: int, user_data: JsonDict) -> None:
        """Do nothing: the user's turn read the row already."""

    async def refresh_chat_data(self, chat_id: int, chat_data: JsonDict) -> None:
        """Do nothing: the chat's turn read the row already."""

    async def refresh_bot_data(self, bot_data: JsonDict) -> None:
        """Do nothing: bot_data is not stored."""

    async def flush(self) -> None:
        """Close the store; every write is already committed, so nothing is pending.

        A later use reopens it, as PTB may initialize the application again.
        """
        self._known.clear()
        self._known_states.clear()
        await self._store.close()


class SqlitePersistence(StatePersistence):
    """StatePersistence over the embedded SQLite store at `path`."""

    __slots__ = ()

    def __init__(self, path: Path, **options: Any) -> None:
        super().__init__(SqliteStore(path), **options)

    @property
    def path(self) -> Path:
        """The SQLite file this persistence reads and writes."""
        store = self.store
        assert isinstance(store, SqliteStore)
        return store.path


# -- JSON encoding -----------------------------------------------------------------------------


def _encode(value: object, where: str) -> str:
    """Serialise ``value`` to compact JSON after checking it will load back equal."""
    try:
        # ensure_ascii=False keeps customers' names readable when inspecting the file.
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        loads_back = json.loads(text) == value
    except (TypeError, ValueError):
        loads_back = False
    # The round trip (at C speed) is the check: a tuple, a key that is not text or a value
    # JSON cannot hold makes it fail, and then _check_json says which key.
    if not loads_back:
        _check_json(value, where, set())
        raise TypeError(f"{where} would not load back from JSON unchanged")
    return text


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


def _lost_any(before: str, now: JsonDict, keys: tuple[str, ...]) -> bool:
    """Whether a stored row (JSON text) had one of the top-level `keys` that `now` lacks."""
    missing = [key for key in keys if key not in now]
    if not missing:
        return False  # the usual case: nothing to read
    stored = _decode_dict(before, "stored row") or {}
    return any(key in stored for key in missing)


def _decode_dict(text: str | None, where: str) -> JsonDict | None:
    if text is None:
        return None
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
