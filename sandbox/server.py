"""SandboxServer: a local Telegram Bot API server, its control API and the web chat, on one port.

server = SandboxServer(token="123456:TEST", limits=FloodLimits())
await server.start()
bot = telegram.Bot(token, base_url=server.api_base_url, base_file_url=server.file_base_url)
...
await server.stop()
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web
from telegram import User

from sandbox.botapi import BotApi
from sandbox.control import Control, RoleLookup
from sandbox.errors import ApiError, unauthorized
from sandbox.flood import FloodControl, FloodLimits
from sandbox.holds import Hold, Holds
from sandbox.lifecycle import Service
from sandbox.params import Params
from sandbox.people import People
from sandbox.records import Person, TimeSource
from sandbox.responses import error_response, ok_response
from sandbox.state import SandboxState
from sandbox.webhook import WebhookDelivery

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
MAX_REQUEST_BYTES = 60 * 1024 * 1024  # uploads up to Telegram's 50 MB, plus the form around them
_TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{1,100}$")


def listen_failure(error: OSError, host: str, port: int) -> str:
    """One line for a person when the sandbox cannot listen (start() raised `error`)."""
    if error.errno == errno.EADDRINUSE:
        return f"port {port} is in use; choose another with --port (0 picks a free one)"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


class SandboxServer(Service):
    """The sandbox for one bot, served over HTTP by aiohttp.

    Args:
        token: the bot's token, "<bot id>:<secret>"; other tokens get 401.
        host: the address to listen on (loopback by default).
        port: the port; 0 picks a free one (see `url` after start()).
        limits: flood limits to enforce; None turns flood control off.
        role_lookup: async callable user ids -> {user id: role}, to show the bot's roles of users.
        bot_username: the bot's @username (getMe).
        bot_name: the bot's first name (getMe).
        strict_html: reject a bare "&" in HTML (Telegram keeps it; here it reveals missing escaping).
        webhook_retry_delay: seconds before the first webhook retry; doubles on each failure.
        time_source: where message dates come from (a demo's movable clock); the real time if None.
        routes: more routes on the same port (the demo's clock), beside the control API.
    """

    def __init__(
        self,
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: FloodLimits | None = None,
        role_lookup: RoleLookup | None = None,
        bot_username: str = "jingmin_sandbox_bot",
        bot_name: str = "警民连心桥",
        strict_html: bool = True,
        webhook_retry_delay: float = 0.2,
        time_source: TimeSource | None = None,
        routes: Sequence[web.RouteDef] = (),
    ) -> None:
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError("token must look like a Telegram bot token, '<bot id>:<secret>'")
        self.token = token
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        bot = User(
            int(match.group(1)),
            bot_name,
            is_bot=True,
            username=bot_username,
            can_join_groups=False,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        self.state = SandboxState(bot, time_source)
        self._extra_routes = list(routes)
        self.flood = FloodControl(limits)
        self.webhook = WebhookDelivery(self.state, first_retry_delay=webhook_retry_delay)
        self.api = BotApi(self.state, self.flood, self.webhook, strict_html=strict_html)
        self.control = Control(self.state, self.api, self.webhook, role_lookup)
        self.control.extensions = sorted({r.path for r in self._extra_routes if isinstance(r, web.RouteDef)})
        self._holds = Holds()
        self._runner: web.AppRunner | None = None

    # Addresses ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (after start())."""
        if self._port is None:
            raise RuntimeError("the sandbox is not started")
        return self._port

    @property
    def url(self) -> str:
        """http://host:port, where the web chat is."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """For PTB's `base_url`: the token and method are appended to it."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """For PTB's `base_file_url`."""
        return f"{self.url}/file/bot"

    @property
    def people(self) -> People:
        """The users' side, for driving the sandbox in-process instead of over HTTP."""
        return self.control.people

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ) -> Person:
        """Adds a user in-process (like POST /sandbox/users)."""
        person = self.state.add_person(
            Person(user_id, first_name, last_name=last_name, username=username, language_code=language_code)
        )
        person.started = person.started or started
        return person

    def hold(self, method: str, chat_id: int | None = None) -> Hold:
        """Holds back the bot's next call of `method` (to `chat_id`, if given), for tests (see
        sandbox/holds.py).

        `async with server.hold("answerCallbackQuery") as held: ...; await held.arrived()`
        """
        canonical = self.api.canonical_name(method)
        if canonical is None:
            raise ValueError(f"the sandbox has no Bot API method {method!r}")
        return self._holds.add(canonical, chat_id)

    # Lifecycle ---------------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """The aiohttp application with every route."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[self.control.errors])
        app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self._bot_api),
                web.get("/file/bot{token}/{path:.+}", self._download),
                *self.control.routes(),
                *self._extra_routes,
                web.get("/", self._index),
                web.get("/favicon.ico", _no_icon),  # browsers ask for it; answer without a 404
                web.static("/static", STATIC_DIR, append_version=False),
            ]
        )
        return app

    async def start(self) -> None:
        """Starts listening (and the webhook delivery loop)."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already started")
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.webhook.start()
        log.info("Telegram sandbox listening on %s", self.url)

    async def stop(self) -> None:
        """Wakes every long poll, lets held calls go, stops webhook delivery and closes the port."""
        self.state.signal.close()
        self._holds.release_all()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # Handlers ----------------------------------------------------------------------------------

    def _token_ok(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self.token.encode())

    async def _bot_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.state.requests[self.api.canonical_name(method) or method] += 1
        try:
            if not self._token_ok(request.match_info["token"]):
                raise unauthorized()
            params = await Params.from_request(request)
            if not await self._holds.pass_call(self.api.canonical_name(method) or method, params, request):
                return web.Response(status=499)  # held until the bot hung up: nobody reads this
            result = await self.api.call(method, params)
        except ApiError as error:
            self.api.record_error(error)
            return error_response(error)
        except Exception:
            log.exception("The sandbox failed in %s; this is a sandbox bug", method)
            internal = ApiError(500, "Internal Server Error")
            self.api.record_error(internal)
            return error_response(internal)
        return ok_response(result)

    async def _download(self, request: web.Request) -> web.Response:
        if not self._token_ok(request.match_info["token"]):
            return error_response(unauthorized())
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _index(self, request: web.Request) -> web.FileResponse:
        del request
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def _no_icon(request: web.Request) -> web.Response:
    del request
    return web.Response(status=204)
