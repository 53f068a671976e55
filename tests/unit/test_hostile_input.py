"""Hostile text at every step where customers type (tests/data/hostile_inputs.json, plus
hypothesis): nothing crashes, Telegram would accept every answer, refused input gets a clear
message and loses nothing, and what is accepted is booked exactly as the card showed it.

Two layers, so that the whole corpus is checked in seconds:

* every string goes through the pure functions each step's handler calls (clean_name,
  check_email, parse_when, find_zones), and the screen the handler would draw from their answer
  is checked as Telegram would take it (HTML that parses, at most 4096 characters, buttons it
  accepts);
* a sample goes through the real chat (a few strings of every kind, the first few of every
  outcome the pure pass found, every command of the menu once), which also checks that the
  pure pass predicts what the chat does, and books a dozen accepted answers.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.language.contact import (
    MAX_NAME_LENGTH,
    InvalidEmailError,
    InvalidNameError,
    check_email,
    clean_name,
)
from bot.language.i18n import Formatter, translations
from bot.language.places import find_zones
from bot.language.timezones import canonical_zone, zones_for_language
from bot.language.typed_day import AmbiguousDayError, PastDayError, parse_when
from bot.sandbox.telegram_html import command_entities, format_text, utf16_len
from bot.sandbox.telegram_markup import validate_reply_markup
from bot.sandbox.telegram_methods import MAX_TEXT
from conversations.booking.draft import Draft
from conversations.booking.free_times import DAYS_PER_PAGE, MAX_PAGES
from conversations.booking.steps.confirm import confirm_screen
from conversations.booking.steps.email import email_screen
from conversations.booking.steps.name import NAME_PROBLEMS, name_screen
from conversations.booking.steps.zone import ECHO_LIMIT, shortened, zone_screen
from conversations.commands.menus import COMMANDS as MENU_COMMANDS
from conversations.kit.chat import Screen, with_notice
from conversations.kit.context import Prefs, Ui
from tests.support.harness import PRIVACY_URL, VISIBLE
from tests.unit.conftest import (
    BERLIN,
    SCREEN,
    Chat,
    StepCustomer,
    berlin_today,
    services,
    tomorrow,
    walk,
)

CORPUS: list[dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "hostile_inputs.json").read_text(encoding="utf-8")
)
TEXTS = [entry["text"] for entry in CORPUS]
BOOKED_SAMPLE = 12  # accepted names and addresses booked for real (each takes a slot)
# Strings of each kind the chat is sent at every step (spread over the kind), and of each
# outcome (the first ones): enough to see every kind and outcome in the chat, and quick.
PER_KIND = 3
PER_SHAPE = 3
# What the bot says when it refuses a typed answer, per step.
REFUSALS = {
    "name": (
        "Please type a name.",
        "That name is too long",
        "That name contains invisible control characters",
    ),
    "email": ("That does not look like an e-mail address.",),
    "day": (
        "I didn't understand that day.",
        "That day is already over.",
        "Did you mean",
        "There are no free times on",
        "That is too far ahead",
        "Which day? I will show the times that fit first.",  # a time of day, without a day
    ),
    "timezone": (
        "I don't know a place called",
        "Several time zones match",
        "Did you mean one of these places?",
    ),
}
# How the tallies name each step's answers, and what an accepted one counts as.
NOUNS = {"name": "names", "email": "e-mails", "day": "days", "timezone": "places"}
ACCEPTED = {
    "name": "kept exactly as shown",
    "email": "accepted",
    "day": "understood",
    "timezone": "understood",
}
REFUSED = "refused with a message"
Tally = Counter[tuple[str, str]]  # (step, what happened): how many

# --- the pure pass: what each step makes of a typed answer ---------------------------------------

# How the chat's bot talks to Ada: English, Berlin, Ada's Telegram name (conftest's bot).
UI = Ui(
    Prefs(language="en", timezone="Europe/Berlin"),
    Formatter("en", "Europe/Berlin"),
    translations("en"),
    privacy_url=PRIVACY_URL,
    team_zone="Europe/Berlin",
    telegram_name="Ada Lovelace",
)
# The business's own mail domain: the privacy policy's (Settings.business_mail_domains), which
# check_email never "corrects"; the chat test checks its bot has the same.
BUSINESS_DOMAINS = (urlsplit(PRIVACY_URL).hostname or "",)
MENU = "0a1b2c"  # a menu nonce as Draft.new_menu makes them: the buttons' callback data carry it


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step makes of one typed answer, as its pure functions decide it."""

    shape: str  # "kept", "refused: control", ...: the chat sample takes a string of each
    accepted: bool
    refusal: str = ""  # the message a refused answer gets (one of REFUSALS)


