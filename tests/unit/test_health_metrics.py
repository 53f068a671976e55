"""/healthz, /readyz and /metrics: on BOT_HEALTH_PORT in polling mode and beside /telegram in
webhook mode; /readyz 503 while a stopping bot drains, the update in flight finished and none
taken meanwhile lost; bookings counted by outcome; no customer's name, e-mail address, Telegram
id or appointment id in any metric. The real Application run by the production loop
(bot/web.py) in the test's own process, against the emulator and the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import RetryAfter

from bot.app import health_of
from bot.config import ConfigError, load_settings
from bot.health import Health
from bot.metrics import Metrics, endpoint_of
from bot.ptb.rate_limiter import PatientRateLimiter
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import free_port
from conversations.after_booking.reminders import send_reminder
from tests.support.harness import InProcessBot, bot_environment
from tests.support.waiting import until
from tests.unit.conftest import ADA, SCREEN, Launcher, StepCustomer, running, services, walk

PATIENCE = 10.0  # seconds any awaited condition has
LOOPBACK = "127.0.0.1"


class Serve(Protocol):
    def __call__(self, **env: str) -> Awaitable[InProcessBot]: ...


@pytest_asyncio.fixture
async def serve(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Any
) -> AsyncIterator[Serve]:
    """Start bots as `python -m bot` runs them (serve_polling / serve_webhooks); each is
    stopped (drained) after the test."""
    bots: list[InProcessBot] = []

    async def start(**env: str) -> InProcessBot:
        environment = bot_environment(emulator, sandbox, tmp_path / "data", **env)
        bot = InProcessBot(environment, served=True)
        await bot.start()
        bots.append(bot)
        return bot

    yield start
    for bot in reversed(bots):
        await bot.stop()


def polling(port: int) -> dict[str, str]:
    return {"BOT_HEALTH_PORT": str(port), "BOT_WEBHOOK_LISTEN": LOOPBACK}


def webhook(port: int) -> dict[str, str]:
    # Telegram's side: the public https URL; the emulator delivers to the port on loopback.
    return {
        "BOT_WEBHOOK_URL": "https://bot.example.org",
        "BOT_WEBHOOK_LISTEN": LOOPBACK,
        "BOT_WEBHOOK_PORT": str(port),
    }


async def get(port: int, path: str) -> tuple[int, str, str]:
    """Status, body and content type of `GET path` on loopback."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{LOOPBACK}:{port}{path}") as reply,
    ):
        return reply.status, await reply.text(), reply.headers.get("Content-Type", "")


async def readiness(port: int) -> tuple[int, dict[str, Any]]:
    status, body, kind = await get(port, "/readyz")
    assert kind.startswith("application/json")
    return status, json.loads(body)


def samples(scrape: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
    }


def value(scrape: str, name: str, **labels: str) -> float:
    return samples(scrape).get((name, tuple(sorted(labels.items()))), 0.0)


# --- the pieces on their own -------------------------------------------------------------------


def test_meetergo_paths_become_templates_without_ids() -> None:
    assert endpoint_of("/v4/appointment/6f1c0e2a-appt") == "/v4/appointment/{id}"
    assert endpoint_of("/v4/appointment/abc/cancel") == "/v4/appointment/{id}/cancel"
    assert endpoint_of("/meeting-type/intro-call-id") == "/meeting-type/{id}"
    assert endpoint_of("/v4/appointment/paginated?search=ada@example.org") == (
        "/v4/appointment/paginated"
    )
    assert endpoint_of("/booking") == "/booking"
    assert endpoint_of("/booking-availability/v2") == "/booking-availability/v2"
    assert endpoint_of("/webhooks/42") == "/webhooks/{id}"


def test_each_metrics_has_a_registry_of_its_own() -> None:
    first, second = Metrics(), Metrics()
    first.booking("booked")
    assert "meetergo_bot_bookings_total" in first.render().decode()
    assert first.bookings.labels("booked")._value.get() == 1
    assert second.bookings.labels("booked")._value.get() == 0
    with pytest.raises(ValueError, match="outcome"):
        first.booking("ada@example.org")


