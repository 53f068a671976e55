"""The synchronous Bot API methods of the emulator (getUpdates lives in telegram_api)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from bot.sandbox.telegram_business import BUSINESS_HANDLERS, deliver, target_chat
from bot.sandbox.telegram_html import Formatted, check_link, format_text, utf16_len
from bot.sandbox.telegram_markup import check_chat_buttons, is_inline, validate_reply_markup
from bot.sandbox.telegram_schema import ApiError, ApiResult, UploadedFile, bad_request
from bot.sandbox.telegram_state import ChatMessage, ChatRecord, EmulatorState, WebhookState

Params = dict[str, Any]
Handler = Callable[[EmulatorState, Params], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_WEBHOOK_PORTS = (80, 88, 443, 8443)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES_WITH_CHAT = ("chat", "chat_administrators", "chat_member")
_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_DEFAULT_PHOTO_SIZE = (800, 600)


# --- text, markup and file helpers -------------------------------------------------------


def _message_text(params: Params) -> Formatted:
    content = format_text(params["text"], params.get("parse_mode"), params.get("entities"))
    if not content.text:
        raise bad_request("message text is empty")
    if utf16_len(content.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return content


def _caption(params: Params) -> Formatted:
    raw = params.get("caption", "")
    content = format_text(raw, params.get("parse_mode"), params.get("caption_entities"))
    if utf16_len(content.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return content


def _markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    return None if markup is None else validate_reply_markup(markup, inline_only=inline_only)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG/GIF/JPEG/WebP image, None if it is not a picture."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _DEFAULT_PHOTO_SIZE  # dimensions are not needed precisely; the format is valid
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data) and data[index] == 0xFF:
        marker = data[index + 1]
        if marker in _JPEG_FRAME_MARKERS:
            height = int.from_bytes(data[index + 5 : index + 7], "big")
            return int.from_bytes(data[index + 7 : index + 9], "big"), height
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


def _file_record(state: EmulatorState, kind: str, source: UploadedFile | str) -> dict[str, Any]:
    if isinstance(source, UploadedFile):
        return _uploaded_record(state, kind, source)
    known = state.files.get(source)
    if known is not None:
        if known["kind"] != kind:
            raise bad_request("type of file mismatch")
        return known
    if check_link(source) is None or not source.lower().startswith(("http://", "https://")):
        raise bad_request("wrong file identifier/HTTP URL specified")
    name = unquote(urlsplit(source).path.rsplit("/", 1)[-1]) or "file"
    record: dict[str, Any] = {
        "file_name": name,
        "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "file_size": None,
        "data": None,
        "url": source,
    }
    if kind == "photo":
        record["width"], record["height"] = _DEFAULT_PHOTO_SIZE
    return state.store_file(kind, record)


def _uploaded_record(state: EmulatorState, kind: str, upload: UploadedFile) -> dict[str, Any]:
    if not upload.data:
        raise bad_request("file must be non-empty")
    record: dict[str, Any] = {
        "file_name": upload.file_name,
        "mime_type": upload.mime_type,
        "file_size": len(upload.data),
        "data": upload.data,
        "url": None,
    }
    if kind == "photo":
        size = image_size(upload.data)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        record["width"], record["height"] = size
    return state.store_file(kind, record)


def _check_reply_target(chat: ChatRecord, params: Params) -> None:
    reply = params.get("reply_parameters")
    # On a business account's behalf a missing message is never an error (the spec's "always").
    if not reply or reply.get("allow_sending_without_reply") or chat.business_connection_id:
        return
    if EmulatorState.find_message(chat, reply.get("message_id", 0)) is None:
        raise bad_request("message to be replied not found")


def _store_bot_message(
    state: EmulatorState,
    chat: ChatRecord,
    content: Formatted,
    markup: dict[str, Any] | None,
    document: dict[str, Any] | None = None,
) -> Any:
    check_chat_buttons(markup, chat.kind, business=chat.business_connection_id is not None)
    message = state.add_message(chat, from_bot=True, text=content.text)
    message.entities = content.entities
    message.html = content.html
    message.reply_markup = markup
    message.document = document
    deliver(state, "business_message", message)
    return state.message_json(message)


# --- sending -------------------------------------------------------------------------------


def send_message(state: EmulatorState, params: Params) -> Any:
    """sendMessage: store a bot text message."""
    content = _message_text(params)
    markup = _markup(params)
    chat = target_chat(state, params)
    _check_reply_target(chat, params)
    return _store_bot_message(state, chat, content, markup)


def _send_file(state: EmulatorState, params: Params, kind: str) -> Any:
    content = _caption(params)
    markup = _markup(params)
    chat = target_chat(state, params)
    _check_reply_target(chat, params)
    record = _file_record(state, kind, params[kind])
    return _store_bot_message(state, chat, content, markup, record)


def send_document(state: EmulatorState, params: Params) -> Any:
    """sendDocument: store a bot message carrying a document."""
    return _send_file(state, params, "document")


def send_photo(state: EmulatorState, params: Params) -> Any:
    """sendPhoto: store a bot message carrying a photo."""
    return _send_file(state, params, "photo")


def send_chat_action(state: EmulatorState, params: Params) -> Any:
    """sendChatAction: validate and acknowledge."""
    if params["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    target_chat(state, params)
    return True


# --- editing and deleting ------------------------------------------------------------------


def _message_to_edit(
    state: EmulatorState, params: Params, markup: dict[str, Any] | None
) -> ChatMessage:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the emulator has no inline-mode messages
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = target_chat(state, params)
    message = state.find_message(chat, params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    check_chat_buttons(markup, chat.kind, business=chat.business_connection_id is not None)
    return message


def _inline_markup(message: ChatMessage) -> dict[str, Any] | None:
    return message.reply_markup if is_inline(message.reply_markup) else None


def _mark_edited(state: EmulatorState, message: ChatMessage) -> Any:
    message.edits += 1
    message.edit_date = state.now()
    deliver(state, "edited_business_message", message)
    return state.message_json(message)


def edit_message_text(state: EmulatorState, params: Params) -> Any:
    """editMessageText: replace text and (absent reply_markup means none) the inline keyboard."""
    content = _message_text(params)
    markup = _markup(params, inline_only=True)
    message = _message_to_edit(state, params, markup)
    if message.document is not None or message.location is not None:
        raise bad_request("there is no text in the message to edit")
    same_text = (content.text, content.entities) == (message.text, message.entities)
    if same_text and markup == _inline_markup(message):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.html = content.text, content.entities, content.html
    if markup is not None or _inline_markup(message) is not None:
        message.reply_markup = markup
    return _mark_edited(state, message)


def edit_message_reply_markup(state: EmulatorState, params: Params) -> Any:
    """editMessageReplyMarkup: replace or remove the inline keyboard."""
    markup = _markup(params, inline_only=True)
    message = _message_to_edit(state, params, markup)
    if markup == _inline_markup(message):
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _mark_edited(state, message)


def delete_message(state: EmulatorState, params: Params) -> Any:
    """deleteMessage: mark a message deleted."""
    chat = state.resolve_chat(params["chat_id"])
    message = state.find_message(chat, params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    return True


# --- callback queries ----------------------------------------------------------------------


def answer_callback_query(state: EmulatorState, params: Params) -> Any:
    """answerCallbackQuery: each query can be answered exactly once."""
    query = state.queries.get(params["callback_query_id"])
    if query is None or query.answer is not None:
        raise bad_request(QUERY_INVALID)
    if utf16_len(params.get("text", "")) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = dict(params)
    return True


MAX_INLINE_RESULTS = 50
_RESULT_TYPES = frozenset({"article"})  # the kinds this emulator checks in full


def answer_inline_query(state: EmulatorState, params: Params) -> Any:
    """answerInlineQuery: at most 50 results with unique ids, each a valid article."""
    query_id = params["inline_query_id"]
    if query_id not in state.inline_queries or state.inline_queries[query_id]:
        raise bad_request(QUERY_INVALID)
    results = params["results"]
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or result.get("type") not in _RESULT_TYPES:
            raise bad_request("RESULT_TYPE_INVALID")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode()) <= 64 or result_id in seen:
            raise bad_request(
                "RESULT_ID_INVALID" if result_id not in seen else "RESULT_ID_DUPLICATE"
            )
        seen.add(result_id)
        content = result.get("input_message_content")
        if not result.get("title") or not isinstance(content, dict):
            raise bad_request("RESULT_INVALID")
        text = content.get("message_text", "")
        if not 1 <= utf16_len(str(text)) <= MAX_TEXT:
            raise bad_request("MESSAGE_EMPTY" if not text else "MESSAGE_TOO_LONG")
        if "reply_markup" in result:
            validate_reply_markup(result["reply_markup"], inline_only=True)
    state.inline_queries[query_id] = dict(params)
    return True


# --- bot profile and commands --------------------------------------------------------------


def get_me(state: EmulatorState, params: Params) -> Any:
    """getMe: the bot's User object."""
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": state.inline_mode,
        "can_connect_to_business": state.business_mode,
        "has_main_web_app": False,
    }


