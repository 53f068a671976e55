"""Configuration: names, defaults, validation and the one-line failure at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

TOKEN = "123456:AAH-secret-token-value"
REQUIRED = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "MEETERGO_API_KEY": "rgo-secret-key",
    "MEETERGO_MEETING_TYPE_ID": "mt-1",
    "BOT_PRIVACY_URL": "https://example.org/privacy",
}
ALL_NAMES = [
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "MEETERGO_API_KEY",
    "MEETERGO_API_URL",
    "MEETERGO_USER_ID",
    "MEETERGO_MEETING_TYPE_ID",
    "BOT_DEFAULT_TIMEZONE",
    "BOT_DEFAULT_LANGUAGE",
    "BOT_DATA_DIR",
    "BOT_PRIVACY_URL",
    "BOT_AGENT_IDS",
    "BOT_SLOT_STEP_MINUTES",
    "BOT_LOG_LEVEL",
    "BOT_QUESTIONS",
    *(
        "MEETERGO_READ_TIMEOUT_SECONDS",
        "MEETERGO_BOOKING_TIMEOUT_SECONDS",
        "MEETERGO_RETRY_BACKOFF_SECONDS",
        "BOT_STARTUP_PATIENCE_SECONDS",
        "BOT_STARTUP_RETRY_SECONDS",
        "BOT_TYPING_AFTER_SECONDS",
        "BOT_STILL_BOOKING_AFTER_SECONDS",
        "TELEGRAM_RETRY_BACKOFF_SECONDS",
        "TELEGRAM_MESSAGES_PER_SECOND",
    ),
]
# Every wait the bot makes, with the value it had before waits became settings.
WAITS = {
    "meetergo_read_timeout_seconds": 10.0,
    "meetergo_booking_timeout_seconds": 30.0,
    "meetergo_retry_backoff_seconds": 0.5,
    "bot_startup_patience_seconds": 12.0,
    "bot_startup_retry_seconds": 2.0,
    "bot_typing_after_seconds": 1.0,
    "bot_still_booking_after_seconds": 5.0,
    "telegram_retry_backoff_seconds": 0.5,
    "telegram_messages_per_second": 30.0,
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each test in an empty directory with none of the bot's variables set."""
    for name in ALL_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in {**REQUIRED, **values}.items():
        monkeypatch.setenv(name, value)


def test_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch)
    settings = load_settings()
    assert settings.telegram_base_url == "https://api.telegram.org"
    assert settings.meetergo_base_url == "https://api.meetergo.com"
    assert settings.bot_default_timezone == "Europe/Berlin"
    assert settings.bot_default_language == "en"
    assert settings.bot_data_dir == Path("./data")
    assert settings.meetergo_user_id is None
    assert settings.bot_agent_ids == ()
    assert settings.bot_slot_step_minutes is None
    assert settings.bot_log_level == "INFO"


def test_every_contract_name_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(
        monkeypatch,
        TELEGRAM_API_URL="http://127.0.0.1:9000/",
        MEETERGO_API_URL="http://127.0.0.1:9001",
        MEETERGO_USER_ID="user-7",
        BOT_DEFAULT_TIMEZONE="America/New_York",
        BOT_DEFAULT_LANGUAGE="DE",
        BOT_DATA_DIR="/tmp/bot-data",
        BOT_AGENT_IDS="111, 222",
        BOT_SLOT_STEP_MINUTES="15",
        BOT_LOG_LEVEL="debug",
    )
    settings = load_settings()
    assert settings.telegram_base_url == "http://127.0.0.1:9000"
    assert settings.meetergo_base_url == "http://127.0.0.1:9001"
    assert settings.meetergo_user_id == "user-7"
    assert settings.meetergo_meeting_type_id == "mt-1"
    assert settings.bot_default_timezone == "America/New_York"
    assert settings.bot_default_language == "de"
    assert settings.bot_data_dir == Path("/tmp/bot-data")
    assert str(settings.bot_privacy_url) == "https://example.org/privacy"
    assert settings.bot_agent_ids == (111, 222)
    assert settings.bot_slot_step_minutes == 15
    assert settings.bot_log_level == "DEBUG"


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = [f"{name}={value}" for name, value in REQUIRED.items()]
    (tmp_path / ".env").write_text("\n".join([*lines, "BOT_DEFAULT_TIMEZONE=Asia/Kolkata"]))
    assert load_settings().bot_default_timezone == "Asia/Kolkata"


