"""The handler context: services the bot was built with, the chat's view and the customer's
preferences, and how to talk to a customer (their Ui)."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel
from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.booking.appointments import AppointmentService
from bot.booking.availability import AvailabilityService
from bot.booking.bookings import BookingService
from bot.booking.host_changes import HostChanges
from bot.booking.links import LinkSigner
from bot.booking.waitlist import Waitlist
from bot.config import Settings
from bot.language.i18n import Formatter, negotiate_language, translations
from bot.metrics import Metrics
from bot.ptb.business_chats import BusinessChats
from bot.ptb.ptb_internals import App as App  # re-exported: the flows name it from here
from conversations.kit.view import VIEW_KEY, View

if TYPE_CHECKING:
    from conversations.kit.flow import Flow

SERVICES_KEY = "services"
PREFS_KEY = "prefs"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may call; built once per process in build_application."""

    settings: Settings
    availability: AvailabilityService
    bookings: BookingService
    links: LinkSigner
    appointments: AppointmentService
    host_changes: HostChanges
    waitlist: Waitlist
    business: BusinessChats  # agents' own chats (Telegram Business)
    metrics: Metrics  # what the process counts (/metrics), one registry per Application

    @classmethod
    def of(cls, application: App) -> Services:
        """The services an application was built with (for jobs and start-up work)."""
        services = application.bot_data[SERVICES_KEY]
        if not isinstance(services, cls):
            raise TypeError("bot_data holds no Services; build the app with build_application")
        return services


class Prefs(BaseModel):
    """A customer's language and time zone; kept across bookings."""

    language: str
    timezone: str


def stored_prefs(
    settings: Settings, user_data: Mapping[str, Any] | None, telegram_language: str | None = None
) -> Prefs:
    """The preferences kept for a user, or the defaults: their Telegram language if the bot
    speaks it, else BOT_DEFAULT_LANGUAGE, and BOT_DEFAULT_TIMEZONE."""
    stored = (user_data or {}).get(PREFS_KEY)
    if stored:
        return Prefs.model_validate(stored)
    return Prefs(
        language=negotiate_language(telegram_language, settings.bot_default_language),
        timezone=settings.bot_default_timezone,
    )


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


def ui_for(settings: Settings, prefs: Prefs, telegram_name: str | None = None) -> Ui:
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
    """CallbackContext with typed access to services, the chat's view and the customer's prefs.

    One context is made per update, so the view and the Ui below are worked out once each. A
    flow whose view carries more (its answers) names its model in `view_model`.
    """

    view_model: ClassVar[type[View]] = View

    def __init__(
        self, application: App, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._view: View | None = None
        # The flow handling this update, and the state it is in (set by the flow).
        self._flow: Flow | None = None
        self.state: str | None = None
        self.telegram_language: str | None = None
        self.telegram_name: str | None = None

    @classmethod
    def from_update(cls, update: object, application: App) -> BotContext:
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
        return Services.of(self.application)

    @property
    def flow(self) -> Flow:
        """The flow handling this update (its handlers ask it what comes next)."""
        if self._flow is None:
            raise LookupError("this update is not handled by a flow")
        return self._flow

    def enter(self, flow: Flow, state: str | None) -> None:
        """Note which flow handles this update, and in which state."""
        self._flow, self.state = flow, state

    @property
    def view(self) -> View:
        """This chat's view; changes are written back to chat_data as they are made."""
        if self._view is None:
            self._view = self.view_model.bound_to(self._chat_data())
        return self._view

    def reset_view(self) -> View:
        """Start over with an empty view (and no answers)."""
        self.forget_view()
        self._view = self.view_model.bound_to(self._chat_data(), fresh=True)
        return self._view

    def forget_view(self) -> None:
        """Drop the view, and with it the customer's answers."""
        if self._view is not None:
            self._view.unbind()
        self._view = None
        self._chat_data().pop(VIEW_KEY, None)

    def _chat_data(self) -> dict[str, Any]:
        # An update without a chat (none reaches a flow today) keeps nothing.
        return self.chat_data if self.chat_data is not None else {}

    @cached_property
    def ui(self) -> Ui:
        """Language, zone, formatter and gettext for this customer."""
        settings = self.services.settings
        prefs = stored_prefs(settings, self.user_data, self.telegram_language)
        return ui_for(settings, prefs, self.telegram_name)

    def remember(self, prefs: Prefs) -> None:
        """Store the customer's language and zone for this and later bookings."""
        if self.user_data is not None:
            self.user_data[PREFS_KEY] = prefs.model_dump()
        # The Ui of this update follows at once (the next screen is drawn in the new language).
        self.__dict__.pop("ui", None)
