"""Many customers booking at once through the emulator, each acting on what the bot last showed.

A customer reads the newest bot message of their chat, recognises the step (days, times, name,
e-mail, consent, confirm, booked), acts on it, and waits for the message to change. Like a real
person, one who sees nothing happen for a while does the step again, if the chat still shows
it; one who sees the bot at work ("⏳ Booking…") waits. Every step seen is recorded,
so a run can tell whether any answer came out of order: the steps only ever move forward, but
for "that time was just taken", which legitimately returns to the times.

Used by the two-replica tests and by the benchmark (benchmarks/replicas.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage

STEPS = ("day", "time", "name", "email", "consent", "confirm", "booked")
_RANK = {step: rank for rank, step in enumerate(STEPS)}
TAKEN = "was just taken"
EXPIRED = "has expired"
NAVIGATION = ("›", "‹", "◀")
POLL = 0.03  # seconds between looks at the chat (200 customers share one event loop)
SETTLE = 0.05  # seconds a chat must be still before its newest message counts as the answer


def step_of(message: ChatMessage) -> str | None:
    """The booking step a bot message asks for (English texts), None if it is none of them."""
    labels = [button["text"] for row in _rows(message) for button in row]
    if "You're booked" in message.text:
        return "booked"
    if any(label.startswith("✅") or label == "Confirm" for label in labels):
        return "confirm"
    if any("I agree" in label for label in labels):
        return "consent"
    if "e-mail address" in message.text:
        return "email"
    if any("◀ other day" in label for label in labels):
        return "time"
    if any("later ›" in label for label in labels):
        return "day"
    if labels and "name" in message.text.lower():
        return "name"
    return None


def _rows(message: ChatMessage) -> list[list[dict[str, str]]]:
    markup = message.reply_markup or {}
    rows: list[list[dict[str, str]]] = markup.get("inline_keyboard", [])
    return rows


def _choices(message: ChatMessage) -> list[str]:
    return [
        button["callback_data"]
        for row in _rows(message)
        for button in row
        if "callback_data" in button and not any(mark in button["text"] for mark in NAVIGATION)
    ]


def _labelled(message: ChatMessage, *words: str) -> str:
    for row in _rows(message):
        for button in row:
            if any(word in button["text"] for word in words) and "callback_data" in button:
                return button["callback_data"]
    raise LookupError(f"no button with {words} on the message")


@dataclass
class Journey:
    """What one customer saw and did."""

    chat: int
    steps: list[str] = field(default_factory=list)
    out_of_order: int = 0
    repeats: int = 0  # steps done again because no answer came
    booked: bool = False
    answer_seconds: list[float] = field(default_factory=list)
    backwards: list[str] = field(default_factory=list)  # what each out-of-order answer said
    # Answers since "that time was just taken" (None: not choosing anew).
    since_taken: int | None = None

    def story(self, emulator: BotApiEmulator) -> str:
        """What went wrong for this customer, for a failed test or a benchmark's log."""
        last = emulator.last_bot_message(self.chat)
        shown = "nothing" if last is None else repr(last.text[:160])
        return (
            f"chat {self.chat}: steps {' > '.join(self.steps) or '-'}; repeats {self.repeats}; "
            f"backwards {self.backwards}; last shown {shown}"
        )


