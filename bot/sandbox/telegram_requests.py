"""How the emulator reads a Bot API request and writes its answer, as Telegram does.

Parameters come from the query string and a JSON, url-encoded or multipart body, undecoded (the
method's schema decodes them); an answer is {"ok": true, "result": ...} or Telegram's error shape.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from bot.sandbox.telegram_schema import ApiError, UploadedFile, bad_request
from bot.sandbox.telegram_state import RecordedCall

# Telegram accepts uploads up to 50 MB; leave room for the other multipart fields.
MAX_BODY = 50 * 1024 * 1024 + 64 * 1024
# How long a superseded long poll waits to learn whether its client already hung up.
DISCONNECT_GRACE = 0.05


def method_segment(path: str) -> str:
    """The method part of /bot<token>/<method>, for labelling calls before authorization."""
    return path.rsplit("/", 1)[-1] if path.count("/") >= 2 else path.lstrip("/")


def failed_call(method: str, params: dict[str, Any], error: ApiError) -> RecordedCall:
    """The record of a call Telegram refused, with the error it answered."""
    return RecordedCall(
        method, params, False, error.status, error.description, None, error.retry_after
    )


def response_body(call: RecordedCall) -> dict[str, Any]:
    """The JSON Telegram answers for a call: its result, or its error and retry_after."""
    body: dict[str, Any]
    if not call.ok:
        body = {"ok": False, "error_code": call.status, "description": call.description}
        if call.retry_after is not None:
            body["parameters"] = {"retry_after": call.retry_after}
        return body
    body = {"ok": True, "result": call.result}
    if call.description:
        body["description"] = call.description
    return body


async def client_gone(request: web.Request) -> bool:
    """Whether the client of a request has disconnected (possibly only just now)."""
    await asyncio.sleep(DISCONNECT_GRACE)
    transport = request.transport
    return transport is None or transport.is_closing()


async def read_raw_params(request: web.Request) -> dict[str, Any]:
    """Query string merged with a JSON, url-encoded or multipart body, values undecoded."""
    raw: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return raw
    if request.content_type == "application/json":
        raw.update(await _json_body(request))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw.update(await _form_body(request))
    return raw


async def _json_body(request: web.Request) -> dict[str, Any]:
    """A JSON body, which must be an object."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise bad_request("can't parse JSON encoded request body") from exc
    if not isinstance(body, dict):
        raise bad_request("JSON object expected as request body")
    return body


async def _form_body(request: web.Request) -> dict[str, Any]:
    """A url-encoded or multipart body; files become UploadedFile."""
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, "Request Entity Too Large") from exc
    values: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            with contextlib.closing(value.file):
                data = value.file.read()
            values[name] = UploadedFile(value.filename, value.content_type, data)
        else:
            values[name] = value if isinstance(value, str) else bytes(value).decode("utf-8")
    return values
