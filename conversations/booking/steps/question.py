"""A question of the meeting type, answered in words: one step kind, repeated over a list.

`question_steps(questions)` makes one step per question, in the list's order; each answer
goes into the booking's `attendee.notes` under the question's label, as meetergo's own
booking pages send it, and is shown on the final card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.language.contact import InvalidNameError, clean_answer
from conversations.booking.draft import BookingContext, Draft, booking_new
from conversations.booking.payloads import SkipQuestion
from conversations.booking.typed import typed_text
from conversations.kit.buttons import one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step


@dataclass(frozen=True, slots=True)
class Question:
    """One question: `key` names its step (letters and digits); `label` is where the answer
    goes in attendee.notes and what the card shows; `prompt` is what the chat asks. Label
    and prompt are translated where the catalogs know them (mark them with N_)."""

    key: str
    label: str
    prompt: str
    required: bool = True
    max_length: int = 500


def _problem(ui: Ui, reason: str, question: Question) -> str:
    if reason == "too_long":
        return ui._("That answer is too long; please use at most {count} characters.").format(
            count=question.max_length
        )
    if reason == "control":
        return ui._("That answer contains invisible control characters; please type it again.")
    return ui._("Please type an answer.")


def question_step(question: Question) -> Step:
    """The step that asks `question`."""
    name = f"QUESTION_{question.key}"

    def screen(draft: Draft, ui: Ui) -> Screen:
        text = escape(ui._(question.prompt))
        if question.required:
            return text, None
        return text, InlineKeyboardMarkup([[button(ui._("Skip"), SkipQuestion(draft.menu))]])

    async def give_answer(update: Update, context: BookingContext) -> Outcome:
        """Take a typed answer to one of the meeting type's questions."""
        try:
            answer = clean_answer(typed_text(update), question.max_length)
        except InvalidNameError as problem:
            context.draft.notice = _problem(context.ui, problem.reason, question)
            return Ask(name, fresh=True)
        context.draft.answer(question.label, answer)
        return Ask(fresh=True)

    @one_tap(SkipQuestion)
    async def skip_question(update: Update, context: BookingContext) -> Outcome:
        """Leave an optional question unanswered."""
        context.draft.answer(question.label, "")
        return Ask()

    def forget(draft: Draft) -> None:
        draft.answers = {k: v for k, v in draft.answers.items() if k != question.label}

    def change_label(ui: Ui) -> str:
        return ui._("Change {answer}").format(answer=ui._(question.label))

    return Step(
        name=name,
        answered=lambda draft: question.label in draft.answers,
        asked=booking_new,
        screen=screen,
        presses=() if question.required else (skip_question,),
        text=give_answer,
        change=Change(change_label, forget),
        notes=lambda draft: (
            {question.label: draft.answers[question.label]}
            if draft.answers.get(question.label)
            else {}
        ),
    )


def question_steps(questions: Sequence[Question]) -> tuple[Step, ...]:
    """One step per question, in order."""
    return tuple(question_step(question) for question in questions)
