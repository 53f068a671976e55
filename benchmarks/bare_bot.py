"""The floor the booking bot is measured against (benchmarks/floor.py): a bare
python-telegram-bot bot paced as the product is deployed (the product's own rate limiter, so
Telegram's limits are kept the same way), and nothing else.

It answers /start with a day picker and a day's press with that day's times, keyboards of
the product's size and shape, built afresh for every update as a plain bot would; no state,
no store, no meetergo. Run by the benchmark in a process of its own, reading the Bot API's
token and URL from TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
)

from bot.ptb.rate_limiter import PatientRateLimiter

# The product's pace as deployed (TELEGRAM_MESSAGES_PER_SECOND's default).
MESSAGES_PER_SECOND = 30
FIRST_DAY = date(2026, 12, 7)

Context = CallbackContext[Any, Any, Any, Any]


def days_keyboard() -> InlineKeyboardMarkup:
    """Two weeks of weekdays in rows of five, and "later ›": the product's day picker."""
    fortnight = [FIRST_DAY + timedelta(days=n) for n in range(14)]
    days = [day for day in fortnight if day.weekday() < 5]
    rows = [
        [
            InlineKeyboardButton(f"{day.day} {day:%a}", callback_data=f"d:14d0d3:{day:%Y%m%d}")
            for day in days[start : start + 5]
        ]
        for start in (0, 5)
    ]
    rows.append([InlineKeyboardButton("later ›", callback_data="dp:14d0d3:1")])
    return InlineKeyboardMarkup(rows)


def times_keyboard() -> InlineKeyboardMarkup:
    """Fourteen half hours in rows of four, and "◀ other day": the product's time picker."""
    labels = [f"{hour}:{minute:02d} PM" for hour in range(3, 10) for minute in (0, 30)]
    rows = [
        [
            InlineKeyboardButton(label, callback_data=f"s:6b6d74:{start + n}")
            for n, label in enumerate(labels[start : start + 4])
        ]
        for start in range(0, len(labels), 4)
    ]
    rows.append([InlineKeyboardButton("◀ other day", callback_data="od:6b6d74")])
    return InlineKeyboardMarkup(rows)


async def start(update: Update, context: Context) -> None:
    user = update.effective_user
    message = update.effective_message
    if message is None:
        return
    name = user.first_name if user else "there"
    await message.reply_text(
        f"Hello {name}! Let's find a time for your appointment.\n\n"
        "<b>Intro call · 30 min</b>\nPick a day between Monday, December 7, 2026 and Friday, "
        "December 18, 2026. Times are shown in Central European Time (Berlin).\n"
        "You can also type a day, like <i>tomorrow</i>, <i>friday</i> or <i>24.12.</i>",
        reply_markup=days_keyboard(),
    )


async def day(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(
        "<b>Monday, December 7, 2026</b>\n14 free times in Central European Time (Berlin). "
        "Tap one:",
        reply_markup=times_keyboard(),
    )


def main() -> None:
    base = os.environ["TELEGRAM_API_URL"]
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(PatientRateLimiter(messages_per_second=MESSAGES_PER_SECOND, backoff=0.5))
        # Chats side by side, as the product handles them: only the pace holds answers back.
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(day, pattern=r"^d:"))
    application.run_polling()


if __name__ == "__main__":
    main()