def test_the_health_port_is_a_port_or_unset() -> None:
    required = {
        "telegram_bot_token": "123456:AAH-token",
        "meetergo_api_key": "rgo-key",
        "meetergo_meeting_type_id": "mt-1",
        "bot_privacy_url": "https://example.org/privacy",
    }
    assert load_settings(**required).bot_health_port is None
    assert load_settings(**required, bot_health_port=" ").bot_health_port is None
    assert load_settings(**required, bot_health_port="9100").bot_health_port == 9100
    with pytest.raises(ConfigError, match="BOT_HEALTH_PORT is invalid"):
        load_settings(**required, bot_health_port="70000")


class FakeStore:
    def __init__(self) -> None:
        self.drafts = 3
        self.broken = False

    async def open_drafts(self) -> int:
        if self.broken:
            raise OSError("disk gone")
        return self.drafts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_readiness_names_each_check_that_fails() -> None:
    clock, store = Clock(), FakeStore()
    metrics = Metrics(clock)
    probes: list[float] = []

    async def probe() -> None:  # meetergo answers the health check's question
        probes.append(clock.now)
        metrics.meetergo_call("GET", "/meeting-type/x", 200, 0.01)

    health = Health(metrics, store, probe)  # type: ignore[arg-type]
    assert await health.ready() == {"serving": "starting"}
    health.phase = "serving"
    metrics.meetergo_call("GET", "/meeting-type/x", 200, 0.01)
    metrics.telegram_heard()
    assert set((await health.ready()).values()) == {"ok"}
    assert metrics.conversations_open._value.get() == 3

    store.broken = True
    assert (await health.ready())["store"] == "failing"
    store.broken = False

    clock.now += 100  # Telegram silent (no getUpdates answered) for 100 s
    assert (await health.ready())["updates"] == "silent"
    health.webhook_set = True  # in webhook mode the webhook is what counts
    assert (await health.ready())["updates"] == "ok"
    assert probes == [1100.0], "meetergo silent for a minute: asked by the check"

    clock.now += 30
    assert (await health.ready())["meetergo"] == "ok"
    assert probes == [1100.0], "answered lately: not asked"
    clock.now += 400  # nothing from meetergo for 400 s: asked, and it answers
    assert (await health.ready())["meetergo"] == "ok"
    assert probes == [1100.0, 1530.0]

    async def silent() -> None:
        raise TimeoutError

    health = Health(metrics, store, silent)  # type: ignore[arg-type]
    health.phase = "serving"
    clock.now += 400
    assert (await health.ready())["meetergo"] == "silent"
    health.phase = "draining"
    assert await health.ready() == {"serving": "draining"}
    await health.close()


# PTB warns, building a RetryAfter, that its retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_the_rate_limiter_counts_429s_and_every_retry() -> None:
    metrics = Metrics()
    limiter = PatientRateLimiter(messages_per_second=0, backoff=0, metrics=metrics)
    await limiter.initialize()
    answers: list[Exception | bool] = [RetryAfter(timedelta(0)), True]

    async def send(*_: Any, **__: Any) -> bool:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    data = {"chat_id": 4242, "text": "hi"}
    assert await limiter.process_request(send, (), {}, "sendMessage", data, None) is True
    await limiter.shutdown()
    scrape = metrics.render().decode()
    assert value(scrape, "meetergo_bot_telegram_rate_limited_total", method="sendMessage") == 1
    assert value(scrape, "meetergo_bot_telegram_retries_total", reason="rate_limited") == 1
    assert "4242" not in scrape


# --- polling: BOT_HEALTH_PORT --------------------------------------------------------------------


