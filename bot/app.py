"""Wire settings, services and the conversation into a python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import httpx
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import HTTPXRequest

from bot.booking.appointments import AppointmentService
from bot.booking.availability import AvailabilityService
from bot.booking.bookings import BookingService
from bot.booking.host_changes import HostChanges, ensure_webhook
from bot.booking.links import LinkSigner
from bot.booking.questions import QuestionsError, load_questions, refers_to_data_fields
from bot.booking.waitlist import Waitlist
from bot.config import (
    Settings,
    deployment_mark,
    link_secret,
    meetergo_webhook_path,
    public_url,
)
from bot.health import Health
from bot.meetergo import (
    AuthenticationError,
    MeetergoClient,
    MeetergoError,
    MeetingType,
    NotFoundError,
)
from bot.metrics import Metrics
from bot.ptb import ptb_internals
from bot.ptb.business_chats import BusinessChatClosed, BusinessChats
from bot.ptb.chat_turns import ORPHAN_LOOK_SECONDS, ChatStates, resume_orphaned_turns
from bot.ptb.heard import HeardRequest
from bot.ptb.persistence import StatePersistence
from bot.ptb.rate_limiter import PatientRateLimiter
from bot.ptb.update_processor import PerChatUpdateProcessor
from bot.storage.backends import Storage, StorageUnavailableError, storage_for
from bot.storage.send_budget import SendBudget
from bot.tls import tls_context
from conversations.after_booking.host_changes import schedule_checks
from conversations.after_booking.my_bookings import build_my_bookings_handlers
from conversations.after_booking.reminders import rearm_all_reminders
from conversations.after_booking.waitlist import schedule_wish_looks
from conversations.agents.business import business_gate
from conversations.agents.tools import build_agent_handlers, greet_agent
from conversations.booking.draft import BookingContext
from conversations.booking.flow import build_booking_handler
from conversations.booking.idle import (
    draft_touched_at,
    sweep_idle,
    sweep_idle_drafts,
    sweep_interval,
)
from conversations.booking.recovery import recover_interrupted_bookings
from conversations.booking.steps.question import Questions
from conversations.commands.groups import keep_bookings_private
from conversations.commands.menus import MENU_LANGUAGES, command_menu
from conversations.commands.outside import CatchAll, build_catch_alls, build_outside_handlers
from conversations.kit.context import SERVICES_KEY, BotContext, Services

log = logging.getLogger(__name__)

BotApplication = Application[
    Any, BookingContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]
HEALTH_KEY = "health"


class StartupError(Exception):
    """The bot cannot serve customers with this configuration (e.g. unknown meeting type)."""


def timeout_of(seconds: float) -> httpx.Timeout:
    """A meetergo call's timeout: `seconds` in all, at most five of them to connect."""
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def build_services(settings: Settings, client: MeetergoClient, storage: Storage) -> Services:
    """The services handlers call; one meetergo client shared by all."""
    availability = AvailabilityService(
        client,
        settings.meeting_type_ids,
        grid_zone=settings.bot_default_timezone,
        step_minutes=settings.bot_slot_step_minutes,
        # A customer waits for a meeting type no longer than the start did.
        type_patience=settings.bot_startup_patience_seconds,
    )
    ledger = storage.ledger
    secret = link_secret(settings)
    links = LinkSigner(secret)
    bookings = BookingService(client, availability, ledger, attendee_key=secret)
    appointments = AppointmentService(client, ledger, attendee_key=secret)
    host_changes = HostChanges(client, ledger)
    waitlist = Waitlist(storage.wishes, availability)
    business = BusinessChats(storage.business, settings.bot_agent_ids)
    return Services(
        settings,
        availability,
        bookings,
        links,
        appointments,
        host_changes,
        waitlist,
        business,
        client.metrics,
    )