def test_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch)
    monkeypatch.delenv("MEETERGO_API_KEY")
    with pytest.raises(ConfigError, match="MEETERGO_API_KEY is not set"):
        load_settings()


def test_unknown_time_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, BOT_DEFAULT_TIMEZONE="Mars/Olympus_Mons")
    with pytest.raises(ConfigError, match="BOT_DEFAULT_TIMEZONE is invalid: unknown IANA"):
        load_settings()


def test_unsupported_language_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, BOT_DEFAULT_LANGUAGE="pt")
    with pytest.raises(ConfigError, match="BOT_DEFAULT_LANGUAGE is invalid: must be one of en, de"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_AGENT_IDS", "12,abc"),
        ("BOT_SLOT_STEP_MINUTES", "0"),
        ("BOT_LOG_LEVEL", "loud"),
        ("BOT_PRIVACY_URL", "not a url"),
        ("TELEGRAM_API_URL", "ftp//nowhere"),
    ],
)
def test_invalid_values_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    set_env(monkeypatch, **{name: value})
    with pytest.raises(ConfigError, match=f"{name} is invalid"):
        load_settings()


def test_waits_keep_their_values_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch)
    settings = load_settings()
    assert {name: getattr(settings, name) for name in WAITS} == WAITS
    set_env(monkeypatch, MEETERGO_READ_TIMEOUT_SECONDS="2.5", TELEGRAM_MESSAGES_PER_SECOND="0")
    changed = load_settings()
    assert changed.meetergo_read_timeout_seconds == 2.5
    assert changed.telegram_messages_per_second == 0  # not paced


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MEETERGO_READ_TIMEOUT_SECONDS", "0"),
        ("MEETERGO_BOOKING_TIMEOUT_SECONDS", "-1"),
        ("BOT_STILL_BOOKING_AFTER_SECONDS", "soon"),
        ("TELEGRAM_MESSAGES_PER_SECOND", "-5"),
    ],
)
def test_a_wait_that_cannot_be_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    set_env(monkeypatch, **{name: value})
    with pytest.raises(ConfigError, match=f"{name} is invalid"):
        load_settings()


def test_bad_token_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, TELEGRAM_BOT_TOKEN="secret-without-colon")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "TELEGRAM_BOT_TOKEN is invalid" in str(caught.value)
    assert "secret-without-colon" not in str(caught.value)


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch)
    settings = load_settings()
    assert TOKEN not in repr(settings)
    assert "rgo-secret-key" not in repr(settings)
    assert isinstance(settings, Settings)
    assert settings.telegram_bot_token.get_secret_value() == TOKEN


def test_start_with_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ALL_NAMES}
    env.update(REQUIRED)
    env["BOT_DEFAULT_TIMEZONE"] = "Nowhere/Special"
    del env["MEETERGO_MEETING_TYPE_ID"]
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "MEETERGO_MEETING_TYPE_ID is not set" in lines[0]
    assert "BOT_DEFAULT_TIMEZONE is invalid" in lines[0]
    assert "Traceback" not in result.stderr


def test_questions_file_is_optional_and_must_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_env(monkeypatch)
    assert load_settings().bot_questions is None
    monkeypatch.setenv("BOT_QUESTIONS", " ")
    assert load_settings().bot_questions is None
    (tmp_path / "questions.yaml").write_text("mt-1: []\n")
    monkeypatch.setenv("BOT_QUESTIONS", "questions.yaml")
    assert load_settings().bot_questions == Path("questions.yaml")
    monkeypatch.setenv("BOT_QUESTIONS", "missing.yaml")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value) == (
        "configuration error: BOT_QUESTIONS is invalid: no such file: missing.yaml"
    )
