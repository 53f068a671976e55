"""What the bot needs of python-telegram-bot beyond its public API, in one place.

PTB's persistence model loads every chat at start and writes changed chats from time to time;
it has no hook for reading one chat just before its update or for writing it right after
(bot/ptb/chat_turns.py does both). That needs PTB's private state, and only this module
touches it, each name behind one small function. A PTB upgrade that renames one fails at start
(`check`) and in tests/unit/test_ptb_contract.py; one that changes what a name means fails the
contract tests there. What the bot relies on each name meaning (PTB 22.8):

`Application._chat_data`, `Application._user_data`
    The mutable defaultdicts behind the read-only `chat_data` / `user_data` views. A chat's
    rows are put in (and evicted from) them here; handlers see them as `context.chat_data`.

`Application._conversation_handler_conversations`
    Conversation name -> the states of that persistent ConversationHandler, keyed by its
    conversation key (chat id first, with per_chat). It is the handler's own mapping, filled at
    `initialize` from `BasePersistence.get_conversations` (which returns nothing here). Each is
    a `TrackingDict` (private class, `telegram.ext._utils.trackingdict`): a dict (`data`) whose
    writes and deletions, not `update_no_track`'s, are remembered in `_write_access_keys`
    until `update_persistence` writes them.

`Application._chat_ids_to_be_updated_in_persistence`,
`Application._user_ids_to_be_updated_in_persistence`
    The chats and users changed since PTB's last `update_persistence`, which writes them all
    (and then empties the sets). A turn writes its own chat and user, so it takes them out.

`Application._chat_ids_to_be_deleted_in_persistence`,
`Application._user_ids_to_be_deleted_in_persistence`
    The chats and users `drop_chat_data` / `drop_user_data` (/forget) dropped since then; PTB
    deletes their rows and skips their updates. A turn that dropped its chat or user deletes the
    row itself, whatever was written to the dropped mapping afterwards, and takes them out.

`Bot._request`
    The pair (getUpdates' request, every other request's) the bot sends through; the first is
    the one given to `ApplicationBuilder.get_updates_request`, which has no public getter.

`Application.handlers`
    Public, but its order is the bot's: the handlers of a group are tried in list order and the
    first that matches wins, so a flow is put before the catch-alls of its group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from telegram.ext import Application, BaseHandler
from telegram.ext._utils.trackingdict import TrackingDict
from telegram.request import BaseRequest

__all__ = [
    "ConversationKey",
    "chat_data_of",
    "check",
    "conversations_of",
    "dropped_chat",
    "dropped_user",
    "end_conversations",
    "forget_conversations",
    "get_updates_request",
    "insert_before",
    "install_conversations",
    "mark_written",
    "unwritten_chat",
    "user_data_of",
]

# Any python-telegram-bot Application (jobs and start-up work get one without a context).
App = Application[Any, Any, Any, Any, Any, Any]
ConversationKey = tuple[int | str, ...]
# Conversation name -> {conversation key: state}, for one chat.
ChatConversations = dict[str, dict[ConversationKey, object]]

_BOT_NAMES = ("_request",)
_APPLICATION_NAMES = (
    "_chat_data",
    "_user_data",
    "_conversation_handler_conversations",
    "_chat_ids_to_be_updated_in_persistence",
    "_user_ids_to_be_updated_in_persistence",
    "_chat_ids_to_be_deleted_in_persistence",
    "_user_ids_to_be_deleted_in_persistence",
)


def check(app: App) -> None:
    """Fail now, naming it, if this PTB lacks a private name the bot relies on."""
    missing = [name for name in _APPLICATION_NAMES if not hasattr(app, name)]
    probe: TrackingDict[int, int] = TrackingDict()
    missing += [
        f"TrackingDict.{name}"
        for name in ("_write_access_keys", "data", "update_no_track")
        if not hasattr(probe, name)
    ]
    missing += [f"Bot.{name}" for name in _BOT_NAMES if not hasattr(app.bot, name)]
    if missing:
        raise RuntimeError(
            f"python-telegram-bot lacks {', '.join(missing)}; see bot/ptb/ptb_internals.py"
        )


def get_updates_request(app: App) -> BaseRequest:
    """The request the application's bot polls getUpdates through."""
    request: BaseRequest = app.bot._request[0]
    return request


