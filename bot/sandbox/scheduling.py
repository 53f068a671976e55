"""An offline meetergo stand-in: a loopback HTTP server for the three booking-recipe endpoints.

Every answer follows from the request and the server's state (hosts, meeting types, bookings,
clock), using only the behaviour meetergo documents. Tests and the `bot sandbox` command use it.
This module is the server: its lifecycle, the knobs tests turn (failures, latency, rivals) and
the plumbing every request passes (auth, routing, recording); the appointment book is in
scheduling_book.py, the endpoints in scheduling_endpoints.py, the webhooks and the host's own
changes in scheduling_hooks.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import secrets
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.sandbox.scheduling_endpoints import Handler
from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_hooks import SchedulingHooks
from bot.sandbox.scheduling_json import (
    MALFORMED_BODY,
    NOT_JSON,
    error_response,
    failure_response,
    parse_json,
)
from bot.sandbox.scheduling_model import (
    AFTER_WORK,
    FAILURE_KINDS,
    Booking,
    Failure,
    FailureKind,
    Host,
    MeetingType,
    RecordedCall,
)
from bot.sandbox.scheduling_webhooks import Delivery, Webhook

__all__ = [
    "DEFAULT_CREDENTIAL",
    "Booking",
    "DataField",
    "Delivery",
    "Failure",
    "Host",
    "MeetingType",
    "RecordedCall",
    "SandboxScheduling",
    "Webhook",
    "main_standalone",
    "run_standalone",
]

DEFAULT_CREDENTIAL = "rgo-sandbox-local-token"
USER_HEADER = "x-meetergo-api-user-id"
REDACTED = "<redacted>"
# Longer than any sane client timeout; stop() wakes held requests early.
HOLD_SECONDS = 60.0  # longer than the client's 30 s booking timeout, so the client gives up first


class SandboxScheduling(SchedulingHooks):
    """A real aiohttp server on loopback that behaves like meetergo's booking recipe."""

    def __init__(
        self,
        *,
        credential: str = DEFAULT_CREDENTIAL,
        hosts: list[Host] | None = None,
        meeting_types: list[MeetingType] | None = None,
        clock: Callable[[], datetime] | None = None,
        data_fields: list[DataField] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Set up state; defaults give a two-host round-robin team and a single-host type."""
        super().__init__(
            hosts=hosts, meeting_types=meeting_types, clock=clock, data_fields=data_fields
        )
        self.credential = credential
        self.latency = 0.0
        self.calls: list[RecordedCall] = []
        self._failures: list[Failure] = []
        self._stopping = asyncio.Event()
        self._bind = (host, port)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:8099."""
        if self._port is None:
            raise RuntimeError("sandbox is not started")
        return f"http://{self._bind[0]}:{self._port}"

    async def start(self) -> None:
        """Bind the socket and start answering requests."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Held "timeout" requests are woken by stop(), so a short shutdown wait is enough.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._bind[0], self._bind[1])
        await site.start()
        # Fresh primitives bind to the loop that runs this server, even after a restart.
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._bind = (self._bind[0], self._port)

    async def stop(self) -> None:
        """Wake held requests, abandon webhook deliveries under way, shut the server down."""
        self._stopping.set()
        await self.close_deliveries()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxScheduling:
        """Start on entering an async with block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop on leaving an async with block."""
        await self.stop()

    # ----- knobs -----------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        *,
        status: int | None = None,
        kind: str = "status",
        path: str | None = None,
        retry_after: float | None = None,
        seconds: float = 10.0,
    ) -> None:
        """Make the next n matching calls fail (see FailureKind): an HTTP status, a held
        request, malformed JSON, or the work done and then the answer lost, dropped, garbled
        or `seconds` late."""
        if n < 1:
            raise ValueError("n must be at least 1")
        if kind not in FAILURE_KINDS:
            raise ValueError(f"kind must be one of {FAILURE_KINDS}")
        failure_kind: FailureKind = next(k for k in FAILURE_KINDS if k == kind)
        self._failures.append(
            Failure(
                failure_kind,
                n,
                status or 503,
                retry_after=retry_after,
                path=path,
                seconds=seconds,
            )
        )

    def clear_failures(self) -> None:
        """Forget every injected failure still pending: meetergo answers normally again."""
        self._failures.clear()

    def _take_failure(self, path: str) -> Failure | None:
        """Consume one use of the first pending failure that applies to this path."""
        for failure in self._failures:
            if failure.count > 0 and failure.matches(path):
                failure.count -= 1
                if failure.count == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def answer_taken_slot_as(
        self,
        status: int = 409,
        message: str | list[str] = "This slot is no longer available",
        *,
        error_code: bool = False,
    ) -> None:
        """Refuse taken starts the way the live service may: 400 or 409, a message string or
        list, with or without errorCode."""
        self.taken_answer = (status, message, error_code)

    async def refuse_connections(self) -> None:
        """Stop listening (connections are refused) but keep the port for accept_connections."""
        if self._runner is not None:
            self._bind = (self._bind[0], self._port or self._bind[1])
            await self._runner.cleanup()
            self._runner = None

    async def accept_connections(self) -> None:
        """Listen again on the same port after refuse_connections."""
        if self._runner is None:
            await self.start()

    def rival_books_first(self, n: int = 1) -> None:
        """Let another customer book the start of each of the next n booking requests first."""
        self.rivals_waiting += n

    # ----- HTTP plumbing ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every request: latency, injected failures, routing, auth, record."""
        raw = await request.text()
        parsed, is_json = parse_json(raw)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        failure = self._take_failure(request.path)
        if failure is not None and failure.kind == "timeout":
            self._record(request, parsed, 0)
            return await self._hold()
        if failure is not None and failure.kind in AFTER_WORK:
            return await self._answer_badly(request, parsed if is_json else NOT_JSON, failure)
        if failure is not None:
            response = failure_response(failure)
        else:
            response = await self._dispatch(request, parsed if is_json else NOT_JSON)
        self._record(request, parsed, response.status)
        return response

    async def _answer_badly(
        self, request: web.Request, body: Any, failure: Failure
    ) -> web.StreamResponse:
        """Do the request's work (a booking is really made), then spoil the answer."""
        response = await self._dispatch(request, body)
        if failure.kind == "slow":
            self._record(request, body, response.status)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=failure.seconds)
            return response
        if failure.kind == "garbled":
            self._record(request, body, response.status)
            return web.Response(
                status=response.status, text=MALFORMED_BODY, content_type="application/json"
            )
        self._record(request, body, 0)
        if failure.kind == "dropped" and request.transport is not None:
            request.transport.abort()
        return await self._hold()

    async def _hold(self) -> web.Response:
        """Keep a request open past any client timeout, or until the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=HOLD_SECONDS)
        return error_response(504, "Gateway Timeout")

    async def _dispatch(self, request: web.Request, body: Any) -> web.Response:
        """Route to a handler; 404 for unknown paths, 405 for a wrong method, then auth."""
        matched: list[tuple[re.Match[str], str, Handler]] = []
        for pattern, method, handler in self._routes:
            found = pattern.fullmatch(request.path)
            if found is not None:
                matched.append((found, method, handler))
        if not matched:
            return error_response(404, f"Cannot {request.method} {request.path}")
        for found, method, handler in matched:
            if method == request.method:
                denied = self._authorize(request)
                return denied or await handler(request, found, body)
        response = error_response(405, f"Method {request.method} not allowed on {request.path}")
        response.headers["Allow"] = ", ".join(m for _, m, _ in matched)
        return response

    def _authorize(self, request: web.Request) -> web.Response | None:
        """Check the bearer credential and the platform-key user header."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), self.credential.encode()
        ):
            return error_response(401, "Unauthorized")
        user_id = request.headers.get(USER_HEADER)
        if self.credential.startswith("rgo-") and user_id is not None:
            message = f"{USER_HEADER} must not be sent with a personal access token"
            return error_response(403, message)
        if self.credential.startswith("ak_live:") and not user_id:
            return error_response(400, f"{USER_HEADER} header is required with a platform API key")
        return None

    def _record(self, request: web.Request, body: Any, status: int) -> None:
        """Log a call, never keeping the credential in clear."""
        headers = {
            k: (REDACTED if k.lower() == "authorization" else v) for k, v in request.headers.items()
        }
        query = {k: ",".join(request.query.getall(k)) for k in request.query}
        call = RecordedCall(request.method, request.path, query, headers, body, status)
        self.calls.append(call)


# ----- standalone ---------------------------------------------------------------------------


async def run_standalone(host: str = "127.0.0.1", port: int = 8099) -> None:
    """Serve the default sandbox, print its URL and credential, run until SIGINT/SIGTERM."""
    # A long-running server for a live bot follows the real clock.
    sandbox = SandboxScheduling(host=host, port=port, clock=lambda: datetime.now(UTC))
    await sandbox.start()
    types = ",".join(sandbox.meeting_types)
    print(
        f"meetergo sandbox url={sandbox.url} credential={sandbox.credential} meeting_types={types}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await sandbox.stop()


def main_standalone(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `--host` and `--port`, then serve until interrupted."""
    parser = argparse.ArgumentParser(description="Offline meetergo sandbox server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    asyncio.run(run_standalone(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main_standalone())
