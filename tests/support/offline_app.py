"""A python-telegram-bot Application that needs no network, fed updates the way the running bot
is: for tests of the persistence and of PTB's contract with it."""

from __future__ import annotations

from typing import Any

from telegram import Update, User
from telegram.ext import Application, ExtBot

App = Application[Any, Any, Any, Any, Any, Any]
CHAT_ID = 42
USER_ID = 7


class OfflineBot(ExtBot[None]):
    """ExtBot that knows itself without asking Telegram, so initialize() needs no network."""

    async def get_me(self, *args: Any, **kwargs: Any) -> User:
        self._bot_user = User(id=123, first_name="Test", is_bot=True, username="test_bot")
        return self._bot_user


_update_ids = iter(range(1, 10**9))


def message_update(app: App, text: str, chat: int = CHAT_ID, user: int = USER_ID) -> Update:
    """An incoming private text message, decoded the way PTB decodes real updates."""
    update_id = next(_update_ids)
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Ada"},
            "text": text,
        },
    }
    return Update.de_json(payload, app.bot)


async def handle(app: App, update: Update) -> None:
    """Process one update the way the running bot does: through its update processor."""
    await app.update_processor.process_update(update, app.process_update(update))