def refusal(step: str, shape: str, message: str) -> Outcome:
    """A refused answer, and the opening of the message the chat says it with."""
    assert message in REFUSALS[step], f"{message!r} is a refusal the chat test knows"
    return Outcome(f"refused: {shape}", accepted=False, refusal=message)


def telegram_shows(screen: Screen) -> str:
    """The text of a screen as the chat shows it; Telegram would refuse nothing about it."""
    text, markup = screen
    shown = format_text(text, "HTML", None)  # raises as Telegram would on broken HTML
    assert 0 < utf16_len(shown.text) <= MAX_TEXT, (utf16_len(shown.text), shown.text[:200])
    if markup is not None:
        validate_reply_markup(markup.to_dict())  # raises as Telegram would on a bad button
    return shown.text


def card(**answers: str | None) -> Draft:
    """A confirm card's draft: tomorrow 9:00 in Berlin, the intro call, and `answers`."""
    start = datetime.combine(tomorrow(), time(9), BERLIN)
    draft = Draft(menu=MENU, meeting_name="Intro call", duration=30, start=start, consent=True)
    for field, value in {"name": "Ada Lovelace", "email": "ada@example.org", **answers}.items():
        setattr(draft, field, value)
    return draft


def name_refused(reason: str) -> Outcome:
    """The name question again, with the message for `reason` above it."""
    assert reason in NAME_PROBLEMS, "every refusal has its message"
    draft = Draft(menu=MENU, notice=UI._(NAME_PROBLEMS[reason]))
    shown = telegram_shows(with_notice(draft, name_screen(draft, UI)))
    return refusal("name", reason, next((m for m in REFUSALS["name"] if shown.startswith(m)), ""))


def name_outcome(text: str) -> Outcome:
    """give_name: clean_name keeps the name, which the card shows exactly, or refuses it with
    one of NAME_PROBLEMS above the name question."""
    try:
        name = clean_name(text)
    except InvalidNameError as problem:
        return name_refused(problem.reason)
    assert name == " ".join(text.split())
    assert 0 < len(name) <= MAX_NAME_LENGTH
    assert f"👤 {name}" in telegram_shows(confirm_screen(card(name=name), UI)).splitlines()
    shape = ["kept", "as typed" if name == text else "with its spaces tidied"]
    if any(char in name for char in "<>&"):
        shape.append("with HTML's own characters")  # escaped on the card, shown as typed
    if not name.isascii():
        shape.append("beyond ASCII")
    return Outcome(", ".join(shape), accepted=True)


def email_outcome(text: str) -> Outcome:
    """give_email: check_email takes the address (asking about a likely typo or a look-alike
    domain first), which the card shows exactly, or it is refused."""
    try:
        checked = check_email(text, BUSINESS_DOMAINS)
    except InvalidEmailError:
        return refusal("email", "not an address", REFUSALS["email"][0])
    draft = card(email=checked.address)
    draft.email_suggestion, draft.email_ascii = checked.suggestion, checked.lookalike_ascii
    shape = ["accepted"]
    if checked.suggestion or checked.lookalike_ascii:
        # The question about it, with the address on its buttons; then "Keep" as typed.
        telegram_shows(email_screen(draft, UI))
        shape.append("after a typo hint" if checked.suggestion else "after a look-alike check")
        draft.email_suggestion, draft.email_checked = None, True
    ascii_form = f" ({checked.lookalike_ascii})" if checked.lookalike_ascii else ""
    shown = telegram_shows(confirm_screen(draft, UI)).splitlines()
    assert f"✉️ {checked.address}{ascii_form}" in shown, shown
    if not checked.address.isascii():
        shape.append("beyond ASCII")
    return Outcome(", ".join(shape), accepted=True)


def asked_which(candidates: list[date]) -> Outcome:
    """ "Did you mean {first} or {second}?": the question names the first and last candidate."""
    assert candidates, "an ambiguous day has days to choose from"
    return refusal("day", "ambiguous", "Did you mean")


