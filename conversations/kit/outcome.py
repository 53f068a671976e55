"""What a handler answers: the state the conversation is in next, or which step to show.

A handler changes the view and says what comes next; the flow draws it. `Ask()` is the first
question still unanswered, `Ask("EMAIL")` one step, `Again()` the step the customer is at.
A handler that showed something itself returns the state it left the customer in, `END`,
or None (the state stays).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import ConversationHandler

END = ConversationHandler.END

# A conversation state (a step's name), END, or None: python-telegram-bot's "stay".
Next = str | int | None


@dataclass(frozen=True, slots=True)
class Ask:
    """Show `step` next (None: the first step still unanswered); `fresh` sends it as a new
    message instead of editing the menu that was tapped."""

    step: str | None = None
    fresh: bool = False


@dataclass(frozen=True, slots=True)
class Again:
    """Show the step the customer is at again (after a hint, a stale button, a new language)."""

    fresh: bool = False


Outcome = Ask | Again | Next