def commands_key(state: EmulatorState, params: Params) -> str:
    """Storage key "<scope>[:<chat_id>[:<user_id>]]/<language_code>" of a command list."""
    scope = params.get("scope") or {"type": "default"}
    scope_type = scope.get("type")
    if scope_type in _SCOPES:
        key = str(scope_type)
    elif scope_type in _SCOPES_WITH_CHAT:
        key = f"{scope_type}:{state.resolve_chat(_scope_chat(scope)).chat_id}"
        if scope_type == "chat_member":
            key += f":{scope.get('user_id')}"
    else:
        raise bad_request("can't parse BotCommandScope JSON object: unsupported scope type")
    return f"{key}/{params.get('language_code', '')}"


def _scope_chat(scope: dict[str, Any]) -> int | str:
    chat_id = scope.get("chat_id")
    if chat_id is None:
        raise bad_request("chat_id is empty")
    return int(chat_id) if re.fullmatch(r"-?\d+", str(chat_id)) else str(chat_id)


def _checked_commands(commands: list[Any]) -> list[dict[str, str]]:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked: list[dict[str, str]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


def set_my_commands(state: EmulatorState, params: Params) -> Any:
    """setMyCommands: store the list for its scope and language."""
    commands = _checked_commands(params["commands"])
    key = commands_key(state, params)
    if commands:
        state.commands[key] = commands
    else:
        state.commands.pop(key, None)  # an empty list clears the scope, like deleteMyCommands
    return True


def get_my_commands(state: EmulatorState, params: Params) -> Any:
    """getMyCommands: the list stored for exactly this scope and language."""
    return list(state.commands.get(commands_key(state, params), []))


def delete_my_commands(state: EmulatorState, params: Params) -> Any:
    """deleteMyCommands: forget the list of this scope and language."""
    state.commands.pop(commands_key(state, params), None)
    return True


# --- webhooks and lifecycle ----------------------------------------------------------------


def set_webhook(state: EmulatorState, params: Params) -> Any:
    """setWebhook: validate and remember the URL (updates stay queued; nothing is pushed)."""
    url = params.get("url", "")
    if not url:
        return delete_webhook(state, params)
    _check_webhook(url, params.get("secret_token"))
    if params.get("drop_pending_updates"):
        state.updates.clear()
    if "allowed_updates" in params:
        state.updates.allowed_updates = list(params["allowed_updates"])
    already = state.webhook.url == url
    state.webhook = WebhookState(
        url=url,
        max_connections=params.get("max_connections", 40),
        allowed_updates=list(params.get("allowed_updates", [])),
        ip_address=params.get("ip_address"),
        secret_token=params.get("secret_token"),
    )
    return ApiResult(True, "Webhook is already set" if already else "Webhook was set")


def _check_webhook(url: str, secret_token: str | None) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as exc:
        raise bad_request("bad webhook: Failed to parse webhook URL") from exc
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if port not in _WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    if secret_token is not None and not _SECRET_TOKEN.fullmatch(secret_token):
        raise bad_request("bad webhook: secret token contains unallowed characters")


def delete_webhook(state: EmulatorState, params: Params) -> Any:
    """deleteWebhook: switch back to getUpdates."""
    if params.get("drop_pending_updates"):
        state.updates.clear()
    had_webhook = bool(state.webhook.url)
    state.webhook = WebhookState()
    return ApiResult(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")


def get_webhook_info(state: EmulatorState, params: Params) -> Any:
    """getWebhookInfo: the WebhookInfo object."""
    info: dict[str, Any] = {
        "url": state.webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": state.updates.pending_count,
    }
    if state.webhook.url:
        info["max_connections"] = state.webhook.max_connections
        if state.webhook.ip_address:
            info["ip_address"] = state.webhook.ip_address
        if state.webhook.allowed_updates:
            info["allowed_updates"] = state.webhook.allowed_updates
    return info


def acknowledge(state: EmulatorState, params: Params) -> Any:
    """close / logOut: nothing to tear down in the emulator."""
    return True


def check_polling_allowed(state: EmulatorState) -> None:
    """getUpdates is refused while a webhook is set."""
    if state.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "logOut": acknowledge,
    "close": acknowledge,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "answerInlineQuery": answer_inline_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    **BUSINESS_HANDLERS,
}
