"""Command line: `python -m bot` runs the bot; `python -m bot sandbox` the meetergo stand-in."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging

EXIT_CONFIG = 2
DEMO_ZONE = "Europe/Berlin"  # the bot's default zone, the demo customer's unless --timezone


def run_bot() -> int:
    """Run the bot: polling, or a webhook when BOT_WEBHOOK_URL is set; SIGTERM drains it (the
    updates taken are finished) before it exits."""
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(
        settings.log_level,
        secrets=[
            settings.telegram_bot_token.get_secret_value(),
            settings.meetergo_api_key.get_secret_value(),
        ],
    )
    # The start makes some 130,000 objects that live as long as the process; collecting
    # garbage among them meanwhile is about a fifth of the start's CPU, for nothing. The collector
    # runs again once the start is done (Lifecycle.open in bot/app.py).
    gc.disable()
    # Imported late so a configuration error is reported without loading telegram at all.
    from telegram.error import InvalidToken, TelegramError

    from bot.app import StartupError, build_application, read_questions
    from bot.booking.questions import QuestionsError
    from bot.serving import serve_polling
    from bot.storage.errors import StorageUnavailableError

    try:
        questions = asyncio.run(read_questions(settings))
    except QuestionsError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    application = build_application(settings, questions)
    try:
        if settings.bot_webhook_url:
            # Telegram's updates and meetergo's events, on the bot's own web server.
            from bot.web import serve_webhooks

            asyncio.run(serve_webhooks(application, settings))
        else:
            # Health and metrics on BOT_HEALTH_PORT, when it is set.
            asyncio.run(serve_polling(application, settings))
    except (StartupError, StorageUnavailableError) as error:
        print(f"startup error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except TelegramError as error:
        # Telegram refused the token, or could not be reached: one line, no traceback.
        print(f"startup error: Telegram's Bot API: {type(error).__name__}", file=sys.stderr)
        return EXIT_CONFIG if isinstance(error, InvalidToken) else 1
    return 0


def run_sandbox(host: str, port: int) -> int:
    """Run the sandbox meetergo server until interrupted."""
    import asyncio

    from bot.sandbox.scheduling import run_standalone

    asyncio.run(run_standalone(host, port))
    return 0


def run_demo(language: str, timezone: str | None, name: str, record: Path | None = None) -> int:
    """Run the sandbox, the emulator and the real bot, and chat with it in this terminal;
    with `record`, write what was done and shown there as a script."""
    import asyncio
    import tempfile
    from datetime import UTC, datetime

    import yaml

    from bot.sandbox.console import run_console
    from bot.sandbox.demo import write_demo_questions
    from bot.sandbox.recorder import Recorder, minute_of
    from bot.sandbox.world import ChatDriver, OfflineWorld

    async def chat() -> int:
        with tempfile.TemporaryDirectory(prefix="meetergo-bot-demo-") as workdir:
            questions = write_demo_questions(Path(workdir) / "data")
            env = {"BOT_QUESTIONS": str(questions)}
            # To the minute: a recorded script's clock gives the sandbox the very same "now".
            clock = minute_of(datetime.now(UTC))
            recorder = None
            if record is not None:
                customer = {"first_name": name, "last_name": "Demo", "language": language}
                zone = timezone or DEMO_ZONE
                demo_questions = yaml.safe_load(questions.read_text("utf-8"))
                recorder = Recorder(clock, zone, customer, demo_questions)
            async with OfflineWorld(Path(workdir), bot_env=env, clock=clock) as world:
                driver = ChatDriver(
                    world.emulator, 1001, first_name=name, last_name="Demo", language_code=language
                )
                if timezone:
                    await driver.send(f"/timezone {timezone}")
                    if recorder is not None:
                        recorder.did({"send": f"/timezone {timezone}"})
                code = await run_console(driver, recorder=recorder)
            if recorder is not None and record is not None:
                recorder.write(record)
                print(f"\nrecorded as a script: {record} (run it: python -m bot script {record})")
            return code

    try:
        return asyncio.run(chat())
    except KeyboardInterrupt:
        return 0


def run_scripts(paths: Sequence[str]) -> int:
    """Run scripted conversations; print each transcript and a pass/fail line per file."""
    import asyncio
    from pathlib import Path

    from bot.sandbox.scripts import ScriptError, run_script

    failed = 0
    for name in paths:
        try:
            outcome = asyncio.run(run_script(Path(name)))
        except ScriptError as error:
            print(f"ERROR {error}")
            failed += 1
            continue
        print(outcome.transcript)
        if outcome.passed:
            print(f"PASS {name}")
        else:
            print(f"FAIL {name}: {outcome.failure}")
            failed += 1
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen part."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    sandbox = commands.add_parser("sandbox", help="run the offline meetergo stand-in")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8099)
    demo = commands.add_parser("demo", help="chat with the bot offline in this terminal")
    demo.add_argument("--language", default="en", help="the customer's Telegram language code")
    demo.add_argument("--timezone", help="the customer's IANA time zone, e.g. America/New_York")
    demo.add_argument("--name", default="Ada", help="the customer's first name")
    demo.add_argument(
        "--record", type=Path, metavar="FILE", help="write the session as a script to FILE"
    )
    script = commands.add_parser("script", help="run scripted conversations (YAML files)")
    script.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    if args.command == "script":
        return run_scripts(args.files)
    if args.command == "demo":
        return run_demo(args.language, args.timezone, args.name, args.record)
    if args.command == "sandbox":
        return run_sandbox(args.host, args.port)
    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
