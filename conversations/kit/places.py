"""How and where people meet, in the customer's language: meetergo's channels by name, and the
line every screen, reminder and calendar file uses to say where."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.language.i18n import N_
from conversations.kit.context import Ui

# Video services by meetergo's channel value: the service's own name is not translated.
VIDEO_SERVICES: Final[Mapping[str, str]] = {
    "google": "Google Meet",
    "zoom": "Zoom",
    "connect": "meetergo",
    "webex": "Webex",
    "teamsForBusiness2": "Microsoft Teams",
    "teams2ForExchange": "Microsoft Teams",
    "whereby": "Whereby",
    "kmeet": "kMeet",
    "jitsi": "Jitsi",
    "nextcloudTalk": "Nextcloud Talk",
    "openTalk": "OpenTalk",
    "alfaview": "alfaview",
}
# The other channels, each a sentence of its own (translated).
CHANNEL_NAMES: Final[Mapping[str, str]] = {
    "phone": N_("Phone call"),
    "phone-incoming": N_("Phone call (you call us)"),
    "whatsapp": N_("WhatsApp call"),
    "local": N_("At our office"),
    "local-attendee": N_("At your place"),
    "resource": N_("In person"),
    "custom": N_("Other"),
}
# Channels that meet in a place, and the icon the screens show for each kind.
IN_PERSON: Final = frozenset({"local", "local-attendee", "resource"})
PHONE_CHANNELS: Final = frozenset({"phone", "phone-incoming", "whatsapp"})


def channel_name(ui: Ui, channel: str, custom: str | None = None) -> str:
    """A channel as the customer reads it: "Video call (Google Meet)", "At our office"; a
    custom channel by the business's own name for it; an unknown one as meetergo names it."""
    if channel in VIDEO_SERVICES:
        return ui._("Video call ({service})").format(service=VIDEO_SERVICES[channel])
    if channel == "custom" and custom:
        return custom
    if channel in CHANNEL_NAMES:
        return ui._(CHANNEL_NAMES[channel])
    return channel


def channel_icon(channel: str) -> str:
    """📍 for a place, 📞 for a call, 🎥 for video (and anything else)."""
    if channel in IN_PERSON:
        return "📍"
    return "📞" if channel in PHONE_CHANNELS else "🎥"


def where(ui: Ui, channel: str, location: str | None = None, *, name: str | None = None) -> str:
    """Where they meet, as plain text: the channel (`name` when the screens named it
    otherwise), and the address when there is one ("At our office: Calle Mayor 1, Madrid")."""
    name = name or channel_name(ui, channel)
    return f"{name}: {location}" if location else name
