"""Telegram's message text rules for the Bot API emulator: the HTML parse mode, explicit
entities, trimming and measuring.

The parser walks the UTF-8 bytes like Telegram's own (tdlib) parser does, so error messages can
quote the same byte offsets and entity offsets/lengths come out in UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.telegram_schema import bad_request

Entity = dict[str, Any]

_LT, _GT, _AMP, _SLASH, _EQ = (ord(c) for c in "<>&/=")
_SEMICOLON, _HASH = ord(";"), ord("#")
# tdlib treats NUL as whitespace because its input is NUL-terminated; reading past the end
# yields 0 here, which lets the loops below stop exactly where tdlib's do.
_SPACES = frozenset(b" \t\r\n\v\0")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_USER_LINK = re.compile(r"tg://user\?id=(\d+)$", re.IGNORECASE)
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?(?![A-Za-z0-9_@])")
_TRIMMED = " \t\r\n"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; str(error) is Telegram's reason."""


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    utf16_offset: int
    byte_offset: int  # where the tag's content starts in the output buffer


@dataclass
class _HtmlParser:
    source: bytes
    pos: int = 0
    out: bytearray = field(default_factory=bytearray)
    utf16: int = 0
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def at(self, index: int) -> int:
        """The byte at index, or 0 past the end (tdlib reads a NUL-terminated string)."""
        return self.source[index] if index < len(self.source) else 0

    def run(self) -> tuple[str, list[Entity]]:
        """Parse the whole source into plain text and sorted entities."""
        while self.pos < len(self.source):
            byte = self.source[self.pos]
            if byte == _AMP:
                self._ampersand()
            elif byte == _LT:
                self._tag()
            else:
                self._emit_byte(byte)
                self.pos += 1
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        # Outer tags close last; reversing first lists them first among equal spans.
        entities = sorted(reversed(self.entities), key=lambda e: (e["offset"], -e["length"]))
        return self.out.decode("utf-8"), entities

    def _emit_byte(self, byte: int) -> None:
        self.out.append(byte)
        if byte & 0xC0 != 0x80:  # first byte of a UTF-8 sequence; 4-byte ones need 2 units
            self.utf16 += 2 if byte >= 0xF0 else 1

    def _emit_char(self, char: str) -> None:
        self.out.extend(char.encode("utf-8"))
        self.utf16 += utf16_len(char)

    def _ampersand(self) -> None:
        decoded = self._decode_entity(self.pos)
        if decoded is not None:
            char, self.pos = decoded
            self._emit_char(char)
            return
        unknown = re.match(rb"&([A-Za-z]+);", self.source[self.pos :])
        if unknown:
            # Telegram would print "&foo;" literally, which is always an escaping bug in the bot.
            name = unknown.group(1).decode()
            raise EntityParseError(f'Unsupported HTML entity "&{name};" at byte offset {self.pos}')
        self._emit_byte(_AMP)
        self.pos += 1

    def _decode_entity(self, start: int) -> tuple[str, int] | None:
        end = start + 1
        if self.at(end) == _HASH:
            end += 1
            hexadecimal = self.at(end) in b"xX"
            end += 1 if hexadecimal else 0
            digits = rb"[0-9A-Fa-f]" if hexadecimal else rb"[0-9]"
            match = re.compile(digits + rb"+").match(self.source, end)
            if not match:
                return None
            code = int(match.group(), 16 if hexadecimal else 10)
            end = match.end()
            if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
            char = chr(code)
        else:
            match = re.compile(rb"[A-Za-z]*").match(self.source, end)
            assert match is not None  # "*" always matches
            named = _NAMED_ENTITIES.get(match.group().decode())
            if named is None:
                return None
            char, end = named, match.end()
        return char, end + 1 if self.at(end) == _SEMICOLON else end

    def _tag(self) -> None:
        begin = self.pos
        if self.at(begin + 1) == _SLASH:
            self._end_tag(begin)
        else:
            self._start_tag(begin)

    def _start_tag(self, begin: int) -> None:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        if self.at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        name = self.source[begin + 1 : i].decode("utf-8", "replace").lower()
        if name not in _SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        attributes, i = self._attributes(name, begin, i)
        self.pos = i + 1
        _check_start_tag(name, attributes, begin)
        self.stack.append(_OpenTag(name, attributes, self.utf16, len(self.out)))

    def _attributes(self, tag: str, begin: int, i: int) -> tuple[dict[str, str], int]:
        attributes: dict[str, str] = {}
        while self.at(i) != _GT:
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == _GT:
                break
            name_start = i
            while self.at(i) not in _SPACES and self.at(i) not in (_EQ, _GT):
                i += 1
            name = self.source[name_start:i].decode("utf-8", "replace")
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            if self.at(i) != _EQ:
                if not (tag == "blockquote" and name == "expandable"):
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                attributes[name] = ""
                continue
            value, i = self._attribute_value(tag, begin, i + 1)
            attributes[name] = value
        return attributes, i

    def _attribute_value(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        if self.at(i) == 0:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        quote = self.at(i)
        if quote not in b"'\"":
            match = re.compile(rb"[A-Za-z0-9.\-]*").match(self.source, i)
            assert match is not None  # "*" always matches
            if self.at(match.end()) not in _SPACES and self.at(match.end()) != _GT:
                raise EntityParseError(f"Unexpected end of name token at byte offset {i}")
            return match.group().decode().lower(), match.end()
        value, i = self._quoted(i + 1, quote)
        if self.at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        return value, i

    def _quoted(self, i: int, quote: int) -> tuple[str, int]:
        value = bytearray()
        while i < len(self.source) and self.source[i] != quote:
            decoded = self._decode_entity(i) if self.source[i] == _AMP else None
            if decoded is not None:
                value.extend(decoded[0].encode("utf-8"))
                i = decoded[1]
            else:
                value.append(self.source[i])
                i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self, begin: int) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        end_name = self.source[begin + 2 : i].decode("utf-8", "replace").lower()
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != _GT:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        opened = self.stack.pop()
        if end_name and end_name != opened.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", '
                f'found "</{end_name}>"'
            )
        self.pos = i + 1
        if self.utf16 > opened.utf16_offset:
            self._close_entity(opened)

    def _close_entity(self, opened: _OpenTag) -> None:
        offset, length = opened.utf16_offset, self.utf16 - opened.utf16_offset
        if opened.name in ("pre", "code") and self._merge_code_block(offset, length, opened):
            return
        inner = self.out[opened.byte_offset :].decode("utf-8", "replace")
        fields = _entity_fields(opened, inner)
        if fields is not None:  # Telegram silently drops links it considers invalid
            kind = fields.pop("type")
            self.entities.append({"type": kind, "offset": offset, "length": length, **fields})

    def _merge_code_block(self, offset: int, length: int, opened: _OpenTag) -> bool:
        """Fold <pre><code class="language-x"> (in either nesting order) into one pre entity."""
        last = self.entities[-1] if self.entities else None
        if last is None or {last["type"], opened.name} != {"pre", "code"}:
            return False
        if (last["offset"], last["length"]) != (offset, length):
            return False
        inner_language = last.get("language")
        language = inner_language if opened.name == "pre" else _language(opened.attributes)
        merged: Entity = {"type": "pre", "offset": offset, "length": length}
        if language:
            merged["language"] = language
        self.entities[-1] = merged
        return True


