"""Validation of reply_markup objects the way the Bot API rejects them."""

from __future__ import annotations

from typing import Any

from bot.sandbox.telegram_html import check_link
from bot.sandbox.telegram_schema import bad_request

Markup = dict[str, Any]

MAX_ROW_BUTTONS = 8
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_BYTES = 64
# Exactly one of these makes an inline button do something.
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_PREFIX = "can't parse inline keyboard button"
# Reply keyboard buttons that ask the user for something, with what Telegram answers where
# they are used outside a private chat ("Available in private chats only").
_PRIVATE_ONLY = {
    "request_contact": "Phone number can be requested in private chats only",
    "request_location": "Location can be requested in private chats only",
    "request_poll": "Poll can be requested in private chats only",
    "request_users": "Users can be requested in private chats only",
    "request_chat": "Chats can be requested in private chats only",
    "web_app": "Web App buttons can be used in private chats only",
}
# Inline buttons the spec rules out for messages sent on behalf of a business account (Web
# Apps, inline-mode switches), or that only belong to a game or an invoice, which a business
# message is not; login_url is refused there too.
_NOT_FOR_BUSINESS = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
)
_BOOLEAN_REQUESTS = ("request_contact", "request_location")
# KeyboardButton's fields an InlineKeyboardButton does not have: Telegram ignores them there.
_REPLY_ONLY = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
)


def validate_reply_markup(markup: Markup, *, inline_only: bool = False) -> Markup:
    """Check any of the four reply_markup kinds and return the normalized object."""
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _inline_keyboard(markup["inline_keyboard"])}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        return {**markup, "keyboard": _reply_keyboard(markup["keyboard"])}
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def is_inline(markup: Markup | None) -> bool:
    """Whether markup is an inline keyboard (the only kind a Message carries back)."""
    return markup is not None and "inline_keyboard" in markup


def _rows(keyboard: Any, field: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(
            f"can't parse reply keyboard markup JSON object: "
            f'Field "{field}" must be of type Array of Array'
        )
    return keyboard


def _inline_keyboard(keyboard: Any) -> list[list[Markup]]:
    rows = _rows(keyboard, "inline_keyboard")
    if any(len(row) > MAX_ROW_BUTTONS for row in rows):
        raise bad_request("BUTTONS_TOO_MUCH")
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("BUTTONS_TOO_MUCH")
    return [[_inline_button(button) for button in row] for row in rows]


def _inline_button(button: Any) -> Markup:
    if not isinstance(button, dict):
        raise bad_request(f"{_BUTTON_PREFIX}: Object expected")
    if not isinstance(button.get("text"), str):
        raise bad_request(f'{_BUTTON_PREFIX}: Field "text" must be of type String')
    # An empty callback_data counts as absent, which is why Telegram then complains about a
    # "text button" rather than about the data length.
    actions = [name for name in _INLINE_ACTIONS if button.get(name) not in (None, "", False)]
    if not actions:
        raise bad_request(f"{_BUTTON_PREFIX}: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            f"{_BUTTON_PREFIX}: exactly one of the optional fields must be used, got "
            + ", ".join(actions)
        )
    _check_action(button, actions[0])
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    return {
        key: value for key, value in button.items() if value is not None and key not in _REPLY_ONLY
    }


def _check_action(button: Markup, action: str) -> None:
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str):
            raise bad_request(f'{_BUTTON_PREFIX}: Field "callback_data" must be of type String')
        if len(value.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        if not isinstance(value, str):
            raise bad_request(f'{_BUTTON_PREFIX}: Field "url" must be of type String')
        if check_link(value) is None and not value.lower().startswith("tg://"):
            raise bad_request(f"inline keyboard button URL '{value}' is invalid: Wrong HTTP URL")


def _reply_keyboard(keyboard: Any) -> list[list[Markup]]:
    return [[_reply_button(button) for button in row] for row in _rows(keyboard, "keyboard")]


def _reply_button(button: Any) -> Markup:
    # Telegram accepts a bare string as shorthand for {"text": ...}.
    normalized = {"text": button} if isinstance(button, str) else button
    if not isinstance(normalized, dict) or not isinstance(normalized.get("text"), str):
        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
    if not normalized["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    for field in _BOOLEAN_REQUESTS:
        if normalized.get(field) is not None and not isinstance(normalized[field], bool):
            raise bad_request(
                f'can\'t parse keyboard button: Field "{field}" must be of type Boolean'
            )
    return normalized


def check_chat_buttons(markup: Markup | None, chat_kind: str, *, business: bool = False) -> None:
    """Refuse a reply keyboard that asks for a phone number, a location (...) outside a
    private chat, and inline buttons a message sent on a business account's behalf may not
    carry, as Telegram does once it knows the chat."""
    if markup is None:
        return
    if business:
        _check_business_buttons(markup)
    if chat_kind == "private":
        return
    for row in markup.get("keyboard", []):
        for button in row:
            asked = [f for f in _PRIVATE_ONLY if button.get(f) not in (None, False)]
            if asked:
                raise bad_request(_PRIVATE_ONLY[asked[0]])


def _check_business_buttons(markup: Markup) -> None:
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if any(button.get(action) not in (None, False) for action in _NOT_FOR_BUSINESS):
                raise bad_request("BUTTON_TYPE_INVALID")


def button_rows(markup: Markup | None) -> list[list[tuple[str, str | None]]]:
    """(label, callback_data) per button, row by row; reply keyboard buttons have no data."""
    if markup is None:
        return []
    if "inline_keyboard" in markup:
        return [
            [(button["text"], button.get("callback_data")) for button in row]
            for row in markup["inline_keyboard"]
        ]
    return [[(button["text"], None) for button in row] for row in markup.get("keyboard", [])]
