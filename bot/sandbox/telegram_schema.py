"""The emulated subset of Bot API 10.0: method parameters, their types and request decoding."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# How a parameter is decoded: form/query values are strings (PTB JSON-encodes non-strings),
# JSON bodies carry real types; both must end up as the same Python value.
Kind = Literal["int", "float", "bool", "str", "chat", "obj", "list", "file", "upload"]

_SEND_TAIL = (
    "disable_notification:bool protect_content:bool allow_paid_broadcast:bool "
    "message_effect_id:str suggested_post_parameters:obj reply_parameters:obj reply_markup:obj"
)
_SEND_HEAD = (
    "business_connection_id:str chat_id:chat! message_thread_id:int direct_messages_topic_id:int"
)
_EDIT_HEAD = "business_connection_id:str chat_id:chat message_id:int inline_message_id:str"
_COMMAND_SCOPE = "scope:obj language_code:str"

# name -> "param:kind[!]" list; "!" marks a required parameter (Bot API 10.0).
_SPECS: dict[str, str] = {
    "getMe": "",
    "logOut": "",
    "close": "",
    "getUpdates": "offset:int limit:int timeout:int allowed_updates:list",
    "setWebhook": (
        "url:str certificate:upload ip_address:str max_connections:int allowed_updates:list "
        "drop_pending_updates:bool secret_token:str"
    ),
    "deleteWebhook": "drop_pending_updates:bool",
    "getWebhookInfo": "",
    "sendMessage": (
        f"{_SEND_HEAD} text:str! parse_mode:str entities:list link_preview_options:obj {_SEND_TAIL}"
    ),
    "editMessageText": (
        f"{_EDIT_HEAD} text:str! parse_mode:str entities:list link_preview_options:obj "
        "reply_markup:obj"
    ),
    "editMessageReplyMarkup": f"{_EDIT_HEAD} reply_markup:obj",
    "answerCallbackQuery": "callback_query_id:str! text:str show_alert:bool url:str cache_time:int",
    "answerInlineQuery": (
        "inline_query_id:str! results:list! cache_time:int is_personal:bool next_offset:str "
        "button:obj"
    ),
    "sendDocument": (
        f"{_SEND_HEAD} document:file! thumbnail:file caption:str parse_mode:str "
        f"caption_entities:list disable_content_type_detection:bool {_SEND_TAIL}"
    ),
    "sendPhoto": (
        f"{_SEND_HEAD} photo:file! caption:str parse_mode:str caption_entities:list "
        f"show_caption_above_media:bool has_spoiler:bool {_SEND_TAIL}"
    ),
    "setMyCommands": f"commands:list! {_COMMAND_SCOPE}",
    "getMyCommands": _COMMAND_SCOPE,
    "deleteMyCommands": _COMMAND_SCOPE,
    "deleteMessage": "chat_id:chat! message_id:int!",
    "sendChatAction": "business_connection_id:str chat_id:chat! message_thread_id:int action:str!",
    "getBusinessConnection": "business_connection_id:str!",
    "deleteBusinessMessages": "business_connection_id:str! message_ids:list!",
}

# Telegram's own wording for some missing parameters; the rest get "<param> is required".
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "message_id": "message identifier is not specified",
    "message_ids": "message identifiers are not specified",
    "business_connection_id": "business connection not found",
}
_JSON_LABELS = {"reply_markup": "reply keyboard markup"}
_INTEGER = re.compile(r"-?\d+")
_TYPE_NAMES = {"int": "Integer", "float": "Float", "str": "String", "bool": "Boolean"}


class ApiError(Exception):
    """A rejection answered as {"ok": false, "error_code": status, "description": ...}."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after  # a 429's "parameters": {"retry_after": seconds}


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 error with Telegram's "Forbidden: " prefix (the bot may not act there)."""
    return ApiError(403, f"Forbidden: {reason}")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    mime_type: str
    data: bytes


@dataclass
class ApiResult:
    """A successful result that also carries Telegram's optional "description"."""

    result: Any
    description: str | None = None


def _parse_spec(spec: str) -> dict[str, tuple[Kind, bool]]:
    table: dict[str, tuple[Kind, bool]] = {}
    for item in spec.split():
        name, kind = item.split(":")
        required = kind.endswith("!")
        table[name] = (kind.rstrip("!"), required)  # type: ignore[assignment]
    return table


METHODS: dict[str, dict[str, tuple[Kind, bool]]] = {
    name: _parse_spec(spec) for name, spec in _SPECS.items()
}
_CANONICAL = {name.lower(): name for name in METHODS}


def canonical_method(name: str) -> str | None:
    """The official spelling of a method; Telegram matches method names case-insensitively."""
    return _CANONICAL.get(name.lower())


def parse_params(method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and decode raw request values against the method's parameter table."""
    spec = METHODS[method]
    values = _resolve_attachments(raw)
    params: dict[str, Any] = {}
    for name, value in values.items():
        if name not in spec:
            raise bad_request(f"unknown parameter {name}")
        decoded = _decode(name, spec[name][0], value)
        if decoded is not None:
            params[name] = decoded
    for name, (_, required) in spec.items():
        if required and params.get(name) in (None, ""):
            raise bad_request(_MISSING.get(name, f"{name} is required"))
    return params


def _resolve_attachments(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Replace "attach://part" references by their file part and drop the consumed parts."""
    values = dict(raw)
    for name, value in raw.items():
        if isinstance(value, str) and value.startswith("attach://"):
            part = values.get(value.removeprefix("attach://"))
            if not isinstance(part, UploadedFile):
                raise bad_request("wrong file identifier/HTTP URL specified")
            values[name] = part
            values.pop(value.removeprefix("attach://"))
    return values


def _decode(name: str, kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("obj", "list"):
        return _decode_json(name, kind, value)
    if kind in ("file", "upload"):
        return _decode_file(name, kind, value)
    if isinstance(value, UploadedFile):
        raise _type_error(name, kind)
    if kind == "chat":
        return _decode_chat(value)
    if kind == "str":
        return _decode_str(name, value)
    if kind == "bool":
        return _decode_bool(name, value)
    return _decode_number(name, kind, value)


def _type_error(name: str, kind: Kind) -> ApiError:
    return bad_request(f'field "{name}" must be of type {_TYPE_NAMES.get(kind, kind)}')


def _decode_json(name: str, kind: Kind, value: Any) -> Any:
    error = bad_request(f"can't parse {_JSON_LABELS.get(name, name)} JSON object")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise error from exc
    expected = dict if kind == "obj" else list
    if not isinstance(value, expected):
        raise error
    return value


def _decode_file(name: str, kind: Kind, value: Any) -> UploadedFile | str:
    if isinstance(value, UploadedFile):
        return value
    if kind == "upload" or not isinstance(value, str):
        raise bad_request(f"there is no {name} in the request")
    return value


def _decode_chat(value: Any) -> int | str:
    if isinstance(value, bool):
        raise bad_request("chat not found")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if _INTEGER.fullmatch(text) else text


def _decode_str(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise _type_error(name, "str")


def _decode_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    raise _type_error(name, "bool")


def _decode_number(name: str, kind: Kind, value: Any) -> int | float:
    if isinstance(value, bool):
        raise _type_error(name, kind)
    try:
        number = float(value) if kind == "float" else _to_int(value)
    except (TypeError, ValueError) as exc:
        raise _type_error(name, kind) from exc
    return number


def _to_int(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)