def _entity_fields(opened: _OpenTag, inner: str) -> Entity | None:
    """Type and extra fields of the entity a closed tag produces (None: no entity)."""
    name, attributes = opened.name, opened.attributes
    if name in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[name]}
    if name == "a":
        return _link_entity(attributes.get("href") or inner)
    if name == "pre":
        return {"type": "pre"}
    if name == "code":
        language = _language(attributes)
        # The language is kept only until a surrounding <pre> closes; run() strips it otherwise.
        return {"type": "code", "language": language} if language else {"type": "code"}
    if name == "blockquote":
        expandable = "expandable" in attributes
        return {"type": "expandable_blockquote" if expandable else "blockquote"}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
    fields: Entity = {"type": "date_time", "unix_time": int(attributes["unix"])}
    if attributes.get("format"):
        fields["date_time_format"] = attributes["format"]
    return fields


def _language(attributes: dict[str, str]) -> str | None:
    """The language named by class="language-x" on a <code> tag."""
    css_class = attributes.get("class", "")
    return css_class.removeprefix("language-") if css_class.startswith("language-") else None


def _check_start_tag(name: str, attributes: dict[str, str], begin: int) -> None:
    """Reject start tags whose mandatory attributes Telegram validates up front."""
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise EntityParseError("Invalid custom emoji identifier specified")
    if name == "tg-time" and not attributes.get("unix", "").isdigit():
        raise EntityParseError("Invalid Unix time specified")


def _link_entity(url: str) -> Entity | None:
    """Turn an <a href> target into text_mention/text_link fields, or None if Telegram drops it."""
    user = _USER_LINK.match(url.strip())
    if user:
        return {"type": "text_mention", "user": {"id": int(user.group(1)), "is_bot": False}}
    checked = check_link(url)
    return None if checked is None else {"type": "text_link", "url": checked}


def check_link(url: str) -> str | None:
    """Normalize a link the way Telegram does, or return None if Telegram rejects it."""
    url = url.strip()
    if url.lower().startswith("tg://"):
        return url
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    # Telegram refuses hosts without a dot (e.g. "localhost") and non-web schemes.
    if parts.scheme.lower() not in ("http", "https", "ton") or "." not in host:
        return None
    if not parts.path and not parts.query and not parts.fragment:
        url += "/"
    return url


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (plain text, entities); raises EntityParseError on bad markup."""
    return _HtmlParser(text.encode("utf-8")).run()


def trim_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace like Telegram does and clip the entities to what remains."""
    stripped = text.strip(_TRIMMED)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIMMED))])
    limit = lead + utf16_len(stripped)
    clipped: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"], lead)
        end = min(entity["offset"] + entity["length"], limit)
        if end > start:
            clipped.append({**entity, "offset": start - lead, "length": end - start})
    return stripped, clipped


def command_entities(text: str) -> list[Entity]:
    """The bot_command entities Telegram attaches to a user's message such as "/book now"."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


@dataclass
class Formatted:
    """Message text after parse_mode processing."""

    text: str
    entities: list[dict[str, Any]]
    html: str | None


def format_text(raw: str, parse_mode: str | None, entities: list[Any] | None) -> Formatted:
    """Apply parse_mode (or explicit entities) and Telegram's whitespace trimming."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            text, parsed = parse_html(raw)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        html: str | None = raw
    elif mode == "":
        text, parsed, html = raw, _explicit_entities(entities), None
    elif mode in ("markdown", "markdownv2"):
        raise bad_request(f"parse_mode {parse_mode} is not supported by the emulator; use HTML")
    else:
        raise bad_request("unsupported parse_mode")
    text, parsed = trim_text(text, parsed)
    return Formatted(text, parsed, html)


def _explicit_entities(entities: list[Any] | None) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    for entity in entities or []:
        valid = isinstance(entity, dict) and isinstance(entity.get("type"), str)
        if not valid or not all(isinstance(entity.get(k), int) for k in ("offset", "length")):
            raise bad_request("can't parse entities JSON object")
        checked.append(dict(entity))
    return sorted(checked, key=lambda e: (e["offset"], -e["length"]))
