"""The company's data fields: the tolerant model, and reading every page of `GET /v4/data-field`."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from bot.meetergo import DataField, MeetergoClient, UnavailableError

COMPANY = {
    "id": 7,
    "label": "Company",
    "name": "company",
    "fieldType": "text-single",
    "required": True,
    "hidden": False,
    "placeholder": "ACME Ltd",
    "defaultValue": None,
    "helpText": "Where you work",
    "min": 2,
    "max": "80",
    "defaultCountryCode": None,
    "locales": [{"locale": "de", "label": "Firma"}],
    "options": None,
    "target": "other",
    "conditions": [],
    "createdAt": "2026-01-01T00:00:00Z",
}


def field(number: int) -> dict[str, object]:
    return {"id": number, "label": f"Field {number}", "name": f"f{number}", "fieldType": "number"}


class Pages:
    """Answers each `GET /v4/data-field` from the offset it asks for."""

    def __init__(self, total: int, *, ignore_offset: bool = False, failures: int = 0) -> None:
        self.fields = [field(number) for number in range(total)]
        self.ignore_offset = ignore_offset
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            self.failures -= 1
            return httpx.Response(503, json={"statusCode": 503, "message": "busy"})
        limit = int(request.url.params["limit"])
        offset = 0 if self.ignore_offset else int(request.url.params["offset"])
        return httpx.Response(200, json=self.fields[offset : offset + limit])


def client_for(handler: object) -> tuple[MeetergoClient, list[float]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = MeetergoClient(
        base_url="https://api.example.test",
        api_key=SecretStr("rgo-key"),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        sleep=fake_sleep,
    )
    return client, sleeps


def test_data_field_reads_camel_case_and_drops_the_unknown() -> None:
    parsed = DataField.model_validate(COMPANY)
    assert parsed.id == 7
    assert parsed.field_type == "text-single"
    assert parsed.required is True
    assert parsed.help_text == "Where you work"
    assert (parsed.min, parsed.max) == (2, 80)
    assert parsed.locales[0].label == "Firma"
    assert parsed.options == []  # null is "none"
    assert parsed.target == "other"
    assert parsed.model_extra in (None, {})


def test_data_field_tolerates_odd_values() -> None:
    parsed = DataField.model_validate(
        {
            "id": "a1",
            "label": "Size",
            "name": "size",
            "fieldType": "something-new",
            "min": "",
            "max": "lots",
            "options": [{"label": 1, "value": 1}, {"label": "Big", "value": "big", "x": 2}],
        }
    )
    assert parsed.id == "a1"
    assert parsed.field_type == "something-new"
    assert (parsed.min, parsed.max) == (None, None)
    assert [(option.label, option.value) for option in parsed.options] == [("1", 1), ("Big", "big")]
    assert DataField.model_validate({}).name == ""


async def test_every_page_is_read_until_a_short_one() -> None:
    pages = Pages(120)
    client, _ = client_for(pages)
    fields = await client.data_fields()
    assert [f.name for f in fields] == [f"f{number}" for number in range(120)]
    assert [r.url.params["offset"] for r in pages.requests] == ["0", "50", "100"]
    assert {r.url.params["limit"] for r in pages.requests} == {"50"}
    assert {r.url.path for r in pages.requests} == {"/v4/data-field"}


async def test_a_full_last_page_costs_one_empty_read() -> None:
    pages = Pages(100)
    client, _ = client_for(pages)
    assert len(await client.data_fields()) == 100
    assert len(pages.requests) == 3


async def test_a_server_ignoring_the_offset_does_not_loop() -> None:
    pages = Pages(80, ignore_offset=True)
    client, _ = client_for(pages)
    assert len(await client.data_fields()) == 50
    assert len(pages.requests) == 2


async def test_no_fields() -> None:
    client, _ = client_for(Pages(0))
    assert await client.data_fields() == []


async def test_a_page_wrapped_in_an_object_is_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [COMPANY], "total": 1})

    client, _ = client_for(handler)
    assert [f.name for f in await client.data_fields()] == ["company"]


async def test_a_failed_page_is_retried() -> None:
    pages = Pages(3, failures=2)
    client, sleeps = client_for(pages)
    assert len(await client.data_fields()) == 3
    assert len(sleeps) == 2


async def test_an_answer_that_is_no_list_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"message": "what"})

    client, _ = client_for(handler)
    with pytest.raises(UnavailableError):
        await client.data_fields()
