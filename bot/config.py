"""Settings read from the environment (and an optional `.env`), validated once at start."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.language.languages import LANGUAGES
from bot.storage.kept_secrets import kept_secret

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
REMINDER = re.compile(r"(\d{1,4})\s*([mhd])")
REMINDER_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
NO_MEETING_TYPE = "no_meeting_type"  # the error for a configuration that names no type


class ConfigError(Exception):
    """The configuration cannot start the bot; the message is one readable line."""


class Settings(BaseSettings):
    """Every knob the bot reads; the environment names are the field names in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    telegram_bot_token: SecretStr
    telegram_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    meetergo_api_key: SecretStr
    meetergo_api_url: AnyHttpUrl = AnyHttpUrl("https://api.meetergo.com")
    meetergo_user_id: str | None = None
    meetergo_meeting_type_id: str | None = None
    # Several meeting types, comma-separated; MEETERGO_MEETING_TYPE_ID alone names one.
    meetergo_meeting_type_ids: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validate_default=True
    )
    bot_default_timezone: str = "Europe/Berlin"
    bot_default_language: str = "en"
    bot_data_dir: Path = Path("./data")
    bot_privacy_url: AnyHttpUrl
    bot_agent_ids: Annotated[tuple[int, ...], NoDecode] = ()
    bot_slot_step_minutes: int | None = Field(default=None, ge=5, le=720)
    bot_log_level: str = "INFO"
    bot_webhook_url: AnyHttpUrl | None = None
    # A webhook must accept Telegram's servers, so listen on every interface by default.
    bot_webhook_listen: str = "0.0.0.0"
    bot_webhook_port: int = Field(default=8443, ge=1, le=65535)
    bot_webhook_secret: SecretStr | None = None
    # /healthz, /readyz and /metrics on a port of their own (polling mode; in webhook mode they
    # are on the webhook's port, and on this one too when it is another); unset: none in polling.
    bot_health_port: int | None = Field(default=None, ge=1, le=65535)
    # Signs agents' start links; unset: one is generated once and kept in BOT_DATA_DIR.
    bot_link_secret: SecretStr | None = None
    # Reminders before each appointment ("24h,1h"); empty: none.
    bot_reminders: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    # The business's own mail domains (comma-separated): never "corrected" in a typed address.
    bot_mail_domains: Annotated[tuple[str, ...], NoDecode] = ()
    # A booking nobody touches for this long is closed and its name and e-mail erased.
    bot_idle_timeout_minutes: float = Field(default=30.0, gt=0, le=1440)
    # PostgreSQL for state and bookings (postgresql://user:password@host/db); unset: SQLite
    # files under BOT_DATA_DIR. Needed to run more than one replica.
    bot_database_url: SecretStr | None = None
    # How many chats' state one process keeps in memory between their updates.
    bot_state_cache_size: int = Field(default=1024, ge=1, le=1_000_000)
    # The meeting types' own questions, a YAML file (bot/booking/questions.py); unset: none.
    bot_questions: Path | None = None
    # The bot's own pace for meetergo, every request counted (meetergo allows 100 a minute
    # per credential); 0: no pace of its own.
    meetergo_requests_per_minute: int = Field(default=90, ge=0, le=10_000)
    # Without a meetergo webhook (no BOT_WEBHOOK_URL), how often every appointment still ahead
    # is checked on meetergo for a cancel or a move by the team; 0: never.
    bot_appointment_check_seconds: float = Field(default=300.0, ge=0, le=86_400)
    # How often the days customers wait for are looked at for a time that freed up; 0: never
    # (a cancel the bot sees still offers its time at once).
    bot_waitlist_check_seconds: float = Field(default=120.0, ge=0, le=86_400)

    # --- waits: every pause the bot makes, in seconds (the offline world sets them small) ---
    # How long one read from meetergo may take (connecting included) before it is retried.
    meetergo_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # How long a booking may take before its answer counts as lost (and is looked up).
    # meetergo's own clients wait 30 seconds: calendars and e-mails take a while.
    meetergo_booking_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # The first pause before a failed read is retried (at random up to it, doubling).
    meetergo_retry_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    # How long the start waits for meetergo's first answer before serving customers anyway.
    bot_startup_patience_seconds: float = Field(default=12.0, gt=0, le=600)
    # The first pause before meetergo is asked again after a failed start (doubling, ≤ 60 s).
    bot_startup_retry_seconds: float = Field(default=2.0, gt=0, le=600)
    # Waiting on meetergo this long shows "typing…" in the chat.
    bot_typing_after_seconds: float = Field(default=1.0, ge=0, le=60)
    # A booking request this slow gets "still booking" on the card.
    bot_still_booking_after_seconds: float = Field(default=5.0, ge=0, le=300)
    # The first pause before a Bot API request that failed on the network is sent again
    # (doubling).
    telegram_retry_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    # Replies paced to Telegram's limit for a bot as a whole; 0: not paced (a 429 is still
    # waited out).
    telegram_messages_per_second: float = Field(default=30.0, ge=0, le=1000)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # Telegram tokens are "<bot id>:<secret>"; catching a pasted-wrong value here beats a
        # 401 loop later.
        bot_id, sep, secret = value.get_secret_value().partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("must look like '123456:ABC-DEF…' (from @BotFather)")
        return value

    @field_validator("bot_database_url", mode="before")
    @classmethod
    def _postgres_url(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            scheme = value.partition("://")[0].lower()
            if scheme not in ("postgresql", "postgres"):
                raise ValueError("must be a postgresql://user:password@host:port/database URL")
        return value

    @field_validator("bot_health_port", mode="before")
    @classmethod
    def _blank_port_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_questions", mode="before")
    @classmethod
    def _blank_questions_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_questions")
    @classmethod
    def _questions_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("meetergo_api_key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("meetergo_meeting_type_id", mode="before")
    @classmethod
    def _blank_type_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("meetergo_meeting_type_ids", mode="before")
    @classmethod
    def _split_type_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("meetergo_meeting_type_ids", mode="after")
    @classmethod
    def _some_meeting_type(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not value and not info.data.get("meetergo_meeting_type_id"):
            raise PydanticCustomError(
                NO_MEETING_TYPE,
                "MEETERGO_MEETING_TYPE_ID is not set (or name several in "
                "MEETERGO_MEETING_TYPE_IDS)",
            )
        return value

    @property
    def meeting_type_ids(self) -> tuple[str, ...]:
        """The meeting types customers can book, in the order they are offered."""
        first = (self.meetergo_meeting_type_id,) if self.meetergo_meeting_type_id else ()
        return tuple(dict.fromkeys((*first, *self.meetergo_meeting_type_ids)))

    @field_validator("meetergo_user_id", mode="before")
    @classmethod
    def _blank_user_id_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("bot_default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        code = value.strip().lower()
        if code not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return code

    @field_validator("bot_agent_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("must be comma-separated Telegram user ids, e.g. 12345,67890")
            return tuple(int(part) for part in parts)
        return value

    @field_validator("bot_mail_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                part.strip().lower().lstrip("@") for part in value.split(",") if part.strip()
            )
        return value

    @property
    def business_mail_domains(self) -> tuple[str, ...]:
        """BOT_MAIL_DOMAINS and the privacy policy's domain (without "www.")."""
        host = (self.bot_privacy_url.host or "").lower().removeprefix("www.")
        return tuple(dict.fromkeys((*self.bot_mail_domains, *((host,) if "." in host else ()))))

    @field_validator("bot_reminders", mode="before")
    @classmethod
    def _parse_reminders(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        found = []
        for part in (part.strip().lower() for part in value.split(",")):
            if not part:
                continue
            match = REMINDER.fullmatch(part)
            if match is None:
                raise ValueError("must be durations like 24h,1h (m, h or d), or empty")
            amount, unit = int(match[1]), match[2]
            found.append(timedelta(**{REMINDER_UNITS[unit]: amount}))
        if any(step <= timedelta(0) for step in found):
            raise ValueError("reminders must be before the appointment")
        return tuple(sorted(set(found), reverse=True))

    @field_validator("bot_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @property
    def log_level(self) -> int:
        """The numeric logging level."""
        return logging.getLevelNamesMapping()[self.bot_log_level]

    @property
    def telegram_base_url(self) -> str:
        """Bot API root without a trailing slash."""
        return str(self.telegram_api_url).rstrip("/")

    @property
    def meetergo_base_url(self) -> str:
        """meetergo API root without a trailing slash."""
        return str(self.meetergo_api_url).rstrip("/")


def _describe(error: Mapping[str, Any]) -> str:
    if error["type"] == NO_MEETING_TYPE:  # about two variables: its message names them
        return str(error["msg"])
    variable = ".".join(str(part) for part in error["loc"]).upper() or "configuration"
    if error["type"] == "missing":
        return f"{variable} is not set"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{variable} is invalid: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings, raising ConfigError with one line naming each problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        # Pydantic's own message echoes the input, which could be a secret: build our own.
        problems = "; ".join(_describe(error) for error in exc.errors(include_input=False))
        raise ConfigError(f"configuration error: {problems}") from None


WEBHOOK_SECRET_FILE = "webhook_secret"


def webhook_secret(settings: Settings) -> str:
    """BOT_WEBHOOK_SECRET, or one generated once and kept in BOT_DATA_DIR."""
    if settings.bot_webhook_secret is not None:
        return settings.bot_webhook_secret.get_secret_value()
    return kept_secret(settings.bot_data_dir, WEBHOOK_SECRET_FILE)


def _derived(settings: Settings, purpose: bytes, length: int) -> str:
    key = webhook_secret(settings).encode()
    return hmac.new(key, purpose, hashlib.sha256).hexdigest()[:length]


def meetergo_webhook_path(settings: Settings) -> str:
    """The path meetergo posts its events to: a secret of its own, derived from the webhook
    secret, so only meetergo (told the URL) knows it; deliveries are not signed."""
    return f"/meetergo/{_derived(settings, b'meetergo-webhook', 40)}"


def deployment_mark(settings: Settings) -> str:
    """A short name of this deployment (from its secret, revealing nothing of it), so the
    webhook it registers is told apart from another deployment's of the same company."""
    return _derived(settings, b"deployment", 8)


def public_url(settings: Settings, path: str) -> str:
    """`path` under BOT_WEBHOOK_URL (which must be set)."""
    return str(settings.bot_webhook_url).rstrip("/") + path


LINK_SECRET_FILE = "link_secret"


def link_secret(settings: Settings) -> bytes:
    """BOT_LINK_SECRET, or one generated once and kept in BOT_DATA_DIR."""
    if settings.bot_link_secret is not None:
        return settings.bot_link_secret.get_secret_value().encode()
    return kept_secret(settings.bot_data_dir, LINK_SECRET_FILE).encode()


def reminder_label(before: timedelta) -> str:
    """A reminder's name as BOT_REMINDERS writes it: "24h", "90m", "2d"."""
    minutes = int(before.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
