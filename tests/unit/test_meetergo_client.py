"""The meetergo client against scripted HTTP answers: wire format, error kinds, retries, secrecy."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from bot.meetergo import (
    Attendee,
    AuthenticationError,
    BookingOutcomeUnknownError,
    BookingRequest,
    BookingValidationError,
    MeetergoClient,
    MeetergoError,
    MeetingType,
    NotFoundError,
    RateLimitedError,
    SlotTakenError,
    UnavailableError,
)
from bot.meetergo.errors import MAX_RETRY_AFTER, parse_retry_after

API_KEY = "rgo-very-secret-credential-123"
TEAM_TYPE = {
    "id": "mt-1",
    "slug": "intro",
    "queueId": "q-1",
    "userId": "u-1",
    "spots": 1,
    "meetingInfo": {"name": "Intro call", "duration": 30, "channel": "zoom", "color": "#fff"},
    "meetingOptions": {"allowedDurations": [15, 30]},
    "somethingNew": {"nested": True},
}
SOLO_TYPE = {**TEAM_TYPE, "id": "mt-2", "queueId": None, "userId": "host-7"}
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Recorder:
    """A MockTransport that answers from a list and remembers what it was asked."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(
    recorder: Recorder, *, user_id: str | None = None
) -> tuple[MeetergoClient, list[float]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = MeetergoClient(
        base_url="https://api.example.test",
        api_key=SecretStr(API_KEY),
        user_id=user_id,
        transport=httpx.MockTransport(recorder),
        sleep=fake_sleep,
    )
    return client, sleeps


def booking_request(meeting_type: MeetingType | None = None) -> BookingRequest:
    attendee = Attendee(
        email="ada@example.org",
        fullname="Ada Lovelace",
        firstname="Ada",
        lastname="Lovelace",
        language="de",
        timezone="America/New_York",
        data_policy_accepted=True,
        notes={"telegram": "42"},
    )
    return BookingRequest.for_meeting_type(
        meeting_type or MeetingType.model_validate(TEAM_TYPE), start=START, attendee=attendee
    )


async def test_meeting_type_sends_bearer_and_keeps_unknown_fields() -> None:
    recorder = Recorder(httpx.Response(200, json=TEAM_TYPE))
    client, _ = make_client(recorder)
    meeting_type = await client.meeting_type("mt-1")
    assert meeting_type.queue_id == "q-1"
    assert meeting_type.name == "Intro call"
    assert meeting_type.duration == 30
    assert meeting_type.meeting_info.channel == "zoom"
    assert meeting_type.model_extra == {"somethingNew": {"nested": True}}
    sent = recorder.requests[0]
    assert sent.url.path == "/meeting-type/mt-1"
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "x-meetergo-api-user-id" not in sent.headers


async def test_user_id_goes_into_its_header() -> None:
    recorder = Recorder(httpx.Response(200, json=TEAM_TYPE))
    client, _ = make_client(recorder, user_id="user-99")
    await client.meeting_type("mt-1")
    assert recorder.requests[0].headers["x-meetergo-api-user-id"] == "user-99"


async def test_availability_asks_by_queue_in_utc() -> None:
    answer = {
        "timezone": "utc",
        "timeframes": [{"start": "2026-12-07T09:00:00Z", "end": "2026-12-07T11:00:00Z"}],
    }
    recorder = Recorder(httpx.Response(200, json=answer))
    client, _ = make_client(recorder)
    berlin_start = datetime(2026, 12, 7, 0, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    availability = await client.availability(
        MeetingType.model_validate(TEAM_TYPE), berlin_start, berlin_start + timedelta(days=14)
    )
    params = recorder.requests[0].url.params
    assert recorder.requests[0].url.path == "/booking-availability/v2"
    assert params["queueId"] == "q-1"
    assert params["meetingTypeId"] == "mt-1"
    assert params["start"] == "2026-12-07T00:00:00Z"
    assert params["end"] == "2026-12-21T00:00:00Z"
    assert "hostIds" not in params
    assert availability.timeframes[0].start == START


async def test_single_host_type_asks_by_host_id() -> None:
    recorder = Recorder(httpx.Response(200, json={"timezone": "utc", "timeframes": []}))
    client, _ = make_client(recorder)
    await client.availability(MeetingType.model_validate(SOLO_TYPE), START, START)
    params = recorder.requests[0].url.params
    assert params["hostIds"] == "host-7"
    assert "queueId" not in params


async def test_booking_body_follows_the_recipe() -> None:
    recorder = Recorder(httpx.Response(201, json={"appointmentId": "ap-1", "secret": "s3"}))
    client, _ = make_client(recorder)
    confirmation = await client.book(booking_request())
    assert confirmation.appointment_id == "ap-1"
    assert not confirmation.is_provisional
    body = json.loads(recorder.requests[0].content)
    assert body == {
        "meetingTypeId": "mt-1",
        "queueId": "q-1",
        "start": "2026-12-07T09:00:00Z",
        "duration": 30,
        "channel": "zoom",
        "attendee": {
            "email": "ada@example.org",
            "fullname": "Ada Lovelace",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "receiveReminders": True,
            "notes": {"telegram": "42"},
            "language": "de",
            "timezone": "America/New_York",
            "dataPolicyAccepted": True,
        },
    }


async def test_single_host_booking_sends_host_ids_not_queue() -> None:
    recorder = Recorder(httpx.Response(201, json={"appointmentId": "ap-2", "secret": "s"}))
    client, _ = make_client(recorder)
    await client.book(booking_request(MeetingType.model_validate(SOLO_TYPE)))
    body = json.loads(recorder.requests[0].content)
    assert body["hostIds"] == ["host-7"]
    assert "queueId" not in body


async def test_provisional_booking_is_recognised() -> None:
    answer = {"bookingType": "doubleOptIn", "provisionalBookingId": "pb-1"}
    client, _ = make_client(Recorder(httpx.Response(201, json=answer)))
    confirmation = await client.book(booking_request())
    assert confirmation.is_provisional


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"statusCode": 401, "message": "Unauthorized"}, AuthenticationError),
        (403, {"statusCode": 403, "message": "Forbidden resource"}, AuthenticationError),
        (404, {"statusCode": 404, "message": "Meeting type not found"}, NotFoundError),
        (
            400,
            {"statusCode": 400, "errorCode": "slot-occupied", "message": "taken"},
            SlotTakenError,
        ),
        (409, {"statusCode": 409, "message": "slot-occupied"}, SlotTakenError),
        (400, {"statusCode": 400, "message": ["attendee.email must be an email"]}, Exception),
    ],
)
async def test_every_status_maps_to_its_error_kind(
    status: int, body: dict[str, object], kind: type[Exception]
) -> None:
    recorder = Recorder(httpx.Response(status, json=body))
    client, _ = make_client(recorder)
    with pytest.raises(kind) as caught:
        await client.book(booking_request())
    assert isinstance(caught.value, MeetergoError)
    assert caught.value.status == status
    if kind is Exception:
        assert type(caught.value) is BookingValidationError