# -- chat and user data -------------------------------------------------------------------------


def chat_data_of(app: App) -> MutableMapping[int, Any]:
    """PTB's own chat_data mapping (a defaultdict), writable."""
    return app._chat_data


def user_data_of(app: App) -> MutableMapping[int, Any]:
    """PTB's own user_data mapping (a defaultdict), writable."""
    return app._user_data


def dropped_chat(app: App, chat_id: int) -> bool:
    """Whether the chat's data was dropped (`drop_chat_data`) and not yet written."""
    return chat_id in app._chat_ids_to_be_deleted_in_persistence


def dropped_user(app: App, user_id: int) -> bool:
    """Whether the user's data was dropped (`drop_user_data`) and not yet written."""
    return user_id in app._user_ids_to_be_deleted_in_persistence


def unwritten_chat(app: App, chat_id: int) -> bool:
    """Whether PTB still holds changes of the chat's data for its periodic write."""
    return chat_id in app._chat_ids_to_be_updated_in_persistence


def mark_written(app: App, chat_id: int, user_id: int | None) -> None:
    """Tell PTB the chat's and user's changes, drops and conversation states are written, so
    its periodic `update_persistence` leaves them alone."""
    app._chat_ids_to_be_updated_in_persistence.discard(chat_id)
    app._chat_ids_to_be_deleted_in_persistence.discard(chat_id)
    if user_id is not None:
        app._user_ids_to_be_updated_in_persistence.discard(user_id)
        app._user_ids_to_be_deleted_in_persistence.discard(user_id)
    for states in _conversation_mappings(app).values():
        written = states._write_access_keys
        written.difference_update(_keys_of_chat(written, chat_id))


# -- conversation states ------------------------------------------------------------------------


def conversations_of(app: App, chat_id: int) -> ChatConversations:
    """The states of every persistent conversation the chat is in, by conversation name (a
    conversation the chat is not in has an empty mapping)."""
    return {
        name: {key: states[key] for key in _keys_of_chat(states, chat_id)}
        for name, states in _conversation_mappings(app).items()
    }


def install_conversations(
    app: App, chat_id: int, stored: Mapping[str, Mapping[Any, object]]
) -> None:
    """Replace the chat's conversation states with what was read from the store, untracked:
    what was just read is no change to write back."""
    for name, states in _conversation_mappings(app).items():
        for key in _keys_of_chat(states, chat_id):
            states.data.pop(key, None)
        states.update_no_track(dict(stored.get(name, {})))


def forget_conversations(app: App, chat_id: int) -> None:
    """Take the chat's conversation states out of memory, untracked (evicted, not ended)."""
    for states in _conversation_mappings(app).values():
        for key in _keys_of_chat(states, chat_id):
            states.data.pop(key, None)


def end_conversations(app: App, chat_id: int) -> None:
    """End every conversation the chat is in, as a tracked change (written with its turn)."""
    for states in _conversation_mappings(app).values():
        for key in _keys_of_chat(states, chat_id):
            del states[key]


def _conversation_mappings(app: App) -> dict[str, TrackingDict[Any, object]]:
    conversations: dict[str, TrackingDict[Any, object]] = app._conversation_handler_conversations
    return conversations


def _keys_of_chat(keys: Iterable[Any], chat_id: int) -> list[Any]:
    """The conversation keys of one chat (PTB puts the chat id first, per_chat)."""
    return [key for key in keys if key and key[0] == chat_id]


# -- handler order ------------------------------------------------------------------------------


def insert_before(
    app: App,
    handler: BaseHandler[Any, Any, Any],
    before: Callable[[BaseHandler[Any, Any, Any]], bool],
    group: int = 0,
) -> None:
    """Register `handler` in `group` ahead of the first handler there for which `before` holds
    (at the end when none does), through PTB's own add/remove, which also wire a persistent
    conversation to the persistence."""
    later = list(app.handlers.get(group, []))
    first = next((index for index, other in enumerate(later) if before(other)), len(later))
    later = later[first:]
    for other in later:
        app.remove_handler(other, group)
    app.add_handler(handler, group)
    for other in later:
        app.add_handler(other, group)
