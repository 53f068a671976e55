"""The command menus Telegram shows: customers' in each language, agents' in their own chat."""

from __future__ import annotations

from telegram import BotCommand

from bot.language.i18n import N_, translations
from bot.language.languages import LANGUAGES

COMMANDS = (
    ("start", N_("Book an appointment")),
    ("cancel", N_("Stop the current booking")),
    ("language", N_("Choose the language")),
    ("timezone", N_("Choose your time zone")),
    ("mybookings", N_("Your upcoming bookings")),
    ("privacy", N_("What this bot keeps about you")),
    ("forget", N_("Erase everything this bot keeps about you")),
    ("help", N_("How this bot works")),
)
# Telegram clients report Norwegian as "nb" or "no"; both get the Norwegian menu.
AGENT_COMMANDS = (
    ("link", N_("Get a booking link to share")),
    ("stats", N_("Bookings your links brought in")),
    ("mycustomers", N_("Upcoming appointments you brought in")),
)
# Telegram clients report Norwegian as "nb" or "no"; both get the Norwegian menu.
MENU_LANGUAGES = {**{code: code for code in LANGUAGES}, "nb": "no"}


def command_menu(language: str) -> list[BotCommand]:
    """The customers' command list in one language."""
    catalog = translations(language)
    return [BotCommand(command, catalog.gettext(text)) for command, text in COMMANDS]


def agent_menu(language: str) -> list[BotCommand]:
    """A support agent's command list: the customers' one plus /link, /stats and
    /mycustomers."""
    catalog = translations(language)
    extra = [BotCommand(command, catalog.gettext(text)) for command, text in AGENT_COMMANDS]
    return [*command_menu(language), *extra]