def build_application(settings: Settings, questions: Questions | None = None) -> BotApplication:
    """The Application: handlers, persistence, rate limiter, and the meetergo client lifecycle;
    `questions` are the meeting types' own (read_questions)."""
    # One registry per Application: several bots in one process (the tests) count apart.
    client = meetergo_client(settings, Metrics())
    database_url = settings.bot_database_url
    storage = storage_for(
        settings.bot_data_dir, database_url.get_secret_value() if database_url else None
    )
    services = build_services(settings, client, storage)
    persistence = StatePersistence(storage.store, touched_of=draft_touched_at)
    states = ChatStates(persistence, cache_size=settings.bot_state_cache_size)
    states.customer_of = services.business.customer_of  # agents' chats are their customers'
    # What /readyz asks an idle bot's meetergo: the first meeting type, read afresh.
    first_type = settings.meeting_type_ids[0]
    health = Health(client.metrics, storage.store, lambda: client.meeting_type(first_type))
    lifecycle = Lifecycle(settings, services, storage, client, health)
    application = telegram_application(
        settings, persistence, states, lifecycle, services.business, storage.sends
    )
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[HEALTH_KEY] = health
    states.attach(application)
    add_handlers(application, questions or {})
    return application


async def read_questions(settings: Settings) -> Questions:
    """The meeting types' questions of BOT_QUESTIONS, the data fields it names read from
    meetergo; QuestionsError (one line) when the file cannot be used."""
    path = settings.bot_questions
    if path is None:
        return {}
    fields = []
    if refers_to_data_fields(path):
        client = meetergo_client(settings)
        try:
            fields = await client.data_fields()
        except MeetergoError as error:
            message = f"questions file {path}: the data fields could not be read from meetergo"
            raise QuestionsError(f"{message} ({type(error).__name__})") from None
        finally:
            await client.aclose()
    questions = load_questions(path, fields)
    for meeting_type_id in questions:
        if meeting_type_id not in settings.meeting_type_ids:
            raise QuestionsError(
                f"questions file {path}: meeting type {meeting_type_id} is not one the bot offers"
            )
    return questions


def health_of(application: BotApplication) -> Health:
    """What /healthz, /readyz and /metrics of this application look at (bot/health.py)."""
    health = application.bot_data[HEALTH_KEY]
    if not isinstance(health, Health):
        raise TypeError("bot_data holds no Health; build the app with build_application")
    return health


def meetergo_client(settings: Settings, metrics: Metrics | None = None) -> MeetergoClient:
    """The one meetergo client every service shares (counting into `metrics`)."""
    return MeetergoClient(
        base_url=settings.meetergo_base_url,
        api_key=settings.meetergo_api_key,
        user_id=settings.meetergo_user_id,
        timeout=timeout_of(settings.meetergo_read_timeout_seconds),
        booking_timeout=timeout_of(settings.meetergo_booking_timeout_seconds),
        backoff=settings.meetergo_retry_backoff_seconds,
        requests_per_minute=settings.meetergo_requests_per_minute,
        metrics=metrics,
    )


def telegram_application(
    settings: Settings,
    persistence: StatePersistence,
    states: ChatStates,
    lifecycle: Lifecycle,
    business: BusinessChats | None = None,
    sends: SendBudget | None = None,
) -> BotApplication:
    """PTB's Application for the bot's token and API, with the bot's persistence, pace and
    per-chat turns; `lifecycle` opens the services at start and closes them at the end;
    `business` addresses agents' chats; `sends` counts what is sent (with the replicas)."""
    token = settings.telegram_bot_token.get_secret_value()
    base = settings.telegram_base_url
    metrics = lifecycle.metrics
    limiter = PatientRateLimiter(
        messages_per_second=settings.telegram_messages_per_second,
        backoff=settings.telegram_retry_backoff_seconds,
        sends=sends,
        metrics=metrics,
    )
    limiter.business = business
    processor = PerChatUpdateProcessor(states, business, metrics=metrics)
    application: BotApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BookingContext))
        .persistence(persistence)
        .rate_limiter(limiter)
        # A pool sized to the pace: Telegram takes about 30 requests a second, and httpx looks
        # over every pooled connection at each request, so PTB's 256 (each kept once a burst
        # opened it) cost CPU at every send. A burst of button answers (not paced) waits up to
        # 5 s for a free connection (then it fails as a network error and is tried again).
        .request(
            HTTPXRequest(
                connection_pool_size=16,
                pool_timeout=5.0,
                httpx_kwargs={"verify": tls_context()},
            )
        )
        .get_updates_request(HeardRequest(metrics))
        .concurrent_updates(processor)
        .post_init(lifecycle.open)
        .post_shutdown(lifecycle.close)
        .build()
    )
    processor.attach(application)
    return application


