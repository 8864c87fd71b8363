"""`python -m sandbox --port 8081 --token 123456:TEST`: the sandbox alone, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer, listen_failure

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"  # noqa: S105 -- the sandbox accepts any token it is given


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token the server accepts")
    parser.add_argument("--no-flood-limits", action="store_true", help="turn Telegram's flood limits off")
    defaults = FloodLimits()
    parser.add_argument("--global-per-second", type=float, default=defaults.global_per_second)
    parser.add_argument("--chat-per-second", type=float, default=defaults.chat_per_second)
    parser.add_argument("--chat-burst", type=int, default=defaults.chat_burst)
    parser.add_argument("--group-per-minute", type=int, default=defaults.group_per_minute)
    parser.add_argument("--lenient-html", action="store_true", help="accept a bare & in HTML, as Telegram does")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    """Runs the sandbox until cancelled; the exit code."""
    limits = None
    if not args.no_flood_limits:
        limits = FloodLimits(
            global_per_second=args.global_per_second,
            chat_per_second=args.chat_per_second,
            chat_burst=args.chat_burst,
            group_per_minute=args.group_per_minute,
        )
    server = SandboxServer(
        token=args.token, host=args.host, port=args.port, limits=limits, strict_html=not args.lenient_html
    )
    try:
        await server.start()
    except OSError as exc:
        print(f"python -m sandbox: {listen_failure(exc, args.host, args.port)}", file=sys.stderr)
        return 2
    print(f"Web chat:      {server.url}/")
    print(f"Bot API base:  {server.api_base_url}   (token {args.token})")
    print(f"File base:     {server.file_base_url}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
