"""The handler context: services the bot was built with, and the chat's draft and preferences."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.booking.appointments import AppointmentService
from bot.booking.availability import AvailabilityService
from bot.booking.bookings import BookingService
from bot.booking.links import LinkSigner
from bot.config import Settings
from bot.language.i18n import Formatter, negotiate_language, translations
from conversations.draft import DRAFT_KEY, PREFS_KEY, Draft, Prefs

SERVICES_KEY = "services"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may call; built once per process in build_application."""

    settings: Settings
    availability: AvailabilityService
    bookings: BookingService
    links: LinkSigner
    appointments: AppointmentService

    @classmethod
    def of(cls, application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
        """The services an application was built with (for jobs and start-up work)."""
        services = application.bot_data[SERVICES_KEY]
        if not isinstance(services, cls):
            raise TypeError("bot_data holds no Services; build the app with build_application")
        return services


@dataclass(frozen=True, slots=True)
class Ui:
    """How to talk to one customer: their preferences, formatter and catalog, and the facts
    about the business and the customer that screens show (privacy policy, team zone, name)."""

    prefs: Prefs
    fmt: Formatter
    catalog: gettext.NullTranslations
    privacy_url: str = ""
    team_zone: str = ""
    telegram_name: str | None = None

    def _(self, message: str) -> str:
        """Translate a message."""
        return self.catalog.gettext(message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        """Translate a message that depends on a count."""
        return self.catalog.ngettext(singular, plural, count)


def make_ui(settings: Settings, prefs: Prefs, telegram_name: str | None = None) -> Ui:
    """How to talk to a customer with these preferences."""
    return Ui(
        prefs,
        Formatter(prefs.language, prefs.timezone),
        translations(prefs.language),
        privacy_url=str(settings.bot_privacy_url),
        team_zone=settings.bot_default_timezone,
        telegram_name=telegram_name,
    )


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext with typed access to services, the draft and the customer's prefs.

    One context is made per update, so the draft and the Ui below are worked out once each.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._draft: Draft | None = None
        self.telegram_language: str | None = None
        self.telegram_name: str | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BotContext:
        """The context for one update; remembers the language the customer's Telegram uses."""
        context = super().from_update(update, application)
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None:
            context.telegram_language = user.language_code
            full = " ".join(part for part in (user.first_name, user.last_name) if part)
            context.telegram_name = full.strip() or None
        return context

    @property
    def services(self) -> Services:
        """The process's services."""
        services = self.bot_data[SERVICES_KEY]
        if not isinstance(services, Services):
            raise TypeError("bot_data holds no Services; build the app with build_application")
        return services

    @property
    def draft(self) -> Draft:
        """This chat's draft; changes are written back to chat_data as they are made."""
        if self._draft is None:
            self._draft = Draft.bound_to(self._chat_data())
        return self._draft

    def reset_draft(self) -> Draft:
        """Start over with an empty draft."""
        self.forget_draft()
        self._draft = Draft.bound_to(self._chat_data(), fresh=True)
        return self._draft

    def forget_draft(self) -> None:
        """Drop the draft, and with it the customer's name and e-mail."""
        if self._draft is not None:
            self._draft.unbind()
        self._draft = None
        self._chat_data().pop(DRAFT_KEY, None)

    def _chat_data(self) -> dict[str, Any]:
        # An update without a chat (none reaches the booking flow today) keeps nothing.
        return self.chat_data if self.chat_data is not None else {}

    @cached_property
    def ui(self) -> Ui:
        """Language, zone, formatter and gettext for this customer."""
        settings = self.services.settings
        stored = (self.user_data or {}).get(PREFS_KEY)
        prefs = (
            Prefs.model_validate(stored)
            if stored
            else Prefs(
                language=negotiate_language(self.telegram_language, settings.bot_default_language),
                timezone=settings.bot_default_timezone,
            )
        )
        return Ui(
            prefs,
            Formatter(prefs.language, prefs.timezone),
            translations(prefs.language),
            privacy_url=str(settings.bot_privacy_url),
            team_zone=settings.bot_default_timezone,
            telegram_name=self.telegram_name,
        )

    def remember(self, prefs: Prefs) -> None:
        """Store the customer's language and zone for this and later bookings."""
        if self.user_data is not None:
            self.user_data[PREFS_KEY] = prefs.model_dump()
        # The Ui of this update follows at once (the next screen is drawn in the new language).
        self.__dict__.pop("ui", None)