def day_outcome(text: str) -> Outcome:
    """type_day and _show_typed: parse_when names a day (or week) within reach, or the answer
    is refused with the message for why. Whether that day has free times is the chat's to say:
    these refusals echo no typed text, only dates the bot writes itself."""
    today = berlin_today()
    try:
        when = parse_when(text, today, UI.prefs.language)
    except PastDayError:
        return refusal("day", "over", "That day is already over.")
    except AmbiguousDayError as ambiguous:
        return asked_which(ambiguous.candidates)
    if when is None:
        return refusal("day", "not a day", "I didn't understand that day.")
    day = when.day or when.week
    if day is None:
        return refusal("day", "a time without a day", REFUSALS["day"][-1])
    if (day - today).days // DAYS_PER_PAGE >= MAX_PAGES:
        return refusal("day", "too far ahead", "That is too far ahead")
    shape = "a week" if when.week else "a day" if when.time is None else "a day and a time"
    return Outcome(shape, accepted=True)


def place_outcome(text: str) -> Outcome:
    """give_zone_text and _answer_zone_query: a zone's own name or a place with one clock sets
    the zone; else the zones it may mean, or the customer's text quoted back (shortened), are
    shown above the zone picker."""
    query = text.strip()
    exact = canonical_zone(query) if "/" in query or query.upper() in ("UTC", "GMT") else None
    if exact:
        return Outcome("a zone's own name", accepted=True)
    matches = find_zones(query, UI.prefs.language)
    if matches.settled:
        return Outcome("a place with one clock", accepted=True)
    if matches.choices:
        zones = tuple(choice.zone for choice in matches.choices)
        shape = "several zones" if matches.exact else "near misses"
        message = (
            "Several time zones match" if matches.exact else "Did you mean one of these places?"
        )
        notice = UI._(
            "Several time zones match. Which one is yours?"
            if matches.exact
            else "Did you mean one of these places? Pick your time zone:"
        )
    else:
        # The text quoted back: one line, ECHO_LIMIT characters at most, whatever was typed
        # (an over-long place name once made this message longer than Telegram takes).
        echo = shortened(query)
        assert len(echo) <= ECHO_LIMIT, echo
        assert "\n" not in echo, echo
        zones = tuple(choice.zone for choice in zones_for_language(UI.prefs.language))
        shape, message = "unknown", "I don't know a place called"
        notice = UI._("I don't know a place called “{query}”.").format(query=escape(echo))
    draft = Draft(menu=MENU, notice=notice, zone_options=zones)
    assert telegram_shows(with_notice(draft, zone_screen(draft, UI))).startswith(message)
    return refusal("timezone", shape, message)


CHECKS: dict[str, Callable[[str], Outcome]] = {
    "name": name_outcome,
    "email": email_outcome,
    "day": day_outcome,
    "timezone": place_outcome,
}


@functools.cache
def outcome(step: str, text: str) -> Outcome:
    """What `step` makes of `text`; a crash names the text."""
    try:
        return CHECKS[step](text)
    except Exception as error:
        error.add_note(f"{step} typed: {text!r}")
        raise


def command_of(text: str) -> str | None:
    """The command a message starts with as Telegram marks it ("/start@SomeBot x": "start"),
    which the bot answers as a command, never as the step's answer. "/", "/ cancel" or "/😀"
    are no commands: the bot takes them as answers."""
    marked = next((e for e in command_entities(text) if e["offset"] == 0), None)
    return None if marked is None else text[1 : marked["length"]].split("@")[0].lower()


def is_command(text: str) -> bool:
    return command_of(text) is not None