async def test_validation_error_carries_field_messages() -> None:
    body = {
        "statusCode": 400,
        "message": ["attendee.receiveReminders must be a boolean value"],
        "error": "Bad Request",
        "errors": [{"field": "attendee.receiveReminders", "message": "must be a boolean value"}],
    }
    client, _ = make_client(Recorder(httpx.Response(400, json=body)))
    with pytest.raises(BookingValidationError) as caught:
        await client.book(booking_request())
    assert caught.value.fields == {"attendee.receiveReminders": "must be a boolean value"}
    assert "receiveReminders" in str(caught.value)


async def test_get_retries_5xx_with_growing_backoff_then_succeeds() -> None:
    recorder = Recorder(
        httpx.Response(503, json={"statusCode": 503, "message": "down"}),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(200, json=TEAM_TYPE),
    )
    client, sleeps = make_client(recorder)
    meeting_type = await client.meeting_type("mt-1")
    assert meeting_type.id == "mt-1"
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


async def test_get_gives_up_after_three_attempts() -> None:
    recorder = Recorder(httpx.Response(500, json={"statusCode": 500, "message": "boom"}))
    client, sleeps = make_client(recorder)
    with pytest.raises(UnavailableError):
        await client.meeting_type("mt-1")
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2


async def test_get_honours_retry_after_on_429() -> None:
    recorder = Recorder(
        httpx.Response(429, json={"statusCode": 429}, headers={"Retry-After": "7"}),
        httpx.Response(200, json=TEAM_TYPE),
    )
    client, sleeps = make_client(recorder)
    await client.meeting_type("mt-1")
    assert sleeps == [7.0]


async def test_429_after_all_attempts_reports_retry_after() -> None:
    recorder = Recorder(httpx.Response(429, json={}, headers={"Retry-After": "3"}))
    client, _ = make_client(recorder)
    with pytest.raises(RateLimitedError) as caught:
        await client.meeting_type("mt-1")
    assert caught.value.retry_after == 3.0
    assert len(recorder.requests) == 3


async def test_get_retries_timeouts_and_refused_connections() -> None:
    recorder = Recorder(
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json=TEAM_TYPE),
    )
    client, sleeps = make_client(recorder)
    await client.meeting_type("mt-1")
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2


async def test_not_found_is_not_retried() -> None:
    recorder = Recorder(httpx.Response(404, json={"statusCode": 404, "message": "nope"}))
    client, sleeps = make_client(recorder)
    with pytest.raises(NotFoundError):
        await client.meeting_type("missing")
    assert len(recorder.requests) == 1
    assert sleeps == []


