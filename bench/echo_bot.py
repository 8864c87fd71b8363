"""A bare python-telegram-bot echo bot: the baseline of the throughput benchmark.

    python bench/echo_bot.py --base-url http://127.0.0.1:8081/bot --token 123456:SANDBOX-TOKEN

It polls for updates and sends every text message back, nothing else.
"""

from __future__ import annotations

import argparse

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the user's text back to them."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def file_url_for(base_url: str) -> str:
    """The file download base that goes with a Bot API base (…/bot → …/file/bot)."""
    root = base_url.removesuffix("/bot")
    return f"{root}/file/bot"


def build_application(token: str, base_url: str = TELEGRAM_BASE_URL) -> Application:
    """The echo bot's Application, talking to the Bot API at `base_url`."""
    application = Application.builder().token(token).base_url(base_url).base_file_url(file_url_for(base_url)).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="A bare PTB echo bot (polling), the benchmark's baseline.")
    parser.add_argument("--token", required=True, help="the bot token")
    parser.add_argument("--base-url", default=TELEGRAM_BASE_URL, help="Bot API base URL, ending in /bot")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Runs the echo bot until Ctrl-C."""
    args = parse_args(argv)
    build_application(args.token, args.base_url).run_polling(allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