@functools.cache
def sample(step: str) -> tuple[str, ...]:
    """What the chat is sent at `step`, in corpus order: PER_KIND strings of every kind (its
    first, its last and some between), the first PER_SHAPE answers of every outcome the pure
    pass found, and the first of every command; so that the chat sees each kind, acceptance and
    refusal in all their shapes (a few of each: one day without free times must not hide
    acceptance), and commands."""
    by_kind: dict[str, list[str]] = {}
    for entry in CORPUS:
        by_kind.setdefault(entry["kind"], []).append(entry["text"])
    chosen: set[str] = set()
    for texts in by_kind.values():
        last = len(texts) - 1
        chosen.update(texts[round(i * last / max(PER_KIND - 1, 1))] for i in range(PER_KIND))
    menu = {command for command, _ in MENU_COMMANDS}
    shapes: Counter[str] = Counter()
    for text in TEXTS:
        command = command_of(text)
        if command is None:
            shape, most = outcome(step, text).shape, PER_SHAPE
        else:  # one of each command of the menu, and one unknown (each takes a new booking)
            shape, most = f"/{command if command in menu else '?'}", 1
        if shapes[shape] < most:
            shapes[shape] += 1
            chosen.add(text)
    return tuple(text for text in TEXTS if text in chosen)


def report(title: str, tally: Tally) -> None:
    """Print a tally as `pytest -s` shows it: "names: 638 tried, 521 kept exactly as shown, …"."""
    lines = []
    for step in dict.fromkeys(step for step, _ in tally):
        counted = dict.fromkeys(
            ("tried", ACCEPTED[step], REFUSED, *(w for s, w in tally if s == step))
        )
        lines.append(
            f"{NOUNS[step]}: " + ", ".join(f"{tally[step, what]} {what}" for what in counted)
        )
    print(f"\n{title}:\n  " + "\n  ".join(lines))


def assert_both_outcomes(tally: Tally, steps: tuple[str, ...]) -> None:
    """Acceptance and refusal both occur at `steps`. Not asserted for days: the corpus's days
    are dates such as 24.12., which are within reach only in part of the year."""
    for step in steps:
        if step != "day":
            assert tally[step, ACCEPTED[step]], step
        assert tally[step, REFUSED], step


def pure_pass(steps: tuple[str, ...]) -> Tally:
    """Every string of the corpus at `steps`, as an answer even where the chat takes it for a
    command (the sample sends those as commands)."""
    tally: Tally = Counter()
    for step in steps:
        for text in TEXTS:
            tally[step, "tried"] += 1
            tally[step, ACCEPTED[step] if outcome(step, text).accepted else REFUSED] += 1
    assert_both_outcomes(tally, steps)
    return tally


COMMANDS = sum(map(is_command, TEXTS))
WHOLE_CORPUS = f"whole corpus, pure functions ({COMMANDS} of them are commands in the chat)"


def test_every_hostile_name_and_address_is_kept_as_shown_or_refused() -> None:
    report(f"hostile names and addresses, {WHOLE_CORPUS}", pure_pass(("name", "email")))


def test_every_hostile_day_and_place_is_understood_or_refused() -> None:
    report(f"hostile days and places, {WHOLE_CORPUS}", pure_pass(("day", "timezone")))


# --- the chat sample -----------------------------------------------------------------------------


def card_field(ada: StepCustomer, emoji: str) -> str:
    """The value the confirm card shows after an emoji ("👤", "✉️")."""
    for line in ada.menu().text.splitlines():
        if line.startswith(f"{emoji} "):
            return line.removeprefix(f"{emoji} ")
    raise AssertionError(f"no {emoji} line on {ada.menu().text!r}")


def assert_no_crash(caplog: pytest.LogCaptureFixture, chat: Chat) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert chat.emulator.violations == [], chat.emulator.violations[0].description


