"""What the customer is told when an answer to a question cannot be taken, in their language
(one message per reason bot.booking.questions_answers gives)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from html import escape

from bot.booking.questions_answers import AnswerProblem
from conversations.kit.context import Ui


def _messages(ui: Ui) -> Mapping[str, str]:
    return {
        "empty": ui._("Please type an answer."),
        "control": ui._("That answer contains invisible control characters; please type it again."),
        "too_short": ui._("That answer is too short; please use at least {count} characters."),
        "too_long": ui._("That answer is too long; please use at most {count} characters."),
        "not_a_number": ui._("Please type a number."),
        "below_min": ui._("Please type a number of at least {minimum}."),
        "above_max": ui._("Please type a number of at most {maximum}."),
        "not_an_email": ui._(
            "That does not look like an e-mail address. Please check it and type it again."
        ),
        "not_a_phone": ui._(
            "That does not look like a phone number. Please type it with its area code, "
            "e.g. +49 30 1234567."
        ),
        "not_a_url": ui._("That does not look like a web address, e.g. example.com."),
        "not_a_date": ui._("I didn't understand that date. Please type it like 24.12.2026."),
        "ambiguous_date": ui._(
            "Did you mean {first} or {second}? Please type the date with the month name."
        ),
        "not_in_past": ui._("Please type a date in the past, with its year, e.g. 12.03.1985."),
        "not_a_time": ui._("I didn't understand that time. Please type it like 14:30."),
        "use_buttons": ui._("Please use the buttons below."),
        "not_an_option": ui._("Please use the buttons below."),
        "too_few": ui._("Please choose at least {count}."),
        "too_many": ui._("Please choose at most {count}."),
    }


def problem_text(ui: Ui, problem: AnswerProblem) -> str:
    """The message for `problem`."""
    params = dict(problem.params)
    candidates = params.pop("candidates", None)
    if isinstance(candidates, list | tuple) and candidates:
        first, second = candidates[0], candidates[-1]
        if isinstance(first, date) and isinstance(second, date):
            params["first"] = ui.fmt.full_date(first)
            params["second"] = ui.fmt.full_date(second)
    message = _messages(ui).get(problem.reason, ui._("Please type an answer."))
    try:
        return message.format(**{key: escape(str(value)) for key, value in params.items()})
    except (KeyError, IndexError):
        return message