async def test_polling_answers_health_readiness_and_metrics_on_its_own_port(
    serve: Serve, sandbox: SandboxScheduling
) -> None:
    port = free_port()
    bot = await serve(**polling(port))
    assert (await get(port, "/healthz"))[0] == 200
    status, ready = await readiness(port)
    assert status == 200, ready
    assert ready["checks"] == {"serving": "ok", "store": "ok", "meetergo": "ok", "updates": "ok"}
    status, scrape, kind = await get(port, "/metrics")
    assert status == 200
    assert kind.startswith("text/plain")
    # The meeting type read at start, its id replaced in the label.
    read = value(
        scrape,
        "meetergo_bot_meetergo_requests_total",
        method="GET",
        endpoint="/meeting-type/{id}",
        status="200",
    )
    assert read >= 1
    assert INTRO_CALL_ID not in scrape

    # meetergo stops answering: /readyz asks it, hears nothing, and says which check failed.
    health = health_of(running(bot))
    health.metrics.meetergo_answered_at = None
    sandbox.fail_next(3, status=503, path="/meeting-type")
    status, ready = await readiness(port)
    assert status == 503
    assert ready["failed"] == ["meetergo"]
    text = json.dumps(ready)
    assert "http" not in text
    assert sandbox.credential not in text


# --- webhook mode: beside /telegram ---------------------------------------------------------------


async def test_the_webhook_server_answers_health_and_metrics_beside_telegram(
    serve: Serve, emulator: BotApiEmulator
) -> None:
    port, own_port = free_port(), free_port()
    emulator.deliver_webhooks_to(f"http://{LOOPBACK}:{port}/telegram")
    bot = await serve(**webhook(port), BOT_HEALTH_PORT=str(own_port))
    # BOT_HEALTH_PORT, another port: the three are there only, off the public one.
    assert (await get(own_port, "/healthz"))[0] == 200
    assert (await get(port, "/metrics"))[0] == 404
    status, ready = await readiness(own_port)
    assert (status, ready["checks"]["updates"]) == (200, "ok"), ready
    ada = StepCustomer(emulator, bot, 4242, first_name="Ada")
    await ada.send("/start")
    assert "Pick a day" in ada.last().text
    _, scrape, _ = await get(own_port, "/metrics")
    assert value(scrape, "meetergo_bot_updates_handled_total", kind="message") == 1
    assert value(scrape, "meetergo_bot_update_handling_seconds_count", kind="message") == 1
    assert value(scrape, "meetergo_bot_conversations_open") == 1


# --- the drain ----------------------------------------------------------------------------------


