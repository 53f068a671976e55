"""The handler context: services the bot was built with, and the chat's draft and preferences."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.availability import AvailabilityService
from bot.bookings import BookingService
from bot.config import Settings
from bot.i18n import Formatter, negotiate_language, translations
from conversations.draft import PREFS_KEY, Draft, Prefs, load_draft, save_draft

SERVICES_KEY = "services"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may call; built once per process in build_application."""

    settings: Settings
    availability: AvailabilityService
    bookings: BookingService


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext with typed access to services, the draft and the customer's prefs."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._draft: Draft | None = None

    @property
    def services(self) -> Services:
        """The process's services."""
        services = self.bot_data[SERVICES_KEY]
        if not isinstance(services, Services):
            raise TypeError("bot_data holds no Services; build the app with build_application")
        return services

    @property
    def draft(self) -> Draft:
        """This chat's draft, loaded once per update."""
        if self._draft is None:
            self._draft = load_draft(self.chat_data if self.chat_data is not None else {})
        return self._draft

    def save(self) -> None:
        """Write the draft back to chat_data (persisted within a fraction of a second)."""
        if self._draft is not None and self.chat_data is not None:
            save_draft(self.chat_data, self._draft)

    def reset_draft(self) -> Draft:
        """Start over with an empty draft."""
        self._draft = Draft()
        self.save()
        return self._draft

    def ui(self, telegram_language: str | None) -> Ui:
        """Language, zone, formatter and gettext for this customer."""
        settings = self.services.settings
        stored = (self.user_data or {}).get(PREFS_KEY)
        if stored:
            prefs = Prefs.model_validate(stored)
        else:
            prefs = Prefs(
                language=negotiate_language(telegram_language, settings.bot_default_language),
                timezone=settings.bot_default_timezone,
            )
            if self.user_data is not None:
                self.user_data[PREFS_KEY] = prefs.model_dump()
        return Ui(prefs, Formatter(prefs.language, prefs.timezone), translations(prefs.language))

    def remember(self, prefs: Prefs) -> None:
        """Store the customer's language and zone for this and later bookings."""
        if self.user_data is not None:
            self.user_data[PREFS_KEY] = prefs.model_dump()


@dataclass(frozen=True, slots=True)
class Ui:
    """How to talk to one customer."""

    prefs: Prefs
    fmt: Formatter
    catalog: gettext.NullTranslations

    def _(self, message: str) -> str:
        """Translate a message."""
        return self.catalog.gettext(message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        """Translate a message that depends on a count."""
        return self.catalog.ngettext(singular, plural, count)
