"""The sandbox's data fields (`GET /v4/data-field`), the questions a meeting type asks, and
phone-only bookings: what a booking must answer, and how it is refused when it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.sandbox.scheduling import DataField, SandboxScheduling
from bot.sandbox.scheduling_defaults import (
    INTRO_CALL_ID,
    PRODUCT_DEMO_ID,
    attach_questions,
    default_data_fields,
    default_meeting_types,
)
from bot.sandbox.scheduling_fields import FIELD_TYPES, data_field_from_json
from tests.unit.test_sandbox_scheduling import (
    AUTH,
    NOW,
    TEAM,
    TOKEN,
    booking_body,
    error_fields,
    make_hosts,
    make_types,
)

TOPIC = "What would you like to discuss?"


def numbered_fields(count: int) -> list[DataField]:
    return [DataField(id=i, label=f"Question {i}", name=f"q{i}") for i in range(1, count + 1)]


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    server = SandboxScheduling(
        credential=TOKEN, hosts=make_hosts(), meeting_types=make_types(), clock=lambda: NOW
    )
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def client(sandbox: SandboxScheduling) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=5) as http:
        yield http


def answered(notes: dict[str, Any], **attendee: Any) -> dict[str, Any]:
    """A team booking whose attendee sends these notes (and other attendee fields)."""
    body = booking_body()
    body["attendee"] = {**body["attendee"], "notes": notes, **attendee}
    return body


# ----- GET /v4/data-field --------------------------------------------------------------------


async def test_data_fields_are_a_bare_array_in_meetergos_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v4/data-field")
    assert response.status_code == 200, response.text
    fields = response.json()
    assert isinstance(fields, list)
    assert [f["label"] for f in fields] == [f.label for f in default_data_fields()]
    topic = fields[0]
    assert set(topic) == {
        "id",
        "label",
        "name",
        "fieldType",
        "required",
        "hidden",
        "placeholder",
        "defaultValue",
        "helpText",
        "min",
        "max",
        "defaultCountryCode",
        "locales",
        "options",
        "target",
        "conditions",
    }
    assert topic["fieldType"] == "select"
    assert topic["required"] is True
    assert [o["value"] for o in topic["options"]] == ["pricing", "demo", "other"]
    assert isinstance(topic["id"], int)


async def test_data_fields_page_by_limit_and_offset(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.data_fields = numbered_fields(60)
    first = (await client.get("/v4/data-field")).json()
    assert [f["id"] for f in first] == list(range(1, 51))  # 50 by default
    page = (await client.get("/v4/data-field", params={"limit": 20, "offset": 50})).json()
    assert [f["id"] for f in page] == list(range(51, 61))
    beyond = await client.get("/v4/data-field", params={"offset": 60})
    assert beyond.status_code == 200
    assert beyond.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"), ({"offset": "-1"}, "offset")],
)
async def test_data_field_paging_is_validated(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v4/data-field", params=params)
    assert response.status_code == 400
    assert error_fields(response) == {field}


async def test_data_fields_need_the_credential_and_are_v4_only(
    sandbox: SandboxScheduling, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as anonymous:
        assert (await anonymous.get("/v4/data-field")).status_code == 401
    assert (await client.get("/data-field")).status_code == 404
    assert (await client.post("/v4/data-field", json={})).status_code == 405


# ----- questions of a meeting type -----------------------------------------------------------


async def test_a_type_without_questions_books_as_before(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    assert sandbox.questions_of(sandbox.meeting_types[TEAM]) == []
    response = await client.post("/booking", json=booking_body())
    assert response.status_code == 201, response.text


async def test_a_required_question_must_be_answered(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.set_questions(TEAM, ["topic", "company_size"])
    response = await client.post("/booking", json=booking_body())
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400
    assert body["message"] == [f"attendee.notes.{TOPIC} should not be empty"]
    assert error_fields(response) == {f"attendee.notes.{TOPIC}"}  # company size is optional
    for blank in ("", "   ", None):
        response = await client.post("/booking", json=answered({TOPIC: blank}))
        assert response.status_code == 400, blank
    assert sandbox.bookings == []


@pytest.mark.parametrize("key", [TOPIC, "topic"])
async def test_an_answer_is_keyed_by_label_or_name_and_unknown_keys_stay(
    client: httpx.AsyncClient, sandbox: SandboxScheduling, key: str
) -> None:
    sandbox.set_questions(TEAM, ["topic"])
    notes = {key: "pricing", "source": "telegram", "agentTelegramId": 42}
    response = await client.post("/v4/booking", json=answered(notes))
    assert response.status_code == 201, response.text
    assert sandbox.bookings[0].attendee["notes"] == notes


async def test_a_phone_question_is_answered_by_the_attendees_phone(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.set_questions(TEAM, ["phone"])
    refused = await client.post("/booking", json=answered({}))
    assert error_fields(refused) == {"attendee.notes.Phone number"}
    response = await client.post("/booking", json=answered({}, phone="+49 30 1234567"))
    assert response.status_code == 201, response.text


async def test_a_types_own_field_and_an_optional_checkbox(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    terms = DataField(
        id=9, label="I accept the terms.", name="terms", field_type="checkbox-single", required=True
    )
    sandbox.set_questions(TEAM, [terms, "remarks"])
    unticked: object
    for unticked in (False, []):
        refused = await client.post("/booking", json=answered({"I accept the terms.": unticked}))
        assert error_fields(refused) == {"attendee.notes.I accept the terms."}
    response = await client.post("/booking", json=answered({"terms": True}))
    assert response.status_code == 201, response.text


async def test_questions_must_name_the_companys_fields(sandbox: SandboxScheduling) -> None:
    with pytest.raises(LookupError, match="nonsense"):
        sandbox.set_questions(TEAM, ["topic", "nonsense"])
    assert sandbox.meeting_types[TEAM].questions == []  # left as it was
    with pytest.raises(LookupError):
        SandboxScheduling(
            hosts=make_hosts(),
            meeting_types=[attach_questions(make_types()[0], ["topic"])],
            data_fields=[],
        )


def test_defaults_hold_fields_but_no_default_type_asks_them() -> None:
    fields = default_data_fields()
    assert {f.field_type for f in fields} >= {"select", "number", "yes-no", "phone", "text-multi"}
    size = next(f for f in fields if f.name == "company_size")
    assert (size.min, size.max, size.required) == (1, 10000, False)
    assert next(f for f in fields if f.field_type == "phone").target == "phone"
    assert all(not t.questions and not t.allow_phone_only_booking for t in default_meeting_types())
    demo = attach_questions(
        default_meeting_types()[1], ["topic", "company_size"], allow_phone_only_booking=True
    )
    assert demo.id == PRODUCT_DEMO_ID
    assert demo.questions == ["topic", "company_size"]
    assert demo.allow_phone_only_booking is True
    assert SandboxScheduling().questions_of(demo)[0].label == TOPIC
    assert INTRO_CALL_ID in SandboxScheduling().meeting_types


def test_data_fields_from_meetergos_json_keys() -> None:
    made = data_field_from_json(
        {"label": "Budget (EUR, approx.)", "fieldType": "radio", "options": ["low", "high"]}, 7
    )
    assert (made.id, made.name, made.field_type) == (7, "Budget (EUR, approx.)", "radio")
    assert made.options == [{"label": "low", "value": "low"}, {"label": "high", "value": "high"}]
    with pytest.raises(ValueError, match="fieldType"):
        data_field_from_json({"label": "x", "fieldType": "dropdown"}, 1)
    with pytest.raises(ValueError, match="colour"):
        data_field_from_json({"label": "x", "colour": "red"}, 1)
    assert "signature" in FIELD_TYPES


# ----- phone-only bookings -------------------------------------------------------------------


def phone_only(**attendee: Any) -> dict[str, Any]:
    body = booking_body(phoneOnlyBooking=True)
    base = {"fullname": "Ada Lovelace", "receiveReminders": True, "notes": {}}
    body["attendee"] = {**base, **attendee}
    return body


async def test_phone_only_is_refused_where_the_type_does_not_allow_it(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    response = await client.post("/booking", json=phone_only(phone="+49 30 1234567"))
    assert response.status_code == 400
    assert error_fields(response) == {"phoneOnlyBooking"}
    meeting_type = (await client.get(f"/v4/meeting-type/{TEAM}")).json()
    assert meeting_type["meetingOptions"]["allowPhoneOnlyBooking"] is False


async def test_phone_only_needs_the_phone_and_not_the_email(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.set_questions(TEAM, [], allow_phone_only_booking=True)
    meeting_type = (await client.get(f"/meeting-type/{TEAM}")).json()
    assert meeting_type["meetingOptions"]["allowPhoneOnlyBooking"] is True
    for phone in (None, ""):
        refused = await client.post("/booking", json=phone_only(phone=phone))
        assert error_fields(refused) == {"attendee.phone"}
    bad_email = await client.post("/booking", json=phone_only(phone="+1 555", email="nope"))
    assert error_fields(bad_email) == {"attendee.email"}
    not_flag = await client.post("/booking", json={**phone_only(phone="+1"), "phoneOnlyBooking": 1})
    assert error_fields(not_flag) == {"phoneOnlyBooking", "attendee.email"}
    response = await client.post("/booking", json=phone_only(phone="+49 30 1234567"))
    assert response.status_code == 201, response.text
    assert sandbox.bookings[0].attendee["phone"] == "+49 30 1234567"


async def test_without_the_flag_the_email_is_still_required(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.set_questions(TEAM, [], allow_phone_only_booking=True)
    body = phone_only(phone="+49 30 1234567")
    del body["phoneOnlyBooking"]
    response = await client.post("/booking", json=body)
    assert error_fields(response) == {"attendee.email"}
