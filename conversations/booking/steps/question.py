"""The meeting type's own questions: one step kind, repeated over each meeting type's list
(BOT_QUESTIONS, read by bot/booking/questions.py).

Each question is asked only in a booking of its meeting type, and only when its `when` holds
for the answers before it. Its answer is kept by the question's name, sent in
`attendee.notes` under its label (a phone question with `target: phone` fills
`attendee.phone`), shown on the final card and named in the consent. A question a chat cannot
ask (a file, a signature, a slide) is not asked: the file may list it only as optional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import Update

from bot.booking.questions import AnswerValue, Question, is_asked, label_in
from bot.booking.questions_answers import AnswerProblem, read_answer, read_choice
from bot.language.phone import InvalidPhoneError, read_phone, region_of_zone
from conversations.booking.draft import Answer, BookingContext, Draft
from conversations.booking.free_times import today_for
from conversations.booking.payloads import OptionChosen, OptionsDone, OptionToggled, SkipQuestion
from conversations.booking.steps.question_problems import problem_text
from conversations.booking.steps.question_screens import (
    asks_phone,
    offered,
    own_shared_phone,
    phone_taken,
    question_screen,
    several,
)
from conversations.booking.typed import typed_text
from conversations.kit.buttons import choice, one_tap
from conversations.kit.context import Ui
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step

Questions = Mapping[str, Sequence[Question]]  # by meeting type id, in order


def _shown(question: Question, value: AnswerValue, ui: Ui) -> str:
    """How the card shows an answer, in the customer's language."""
    labels = dict(offered(question, ui))
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(labels.get(one, one)) for one in values)


class QuestionStep:
    """The handlers of one question, as a step of the flow."""

    def __init__(self, question: Question, meeting_type_id: str, state: str) -> None:
        self.question = question
        self.meeting_type_id = meeting_type_id
        self.state = state

    def keep(self, context: BookingContext, value: AnswerValue | None) -> None:
        question, ui = self.question, context.ui
        shown = "" if value is None else _shown(question, value, ui)
        target = "phone" if question.target == "phone" else None
        asked_as = label_in(question, ui.prefs.language)
        answer = Answer(
            label=question.label, value=value, question=asked_as, shown=shown, target=target
        )
        context.draft.answer(question.name, answer)
        context.draft.picked = ()

    def problem(self, context: BookingContext, problem: AnswerProblem) -> Outcome:
        context.draft.notice = problem_text(context.ui, problem)
        return Ask(self.state, fresh=True)

    async def asked(self, context: BookingContext) -> bool:
        draft = context.draft
        if draft.moving or draft.meeting_type_id != self.meeting_type_id:
            return False
        given = {name: answer.value for name, answer in draft.answers.items()}
        return is_asked(self.question, given)

    async def give_text(self, update: Update, context: BookingContext) -> Outcome:
        """Take a typed answer to one of the meeting type's questions."""
        question, ui = self.question, context.ui
        text = typed_text(update)
        if not question.required and text.strip().casefold() == ui._("Skip").casefold():
            return await self.skipped(context)
        try:
            value = read_answer(
                question,
                text,
                today=today_for(context),
                language=ui.prefs.language,
                region=region_of_zone(ui.prefs.timezone),
            )
        except AnswerProblem as problem:
            return self.problem(context, problem)
        self.keep(context, value)
        return await self.done(update, context)

    async def give_contact(self, update: Update, context: BookingContext) -> Outcome:
        """Take the customer's own phone number, shared with Telegram's button."""
        shared = own_shared_phone(update)
        if shared is None:
            context.draft.notice = context.ui._(
                "Please share your own phone number with the button below, or type it."
            )
            return Ask(self.state, fresh=True)
        try:
            number = read_phone(shared, region_of_zone(context.ui.prefs.timezone))
        except InvalidPhoneError:
            return self.problem(context, AnswerProblem("not_a_phone"))
        self.keep(context, number)
        return await self.done(update, context)

    async def skipped(self, context: BookingContext) -> Outcome:
        self.keep(context, None)
        return Ask(fresh=True)

    async def done(self, update: Update, context: BookingContext) -> Outcome:
        if asks_phone(self.question):
            await phone_taken(update, context, context.draft.answers[self.question.name].shown)
        return Ask(fresh=True)

    def forget(self, draft: Draft) -> None:
        draft.forget_answer(self.question.name)
        draft.picked = ()


def question_step(question: Question, meeting_type_id: str, state: str) -> Step:
    """The step that asks `question` in a booking of `meeting_type_id`."""
    handlers = QuestionStep(question, meeting_type_id, state)

    def offered_index(draft: Draft, payload: OptionChosen | OptionToggled) -> bool:
        return 0 <= payload.index < len(question.options) or (
            payload.index < 2 and not question.options
        )

    @choice(OptionChosen, offered=offered_index)
    async def choose_option(
        update: Update, context: BookingContext, payload: OptionChosen
    ) -> Outcome:
        """Take the tapped answer to one of the meeting type's questions."""
        value = offered(question, context.ui)[payload.index][0]
        try:
            handlers.keep(context, read_choice(question, [value]))
        except AnswerProblem as problem:
            return handlers.problem(context, problem)
        return Ask()

    @choice(OptionToggled, offered=offered_index)
    async def toggle_option(
        update: Update, context: BookingContext, payload: OptionToggled
    ) -> Outcome:
        """Choose or unchoose one option of a question with several answers."""
        picked = set(context.draft.picked) ^ {payload.index}
        context.draft.picked = tuple(sorted(picked))
        return Ask(state)

    @one_tap(OptionsDone)
    async def finish_options(update: Update, context: BookingContext) -> Outcome:
        """Take the options chosen."""
        answers = offered(question, context.ui)
        chosen = [answers[index][0] for index in context.draft.picked if index < len(answers)]
        try:
            handlers.keep(context, read_choice(question, chosen))
        except AnswerProblem as problem:
            return handlers.problem(context, problem)
        return Ask()

    @one_tap(SkipQuestion)
    async def skip_question(update: Update, context: BookingContext) -> Outcome:
        """Leave an optional question unanswered."""
        return await handlers.skipped(context)

    presses = ((toggle_option, finish_options) if several(question) else (choose_option,)) + (
        () if question.required else (skip_question,)
    )
    typed = not question.options and question.field_type not in ("yes-no", "checkbox-single")
    return Step(
        name=state,
        answered=lambda draft: question.name in draft.answers,
        asked=handlers.asked,
        screen=lambda draft, ui: question_screen(question, draft, ui),
        presses=presses,
        text=handlers.give_text if typed or asks_phone(question) else None,
        contact=handlers.give_contact if asks_phone(question) else None,
        change=Change(
            lambda ui: ui._("Change {answer}").format(answer=label_in(question, ui.prefs.language)),
            handlers.forget,
        ),
        notes=lambda draft: _notes(draft, question),
    )


def _notes(draft: Draft, question: Question) -> dict[str, object]:
    answer = draft.answers.get(question.name)
    if answer is None or answer.value is None or answer.target == "phone":
        return {}
    return {answer.label: answer.value}


def question_steps(questions: Questions) -> tuple[Step, ...]:
    """One step per question a chat can ask, each meeting type's in its order."""
    return tuple(
        question_step(question, type_id, f"QUESTION_{kind}_{index}")
        for kind, (type_id, listed) in enumerate(questions.items())
        for index, question in enumerate(listed)
        if question.asked
    )


__all__ = ["Question", "Questions", "question_step", "question_steps"]
