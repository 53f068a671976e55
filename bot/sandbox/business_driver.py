"""A customer writing to an agent's Telegram Business account the bot is connected to: the
same driver as a customer of the bot's own chat (answers, taps, presses), in the business
chat of one connection."""

from __future__ import annotations

from typing import Any

from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage
from bot.sandbox.world import ChatDriver, WorldError


class BusinessChatDriver(ChatDriver):
    """One customer's chat with the owner of business connection `connection_id`."""

    def __init__(
        self, emulator: BotApiEmulator, connection_id: str, user_id: int, **profile: Any
    ) -> None:
        known = emulator.state.users.get(user_id)
        if known is not None:  # the same person may also write to the bot itself
            fields = ("first_name", "last_name", "language_code", "username")
            profile = {name: known[name] for name in fields if name in known}
        super().__init__(emulator, user_id, **profile)
        self.connection_id = connection_id

    async def send(self, text: str) -> ChatMessage:
        """Write to the agent and wait until the bot has handled it; the chat's newest message
        then (the customer's own where the bot stays silent: they may be talking to the
        agent)."""
        await self.emulator.customer_writes_to_agent(self.connection_id, self.user_id, text)
        await self.settle(None, self.emulator.last_update_id)
        return self.messages()[-1]

    async def tap(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the bot's button whose label contains `label` in the business chat."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.tap_business(
            self.connection_id, self.user_id, label, message_id=message_id
        )
        await self.settle(before, self.emulator.last_update_id)
        return query_id

    async def press(self, message_id: int, data: str, *, visible: bool = True) -> str:
        """Press a button of a bot message in the business chat with raw data."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.press_business(
            self.connection_id, self.user_id, message_id, data
        )
        await self.settle(before if visible else None, self.emulator.last_update_id)
        return query_id

    async def share_location(self, latitude: float, longitude: float) -> ChatMessage:
        """Not modelled: the emulator's customers write only text to an agent."""
        raise WorldError("a customer shares no location in a business chat here: text only")

    async def share_contact(self, phone: str, **_: Any) -> ChatMessage:
        """Not modelled: the emulator's customers write only text to an agent."""
        raise WorldError("a customer shares no contact in a business chat here: text only")

    def messages(self) -> list[ChatMessage]:
        """Everything in the business chat: the customer's, the agent's and the bot's."""
        return self.emulator.business_messages(self.connection_id, self.user_id)

    def bot_messages(self) -> list[ChatMessage]:
        """The messages the bot sent in the business chat, in order."""
        return self.emulator.business_bot_messages(self.connection_id, self.user_id)

    def last(self) -> ChatMessage:
        """The bot's newest message in the business chat."""
        message = self.emulator.last_business_bot_message(self.connection_id, self.user_id)
        if message is None:
            raise WorldError("the bot has not written in this business chat yet")
        return message

    def last_with_buttons(self) -> ChatMessage:
        """The bot's newest message in the business chat that carries inline buttons."""
        for message in reversed(self.bot_messages()):
            if not message.deleted and self.emulator.buttons(message):
                return message
        raise WorldError("no message with buttons in this business chat")


class AgentInBusinessChat:
    """The agent (the account's owner) writing in their chat with a customer."""

    def __init__(self, driver: BusinessChatDriver, agent_id: int) -> None:
        self.driver = driver
        self.agent_id = agent_id

    async def write(self, text: str) -> None:
        """Type in the chat with the customer and wait until the bot has handled it."""
        emulator = self.driver.emulator
        await emulator.agent_writes(self.driver.connection_id, self.driver.user_id, text)
        await self.driver.settle(None, emulator.last_update_id)