@dataclass
class Crowd:
    """Customers booking side by side; `double_tap` confirms with two presses at once."""

    emulator: BotApiEmulator
    # Seconds the chat may stay still, with no answer, before the step is done again.
    patience: float = 15.0
    give_up: float = 120.0
    double_tap: bool = False
    journeys: list[Journey] = field(default_factory=list)

    async def book(self, chats: range) -> list[Journey]:
        """Let every chat's customer book; returns their journeys."""
        self.journeys = await asyncio.gather(*(self._customer(chat) for chat in chats))
        return self.journeys

    async def _customer(self, chat: int) -> Journey:
        emulator = self.emulator
        emulator.add_user(chat, f"Customer{chat}", "Burst", "en")
        journey = Journey(chat)
        deadline = time.monotonic() + self.give_up
        seen = None
        while seen is None:
            if time.monotonic() >= deadline:
                return journey  # gave up
            # Like a person who got no greeting, say /start again (the bot starts over).
            await emulator.send_text(chat, "/start")
            seen = await self._answer(chat, None, journey)
            journey.repeats += seen is None
        while (step := step_of(seen)) != "booked":
            answer = await self._step(chat, seen, step, journey, deadline)
            if answer is None:
                return journey  # gave up
            seen = answer
        journey.booked = True
        return journey

    async def _step(
        self, chat: int, seen: ChatMessage, step: str | None, journey: Journey, deadline: float
    ) -> ChatMessage | None:
        """Do the step `seen` asks for until the bot answers it; None once past `deadline`."""
        on = seen
        while time.monotonic() < deadline:
            snapshot = _snapshot(on)
            pressed = await self._act(chat, on, step)
            answer = await self._answer(chat, snapshot, journey, pressed)
            if answer is not None:
                return answer
            journey.repeats += 1
            # Nothing happened: do the step again if the chat still shows it; if the bot shows
            # something else ("⏳ Booking…"), it is at work: wait for its answer.
            while time.monotonic() < deadline:
                latest = self.emulator.last_bot_message(chat)
                if latest is not None and step_of(latest) == step:
                    on = latest
                    break
                answer = await self._answer(chat, _snapshot(latest or on), journey)
                if answer is not None:
                    return answer
        return None

    async def _act(self, chat: int, message: ChatMessage, step: str | None) -> list[str]:
        """Do the step; returns the ids of the button presses it made."""
        emulator = self.emulator
        if step == "email":
            await emulator.send_text(chat, f"c{chat}@example.org")
            return []
        if step is None:
            await emulator.send_text(chat, "/start")
            return []
        if step == "name":
            data = _choices(message)[0]
        elif step == "consent":
            data = _labelled(message, "I agree")
        elif step == "confirm":
            data = _labelled(message, "Confirm")
            if self.double_tap:
                return list(
                    await asyncio.gather(
                        emulator.press(chat, message.message_id, data),
                        emulator.press(chat, message.message_id, data),
                    )
                )
        else:  # day or time: customers spread their picks
            choices = _choices(message)
            data = choices[chat % len(choices)]
        return [await emulator.press(chat, message.message_id, data)]

    async def _answer(
        self,
        chat: int,
        before: tuple[object, ...] | None,
        journey: Journey,
        pressed: list[str] | None = None,
    ) -> ChatMessage | None:
        """The bot's next visible answer in the chat, or None once it stayed still `patience`.

        For a press, the answer follows the bot's answer to that press (its spinner; for a
        double tap, either one's), not an earlier change. An answer may take more than one
        call (an edit, then a new message), so the chat must also be still for a moment; then
        the newest message is the one a person reads.
        """
        asked = still_since = time.monotonic()
        last_look = None
        first_call = len(self.emulator.calls)
        while time.monotonic() - still_since < self.patience:
            look = self.emulator.last_bot_message(chat)
            if look is not None and _snapshot(look) != last_look:
                # The bot visibly works on it (an edit, "⏳ Booking…"): patience starts over.
                last_look = _snapshot(look)
                still_since = time.monotonic()
            answers = [self.emulator.callback_answer(query) for query in pressed or []]
            spinner = next((answer for answer in answers if answer is not None), None)
            if pressed and spinner is None:
                await asyncio.sleep(POLL)
                continue
            message = self.emulator.last_bot_message(chat)
            if spinner is not None and EXPIRED in str(spinner.get("text", "")):
                # "This menu has expired. Here is a fresh one.": the one sent after that answer.
                fresh = self._sent_after_answer(chat, pressed or [])
                if fresh is None:
                    await asyncio.sleep(POLL)
                    continue
                message = fresh
            if message is not None and _snapshot(message) != before:
                settled = await self._settled(chat)
                if settled is not None and step_of(settled):
                    journey.answer_seconds.append(time.monotonic() - asked)
                    self._record(journey, settled, self._taken_shown(chat, first_call))
                    return settled
            await asyncio.sleep(POLL)
        return None

    def _sent_after_answer(self, chat: int, pressed: list[str]) -> ChatMessage | None:
        """The first message the bot sent to the chat after answering one of the presses."""
        calls = self.emulator.calls
        answered = next(
            (
                index
                for index, call in enumerate(calls)
                if call.method == "answerCallbackQuery"
                and call.params.get("callback_query_id") in pressed
            ),
            None,
        )
        if answered is None:
            return None
        for call in calls[answered + 1 :]:
            if call.method == "sendMessage" and call.ok and call.params.get("chat_id") == chat:
                sent = call.result.get("message_id") if isinstance(call.result, dict) else None
                for message in reversed(self.emulator.bot_messages(chat)):
                    if message.message_id == sent:
                        return message
        return None

    async def _settled(self, chat: int) -> ChatMessage | None:
        """The chat's newest bot message once nothing changed for SETTLE seconds."""
        message = self.emulator.last_bot_message(chat)
        while True:
            await asyncio.sleep(SETTLE)
            again = self.emulator.last_bot_message(chat)
            if again is None or message is None or _snapshot(again) == _snapshot(message):
                return again
            message = again

    def _taken_shown(self, chat: int, since: int) -> bool:
        """Whether the bot showed the chat "that time was just taken" since call `since`: a
        second press of a double tap may redraw the screen before the crowd reads it."""
        return any(
            call.ok and call.params.get("chat_id") == chat and TAKEN in str(call.params.get("text"))
            for call in self.emulator.calls[since:]
        )

    @staticmethod
    def _record(journey: Journey, message: ChatMessage, taken: bool = False) -> None:
        step = step_of(message)
        assert step is not None
        if taken or TAKEN in message.text:
            journey.since_taken = 0  # lost the time to another customer: choosing anew
        elif journey.steps and journey.since_taken != 1 and _RANK[step] < _RANK[journey.steps[-1]]:
            journey.out_of_order += 1
            journey.backwards.append(f"{journey.steps[-1]} -> {message.text[:120]}")
        if journey.since_taken is not None:
            journey.since_taken += 1
            # The first screen after "taken" may go back to the days (that day is full).
            if _RANK[step] >= _RANK["name"]:
                journey.since_taken = None
        journey.steps.append(step)


def _snapshot(message: ChatMessage) -> tuple[object, ...]:
    return (message.message_id, message.edits, message.text)


def double_bookings(sandbox: SandboxScheduling) -> tuple[int, int]:
    """(slots booked more than once, customers booked more than once) among live bookings."""
    live = [booking for booking in sandbox.bookings if not booking.cancelled]
    slots = Counter((booking.host_id, booking.start) for booking in live)
    people = Counter(str(booking.attendee.get("email", "")).lower() for booking in live)
    return (
        sum(1 for n in slots.values() if n > 1),
        sum(1 for n in people.values() if n > 1),
    )
