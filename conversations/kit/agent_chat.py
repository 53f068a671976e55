"""A booking in an agent's own chat (Telegram Business): what the chat keeps about it.

The chat's data holds, under AGENT_CHAT_KEY, whose chat it is and whether the bot answers
there now: the agent's `/book` or a customer's request switches it on; the agent's `/stop`,
or anything the agent types while it answers, switches it off (the agent took over, and then
only their `/book` switches it on again). The
booking's start reads the agent, and the meeting type and language asked for, from it.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, ValidationError

from bot.storage.business import is_business_key

AGENT_CHAT_KEY: Final = "agent_chat"


class AgentChat(BaseModel):
    """A customer's chat with an agent's account, as the bot answers in it."""

    agent_id: int
    customer_id: int
    answering: bool = False
    # The agent took the chat over: only their `/book` lets the bot answer there again.
    taken_over: bool = False
    meeting_type_id: str | None = None  # asked for with `/book <type>`
    language: str | None = None  # the language the customer asked in


def agent_chat_of(chat_id: int, chat_data: dict[str, Any] | None) -> AgentChat | None:
    """The agent's chat a chat is, None for the bot's own chats."""
    if not is_business_key(chat_id) or not chat_data or AGENT_CHAT_KEY not in chat_data:
        return None
    try:
        return AgentChat.model_validate(chat_data[AGENT_CHAT_KEY])
    except ValidationError:
        return None


def keep_agent_chat(chat_data: dict[str, Any], chat: AgentChat) -> None:
    """Write the chat's state back to its data."""
    chat_data[AGENT_CHAT_KEY] = chat.model_dump()