def bookings_for(step: str) -> int:
    """How many of BOOKED_SAMPLE go to accepted answers at `step`: half to e-mail addresses
    (as many as the sample accepts), the rest to names."""
    addresses = sum(outcome("email", t).accepted for t in sample("email") if not is_command(t))
    for_email = min(BOOKED_SAMPLE // 2, addresses)
    return for_email if step == "email" else BOOKED_SAMPLE - for_email


async def test_hostile_names_and_addresses_on_the_card(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    ada = chat.ada
    assert services(chat.bot).settings.business_mail_domains == BUSINESS_DOMAINS
    tally: Tally = Counter()
    await walk(ada, "confirm")
    for step, change, emoji in (("name", "Change name", "👤"), ("email", "Change email", "✉️")):
        booked = 0
        for text in sample(step):
            await ada.tap(change)
            if is_command(text):
                # A command, not an answer: it is answered as a command; start over after it.
                before = len(chat.emulator.calls)
                await ada.send(text)
                assert any(c.method in VISIBLE for c in chat.emulator.calls[before:]), text
                tally[step, "commands answered as commands"] += 1
                assert_no_crash(caplog, chat)
                await walk(ada, "confirm")
                continue
            predicted = outcome(step, text)
            reply = await ada.send(text)
            tally[step, "tried"] += 1
            if SCREEN[step] in reply.text:
                assert any(refusal in reply.text for refusal in REFUSALS[step]), (text, reply.text)
                assert not predicted.accepted, (text, predicted, reply.text)
                assert predicted.refusal in reply.text, (text, predicted, reply.text)
                tally[step, REFUSED] += 1
                await ada.send("Ada Lovelace" if step == "name" else "ada@example.org")
                assert SCREEN["confirm"] in ada.menu().text, "the other answers were kept"
                continue
            assert predicted.accepted, (text, predicted, reply.text)
            if step == "email" and SCREEN["confirm"] not in ada.menu().text:
                await ada.tap("Keep")  # a typo hint or a look-alike domain, kept as typed
            assert SCREEN["confirm"] in ada.menu().text, ada.menu().text
            tally[step, ACCEPTED[step]] += 1
            shown = card_field(ada, emoji)
            if step == "name":
                assert shown == clean_name(text)
            if booked < bookings_for(step):
                await ada.tap("Confirm")
                body = chat.sandbox.bookings[-1].body["attendee"]
                value = body["fullname"] if step == "name" else body["email"]
                assert shown.split(" (xn--")[0] == value, "booked exactly as the card showed"
                booked += 1
                tally[step, "booked as shown"] += 1
                await walk(ada, "confirm")
            assert_no_crash(caplog, chat)
    report("hostile names and addresses, chat sample", tally)
    assert_both_outcomes(tally, ("name", "email"))
    assert tally["name", "commands answered as commands"]
    assert tally["email", "commands answered as commands"]
    assert tally["name", "booked as shown"] + tally["email", "booked as shown"] == BOOKED_SAMPLE
    assert_no_crash(caplog, chat)


async def test_hostile_days_and_places(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    ada = chat.ada
    tally: Tally = Counter()
    await walk(ada, "day")
    for text in (text for text in sample("day") if not is_command(text)):
        predicted = outcome("day", text)
        reply = await ada.send(text)
        tally["day", "tried"] += 1
        if SCREEN["slot"] in reply.text:
            assert predicted.accepted, (text, predicted, reply.text)
            tally["day", ACCEPTED["day"]] += 1
            await ada.tap("◀ other day")
        else:
            assert any(refusal in reply.text for refusal in REFUSALS["day"]), (text, reply.text)
            # A day the pure pass understood may have no free time left: the chat says so.
            expected = predicted.refusal or "There are no free times on"
            assert expected in reply.text, (text, predicted, reply.text)
            tally["day", REFUSED] += 1
    # A new booking: a typed day far ahead ("1.5" is in May) leaves the day picker there, and
    # a place that sets the zone redraws the day picker.
    await walk(ada, "timezone")
    for text in (text for text in sample("timezone") if not is_command(text)):
        predicted = outcome("timezone", text)
        reply = await ada.send(text)
        tally["timezone", "tried"] += 1
        if SCREEN["day"] in reply.text:  # a zone was set and the booking went on
            assert predicted.accepted, (text, predicted, reply.text)
            tally["timezone", ACCEPTED["timezone"]] += 1
            await ada.send("/timezone")
        else:
            assert SCREEN["timezone"] in reply.text, reply.text
            assert any(refusal in reply.text for refusal in REFUSALS["timezone"]), reply.text
            assert not predicted.accepted, (text, predicted, reply.text)
            assert predicted.refusal in reply.text, (text, predicted, reply.text)
            tally["timezone", REFUSED] += 1
    report("hostile days and places, chat sample", tally)
    assert_both_outcomes(tally, ("day", "timezone"))
    assert_no_crash(caplog, chat)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(min_size=1, max_size=300))
def test_any_text_as_a_name_is_refused_with_a_message_or_kept_as_shown(text: str) -> None:
    reason: str | None
    try:
        name = clean_name(text)
    except InvalidNameError as refused:
        reason = refused.reason
    else:
        reason = None
        assert name == " ".join(text.split())
        assert 0 < len(name) <= 100
    assert reason in (None, *NAME_PROBLEMS), "every refusal has its message"