class HeldBookings:
    """meetergo takes each booking request (`arrived`) and answers it only once `release` is
    set: a turn stays in flight as long as the test likes."""

    def __init__(self, sandbox: SandboxScheduling, monkeypatch: pytest.MonkeyPatch) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()
        dispatch = sandbox._dispatch

        async def holding(request: Any, body: Any) -> Any:
            if request.path == "/booking":
                self.arrived.set()
                await self.release.wait()
            return await dispatch(request, body)

        monkeypatch.setattr(sandbox, "_dispatch", holding)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_stopping_bot_is_not_ready_and_finishes_the_booking_in_flight(
    mode: str,
    serve: Serve,
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    if mode == "webhook":
        emulator.deliver_webhooks_to(f"http://{LOOPBACK}:{port}/telegram")
    env = polling(port) if mode == "polling" else webhook(port)
    # The booking is held as long as the test likes: its answer must not count as lost.
    bot = await serve(**env, MEETERGO_BOOKING_TIMEOUT_SECONDS="60")
    ada = StepCustomer(emulator, bot, 4242, first_name="Ada")
    await walk(ada, "confirm")
    held = HeldBookings(sandbox, monkeypatch)
    await emulator.tap(ada.user_id, "Confirm")
    async with asyncio.timeout(PATIENCE):
        await held.arrived.wait()  # the press's turn waits on meetergo

    bot.signal_stop()  # SIGTERM
    status, ready = await readiness(port)
    async with asyncio.timeout(PATIENCE):
        while status != 503:
            status, ready = await readiness(port)
    assert ready == {"ready": False, "failed": ["serving"], "checks": {"serving": "draining"}}
    # Another customer writes meanwhile: not taken (Telegram keeps it for the next process).
    bob = StepCustomer(emulator, bot, 5151, first_name="Bob")
    await emulator.send_text(bob.user_id, "/start")
    if mode == "webhook":
        delivery = emulator.webhook_delivery
        assert delivery is not None
        await until(lambda: delivery.refused > 0, seconds=PATIENCE)
    assert (await readiness(port))[0] == 503, "still draining: the booking is held"

    held.release.set()
    await bot.stop()
    assert "You're booked" in ada.last().text
    assert len(sandbox.bookings) == 1
    assert emulator.state.updates.pending_count == 1, "Bob's message waits for the next start"
    assert not emulator.bot_messages(bob.user_id)


# --- what the scrape shows after bookings ---------------------------------------------------------

# Customers whose every detail the scrape must not show: Telegram id, names, e-mail address.
CUSTOMERS = {
    "booked": (730001117, "Ada", "Lovelace", "ada.lovelace@example.org"),
    "taken": (730002229, "Bartholomew", "Quince", "b.quince@example.net"),
    "found": (730003331, "Cordelia", "Vantablack", "cordelia.v@example.com"),
    "failed": (730004443, "Desmond", "Okonkwo", "desmond.okonkwo@example.de"),
}


async def confirm(emulator: BotApiEmulator, bot: InProcessBot, outcome: str) -> StepCustomer:
    user_id, first, last, email = CUSTOMERS[outcome]
    customer = StepCustomer(emulator, bot, user_id, first_name=first, last_name=last)
    await walk(customer, "confirm", email=email)
    await customer.tap("Confirm")
    return customer


async def test_the_scrape_counts_each_outcome_and_names_nobody(
    serve: Serve, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    port = free_port()
    bot = await serve(**polling(port))
    await confirm(emulator, bot, "booked")
    sandbox.rival_books_first()  # the slot is gone when Bartholomew confirms
    bob = await confirm(emulator, bot, "taken")
    assert "was just taken" in bob.last().text
    sandbox.fail_next(1, kind="dropped", path="/booking")  # booked, the answer lost: looked up
    cordelia = await confirm(emulator, bot, "found")
    assert "You're booked" in cordelia.last().text
    sandbox.fail_next(1, status=500, path="/booking")
    await confirm(emulator, bot, "failed")
    record = (await services(bot).bookings.ledger.records_of_chat(CUSTOMERS["booked"][0]))[0]
    await send_reminder(running(bot), record.appointment_id, "24h", record.start)

    status, scrape, _ = await get(port, "/metrics")
    assert status == 200
    for outcome in ("booked", "taken", "found", "failed"):
        assert value(scrape, "meetergo_bot_bookings_total", outcome=outcome) == 1, outcome
    assert value(scrape, "meetergo_bot_bookings_total", outcome="pending") == 0
    assert value(scrape, "meetergo_bot_reminders_sent_total", reminder="24h") == 1
    for result in ("hit", "miss"):
        assert value(scrape, "meetergo_bot_availability_cache_lookups_total", result=result) > 0
    posts = {
        status: value(
            scrape,
            "meetergo_bot_meetergo_requests_total",
            method="POST",
            endpoint="/booking",
            status=status,
        )
        for status in ("201", "400", "500", "network")
    }
    # Ada's 201, the taken slot's 400, the refusal's 500, and Cordelia's answer lost.
    assert posts == {"201": 1, "400": 1, "500": 1, "network": 1}, posts
    assert value(scrape, "meetergo_bot_updates_handled_total", kind="callback_query") > 0
    assert value(scrape, "meetergo_bot_updates_in_flight") == 0

    # Nobody in it: no Telegram id, name or address the run used, no appointment's id.
    secrets = [str(part) for details in CUSTOMERS.values() for part in details]
    secrets += [booking.appointment_id for booking in sandbox.bookings]
    secrets += [INTRO_CALL_ID, sandbox.credential, emulator.token]
    assert [secret for secret in secrets if secret.lower() in scrape.lower()] == []


async def test_a_step_telegram_keeps_refusing_with_429_is_sent_once_it_may_be(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    bot = await launch()
    # More refusals than python-telegram-bot's own tries: before, the step was given up.
    emulator.fail_next("sendMessage", kind="429", times=3)
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada")
    shown = await ada.send("/start")
    assert SCREEN["day"] in shown.text
    assert [fault for _, fault in emulator.faults_played] == ["429"] * 3
    scrape = generate_latest(health_of(running(bot)).metrics.registry).decode()
    assert 'meetergo_bot_telegram_rate_limited_total{method="sendMessage"} 3.0' in scrape