async def test_malformed_json_is_unavailable_and_retried() -> None:
    recorder = Recorder(httpx.Response(200, text="{not json"))
    client, _ = make_client(recorder)
    with pytest.raises(UnavailableError):
        await client.meeting_type("mt-1")
    assert len(recorder.requests) == 3


async def test_unexpected_shape_is_unavailable() -> None:
    client, _ = make_client(Recorder(httpx.Response(200, json={"id": "mt-1"})))
    with pytest.raises(UnavailableError, match="unexpected meeting type"):
        await client.meeting_type("mt-1")


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json={"statusCode": 503}),
        httpx.Response(502, json={"statusCode": 502}),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(201, text='{"appointmentId": "'),
    ],
)
async def test_booking_post_is_never_retried(failure: httpx.Response | Exception) -> None:
    recorder = Recorder(failure, httpx.Response(201, json={"appointmentId": "x"}))
    client, sleeps = make_client(recorder)
    with pytest.raises(MeetergoError):
        await client.book(booking_request())
    assert len(recorder.requests) == 1
    assert sleeps == []


async def test_booking_refused_with_429_is_retried_after_retry_after() -> None:
    recorder = Recorder(
        httpx.Response(429, json={}, headers={"Retry-After": "2"}),
        httpx.Response(201, json={"appointmentId": "x"}),
    )
    client, sleeps = make_client(recorder)
    confirmation = await client.book(booking_request())
    assert confirmation.appointment_id == "x"
    assert len(recorder.requests) == 2
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("connection dropped"),
        httpx.Response(201, text='{"appointmentId": "'),
    ],
    ids=["timeout", "dropped", "broken-json"],
)
async def test_a_lost_or_unreadable_booking_answer_means_outcome_unknown(
    lost: httpx.Response | Exception,
) -> None:
    client, _ = make_client(Recorder(lost))
    with pytest.raises(BookingOutcomeUnknownError):
        await client.book(booking_request())


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (409, {"statusCode": 409, "message": "This slot is no longer available"}),
        (400, {"statusCode": 400, "message": ["Slot already booked"]}),
        (400, {"statusCode": 400, "message": "The meeting is fully booked"}),
        (400, {"statusCode": 400, "message": "x", "errorCode": "slot-occupied"}),
    ],
)
async def test_taken_slot_is_recognised_in_every_form_meetergo_uses(
    status: int, body: dict[str, object]
) -> None:
    client, _ = make_client(Recorder(httpx.Response(status, json=body)))
    with pytest.raises(SlotTakenError):
        await client.book(booking_request())


@pytest.mark.parametrize(
    "answer",
    [
        {"bookingType": "doubleOptIn"},
        {"bookingType": "requireHostConfirmation", "provisionalBookingId": "p-1"},
        {"provisionalBookingId": "p-2"},
    ],
)
async def test_pending_booking_is_recognised_by_booking_type_or_provisional_id(
    answer: dict[str, str],
) -> None:
    client, _ = make_client(Recorder(httpx.Response(201, json=answer)))
    confirmation = await client.book(booking_request())
    assert confirmation.is_provisional


async def test_booking_timeout_means_outcome_unknown() -> None:
    client, _ = make_client(Recorder(httpx.ReadTimeout("no answer")))
    with pytest.raises(BookingOutcomeUnknownError):
        await client.book(booking_request())


async def test_booking_refused_connection_is_plainly_unavailable() -> None:
    client, _ = make_client(Recorder(httpx.ConnectError("refused")))
    with pytest.raises(UnavailableError) as caught:
        await client.book(booking_request())
    assert not isinstance(caught.value, BookingOutcomeUnknownError)


async def test_credential_never_reaches_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(
        httpx.Response(401, json={"statusCode": 401, "message": "Unauthorized"}),
        httpx.Response(503, json={}),
        httpx.ReadTimeout("slow"),
        httpx.Response(503, json={}),
        httpx.Response(400, json={"errorCode": "slot-occupied"}),
        httpx.ConnectError("refused"),
    )
    client, _ = make_client(recorder, user_id="user-1")
    calls: list[Awaitable[object]] = [
        client.meeting_type("mt-1"),  # 401
        client.meeting_type("mt-1"),  # 503, timeout, 503
        client.book(booking_request()),  # slot occupied
        client.book(booking_request()),  # refused
    ]
    texts: list[str] = []
    for call in calls:
        with pytest.raises(MeetergoError) as caught:
            await call
        texts += [str(caught.value), repr(caught.value)]
    assert caplog.records, "the client logs its calls"
    everything = "\n".join(texts) + caplog.text
    assert API_KEY not in everything
    assert "very-secret" not in everything
    assert "ada@example.org" not in everything


def test_retry_after_accepts_http_dates_and_is_capped() -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 07 Dec 2026 09:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("86400") == MAX_RETRY_AFTER
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