def add_handlers(application: BotApplication, questions: Questions) -> None:
    """Every flow, the guards before them, the catch-alls after them, and the error handler."""
    # Before every flow: groups get a link to a private chat, foreign presses a pop-up.
    application.add_handler(TypeHandler(Update, keep_bookings_private), group=-1)
    application.add_handler(TypeHandler(Update, greet_agent), group=-2)
    # Before every flow and guard: in an agent's chat, only what the bot answers there.
    application.add_handler(TypeHandler(Update, business_gate), group=-3)
    add_flow(application, build_booking_handler(questions), *build_outside_handlers())
    add_flow(application, *build_agent_handlers())
    add_flow(application, *build_my_bookings_handlers())
    for handler in build_catch_alls():
        application.add_handler(handler)
    application.add_error_handler(report_error)


class Lifecycle:
    """What the bot does when PTB has started it (before serving) and after it stopped."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        storage: Storage,
        client: MeetergoClient,
        health: Health | None = None,
    ) -> None:
        self._settings = settings
        self._services = services
        self._storage = storage
        self._client = client
        self._health = health
        self._warm_up: list[asyncio.Task[None]] = []

    @property
    def metrics(self) -> Metrics:
        """What the process counts (the services' metrics)."""
        return self._services.metrics

    async def open(self, app: BotApplication) -> None:
        """Open the stores, read the meeting type, and finish what the last run left."""
        try:
            await self._storage.open()
        except StorageUnavailableError as error:
            raise StartupError(str(error)) from None
        meeting_type = await self._meeting_type(app)
        await publish_command_menus(app, self._settings.bot_default_language)
        await self._catch_up(app, meeting_type)
        # What the start loaded (python-telegram-bot, babel's locale data, the place names,
        # the mail domains: some 130,000 objects) lives as long as the process: kept out of the
        # garbage collector's full passes (52 ms each on two cores), which would otherwise walk
        # all of it again every few hundred updates. `python -m bot` held the collector off
        # during the start (bot/__main__.py): it runs from here on.
        gc.freeze()
        gc.enable()
        log.info(
            "bot @%s serving meeting type %r",
            app.bot.username,
            meeting_type.name if meeting_type else self._settings.meeting_type_ids[0],
        )

    async def close(self, app: BotApplication) -> None:
        """Stop asking meetergo, and close the client and the stores."""
        for task in self._warm_up:
            task.cancel()
        if self._health is not None:
            await self._health.close()  # its question to meetergo, before the client closes
        await self._services.availability.aclose()
        await self._client.aclose()
        await self._storage.close()

    async def _meeting_type(self, app: BotApplication) -> MeetingType | None:
        """The first meeting type, or None while meetergo does not answer (then it is asked
        again in the background); StartupError when meetergo refuses it."""
        settings = self._settings
        try:
            return await asyncio.wait_for(
                self._services.availability.meeting_type(), settings.bot_startup_patience_seconds
            )
        except (AuthenticationError, NotFoundError) as error:
            raise StartupError(
                f"meetergo refused meeting type {settings.meeting_type_ids[0]}: {error}"
            ) from None
        except (MeetergoError, TimeoutError) as error:
            # Down, slow, overloaded or rate limited: serve customers ("try again in a moment")
            # and keep asking in the background instead of dying.
            log.warning("meetergo not answering at start (%s); retrying", type(error).__name__)
            first_wait = settings.bot_startup_retry_seconds
            self._warm_up.append(asyncio.create_task(_keep_trying(app, self._services, first_wait)))
            return None

    async def _catch_up(self, app: BotApplication, meeting_type: MeetingType | None) -> None:
        """Drafts left idle and reminders fallen due while the bot was down are dealt with
        before it takes a new message: a customer's first answer after a restart comes after
        them, never beside them."""
        if app.job_queue is None:
            raise RuntimeError("the bot needs python-telegram-bot's job queue")
        try:
            await sweep_idle(app)
        except Exception:  # a locked chat, a database hiccup: the repeating sweep goes on
            log.exception("the idle sweep at start failed; the next one tries again")
        interval = sweep_interval(self._services)
        app.job_queue.run_repeating(
            sweep_idle_drafts, interval=interval, first=interval, name="idle-sweep"
        )
        # Only while meetergo answers: a reminder names its meeting type, and a start must not
        # wait on a meetergo that does not answer (then they come as jobs, right after it).
        await rearm_all_reminders(app, send_due_now=meeting_type is not None)
        await self._follow_host_changes(app, meeting_type is not None)
        if self._storage.store.shared:  # replicas: a dead one's turns are finished at once
            app.job_queue.run_repeating(
                resume_orphaned_turns, interval=ORPHAN_LOOK_SECONDS, name="orphaned-turns"
            )
        if self._settings.bot_waitlist_check_seconds:
            schedule_wish_looks(app, self._settings.bot_waitlist_check_seconds)
        if meeting_type is not None:
            await recover_interrupted_bookings(app)

    async def _follow_host_changes(self, app: BotApplication, answering: bool) -> None:
        """How the bot hears of cancels and moves made in meetergo: its webhook when the bot
        has a public URL (registered, or the one it made before reused), else, or when
        meetergo takes no more webhooks, its own schedule of checks."""
        settings = self._settings
        period = settings.bot_appointment_check_seconds
        if settings.bot_webhook_url and answering:
            endpoint = public_url(settings, meetergo_webhook_path(settings))
            try:
                if await ensure_webhook(self._client, endpoint, deployment_mark(settings)):
                    # Deliveries missed while the bot was down are made up by a slow schedule.
                    period = period and max(period, WEBHOOK_BACKSTOP_SECONDS)
                else:
                    log.warning("meetergo has six webhooks already: checking on a schedule")
            except MeetergoError as error:
                log.warning("could not register meetergo's webhook (%s)", type(error).__name__)
        if period:
            schedule_checks(app, period)


WARM_UP_LONGEST_WAIT = 60.0  # seconds between attempts at most, however long meetergo is away
# With meetergo's webhook, the appointments ahead are still read, once an hour at most often.
WEBHOOK_BACKSTOP_SECONDS = 3600.0


async def _keep_trying(app: BotApplication, services: Services, first_wait: float) -> None:
    """Read the meeting types until meetergo answers, then settle interrupted bookings."""
    wait = first_wait
    while True:
        await asyncio.sleep(wait)
        try:
            for meeting_type_id in services.availability.meeting_type_ids:
                await services.availability.meeting_type(meeting_type_id, patient=True)
            await recover_interrupted_bookings(app)
        except (AuthenticationError, NotFoundError) as error:
            log.error("meetergo refused the meeting type: %s", error)
            return
        except MeetergoError as error:
            log.warning("meetergo still not answering (%s)", type(error).__name__)
            wait = min(wait * 2, WARM_UP_LONGEST_WAIT)
            continue
        log.info("meetergo answers again")
        return


def add_flow(application: BotApplication, *handlers: BaseHandler[Any, Any, Any]) -> None:
    """Register a flow's handlers after the flows already there and before the catch-alls
    (which answer only what no flow claims, so they must come last in their group)."""
    for handler in handlers:
        ptb_internals.insert_before(application, handler, lambda other: isinstance(other, CatchAll))


async def publish_command_menus(app: BotApplication, default_language: str) -> None:
    """Tell Telegram the command list per language, so each customer sees it in theirs."""
    try:
        await app.bot.set_my_commands(command_menu(default_language))
        for telegram_code, language in MENU_LANGUAGES.items():
            await app.bot.set_my_commands(command_menu(language), language_code=telegram_code)
    except TelegramError as error:
        # A missing menu is cosmetic; the bot still answers every command.
        log.warning("could not set the command menus: %s", type(error).__name__)


async def report_error(update: object, context: BotContext) -> None:
    """Log an unexpected failure and tell the customer, without any technical detail."""
    if isinstance(context.error, BusinessChatClosed):
        # An agent's chat Telegram no longer lets the bot write to: nothing to apologise in.
        log.info("an agent's chat is closed to the bot: %s", context.error.message)
        return
    log.error("unhandled error", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    ui = context.ui
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            ui._(
                "Sorry, something went wrong on our side. Your answers are kept: "
                "please try again, or send /start to begin again."
            ),
        )
    except TelegramError:
        log.warning("could not tell the customer about an error")
