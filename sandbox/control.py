"""The control API under /sandbox/: play the users, read their chats, wait for the bot, reset.

JSON in, JSON out. Failures answer `{"error": "..."}` with a 4xx status.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.errors import ControlError
from sandbox.files import FileKind
from sandbox.people import People
from sandbox.records import ChatState, Person
from sandbox.state import SandboxState
from sandbox.view import changes_view, chat_view, has_bot_changes, person_view, wait_baseline
from sandbox.webhook import WebhookDelivery

log = logging.getLogger(__name__)

RoleLookup = Callable[[list[int]], Awaitable[dict[int, str]]]
MAX_WAIT_SECONDS = 120.0


class Body:
    """A JSON object from a control request, with typed, named-error field access."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    async def read(cls, request: web.Request) -> Body:
        """The request's JSON object (an empty body is an empty object)."""
        if not request.body_exists:
            return cls({})
        try:
            values = await request.json()
        except ValueError:
            raise ControlError(400, "the body must be a JSON object") from None
        if not isinstance(values, dict):
            raise ControlError(400, "the body must be a JSON object")
        return cls(values)

    def get_int(self, name: str, default: int | None = None) -> int:
        """A required integer (or the default)."""
        value = self.values.get(name, default)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ControlError(400, f'"{name}" must be an integer')
        return value

    def get_float(self, name: str) -> float:
        """A required number."""
        value = self.values.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ControlError(400, f'"{name}" must be a number')
        return float(value)

    def get_seconds(self, name: str, default: float) -> float:
        """A duration: a number of seconds (JSON number or, from a query string, its text), >= 0."""
        value = self.values.get(name, default)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = None
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < math.inf:
            raise ControlError(400, f'"{name}" must be a number of seconds, 0 or more')
        return float(value)

    def get_text(self, name: str, default: str | None = None) -> str:
        """A required string (or the default)."""
        value = self.values.get(name, default)
        if not isinstance(value, str):
            raise ControlError(400, f'"{name}" must be a string')
        return value

    def optional_text(self, name: str) -> str | None:
        """A string or null/absent."""
        value = self.values.get(name)
        if value is not None and not isinstance(value, str):
            raise ControlError(400, f'"{name}" must be a string or null')
        return value

    def optional_int(self, name: str) -> int | None:
        """An integer or null/absent."""
        return None if self.values.get(name) is None else self.get_int(name)

    def flag(self, name: str, default: bool) -> bool:
        """A boolean."""
        value = self.values.get(name, default)
        if not isinstance(value, bool):
            raise ControlError(400, f'"{name}" must be true or false')
        return value


class Control:
    """The /sandbox/ routes."""

    def __init__(
        self, state: SandboxState, api: BotApi, webhook: WebhookDelivery, role_lookup: RoleLookup | None
    ) -> None:
        self.state = state
        self.api = api
        self.webhook = webhook
        self.people = People(state)
        self.role_lookup = role_lookup
        self.extensions: list[str] = []  # paths a demo added beside these routes (the clock)

    def routes(self) -> list[web.RouteDef]:
        """Every control route."""
        return [
            web.get("/sandbox/bot", self.bot),
            web.get("/sandbox/users", self.list_users),
            web.post("/sandbox/users", self.add_user),
            web.post("/sandbox/send", self.send),
            web.post("/sandbox/press", self.press),
            web.post("/sandbox/contact", self.contact),
            web.post("/sandbox/location", self.location),
            web.post("/sandbox/photo", self.photo),
            web.post("/sandbox/sticker", self.sticker),
            web.post("/sandbox/poll_answer", self.poll_answer),
            web.post("/sandbox/block", self.block),
            web.post("/sandbox/unblock", self.unblock),
            web.get("/sandbox/chats/{user_id}/messages", self.messages),
            web.post("/sandbox/wait", self.wait),
            web.get("/sandbox/changes", self.changes),
            web.get("/sandbox/files/{file_id}", self.file),
            web.get("/sandbox/stats", self.stats),
            web.post("/sandbox/reset", self.reset),
            web.post("/sandbox/redeliver", self.redeliver),
        ]

    @web.middleware
    async def errors(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Turns ControlError into `{"error": ...}`."""
        try:
            return await handler(request)
        except ControlError as exc:
            return web.json_response({"error": exc.message}, status=exc.status)

    async def bot(self, request: web.Request) -> web.Response:
        """The bot's identity and how it gets updates."""
        del request
        webhook = self.state.webhook
        return web.json_response(
            {
                **self.state.bot.to_dict(),
                "webhook_url": webhook.url if webhook else None,
                "pending_updates": len(self.state.updates.pending),
                "extensions": self.extensions,
            }
        )

    async def roles(self, user_ids: list[int]) -> dict[int, str]:
        """The bot's roles for these users, if the sandbox was given a way to ask."""
        if self.role_lookup is None or not user_ids:
            return {}
        try:
            return await self.role_lookup(user_ids)
        except Exception:
            log.exception("role_lookup failed; showing users without roles")
            return {}

    async def list_users(self, request: web.Request) -> web.Response:
        """GET /sandbox/users."""
        del request
        people = list(self.state.people.values())
        roles = await self.roles([p.id for p in people])
        users = [person_view(p, self.state.chats[p.id], roles.get(p.id)) for p in people]
        return web.json_response({"users": users})

    async def add_user(self, request: web.Request) -> web.Response:
        """POST /sandbox/users: creates someone, or renames them if the id is known."""
        body = await Body.read(request)
        user_id = body.get_int("id")
        if user_id <= 0 or user_id == self.state.bot.id:
            raise ControlError(400, '"id" must be a positive user id other than the bot\'s')
        first_name = body.get_text("first_name").strip()
        if not first_name:
            raise ControlError(400, '"first_name" must not be empty')
        person = self.state.add_person(
            Person(
                user_id,
                first_name,
                last_name=body.optional_text("last_name"),
                username=body.optional_text("username"),
                language_code=body.optional_text("language_code"),
            )
        )
        person.started = person.started or body.flag("started", False)  # nobody un-starts a chat
        roles = await self.roles([person.id])
        return web.json_response(person_view(person, self.state.chats[person.id], roles.get(person.id)))

    async def send(self, request: web.Request) -> web.Response:
        """POST /sandbox/send: a text message from a user."""
        body = await Body.read(request)
        message = self.people.send_text(
            body.get_int("user_id"),
            body.get_text("text"),
            reply_to_message_id=body.optional_int("reply_to_message_id"),
        )
        return web.json_response({"message_id": message.message_id})

    async def press(self, request: web.Request) -> web.Response:
        """POST /sandbox/press: an inline button (with message_id) or a reply-keyboard button."""
        body = await Body.read(request)
        user_id = body.get_int("user_id")
        if body.values.get("message_id") is None:
            message = self.people.press_keyboard(user_id, body.get_text("text"))
            return web.json_response({"message_id": message.message_id})
        query_id = self.people.press(
            user_id,
            body.get_int("message_id"),
            data=body.optional_text("data"),
            text=body.optional_text("text"),
            forge=body.flag("forge", False),
        )
        return web.json_response({"callback_query_id": query_id})

    async def contact(self, request: web.Request) -> web.Response:
        """POST /sandbox/contact."""
        body = await Body.read(request)
        message = self.people.share_contact(
            body.get_int("user_id"),
            body.get_text("phone_number"),
            own=body.flag("own", True),
            first_name=body.optional_text("first_name"),
        )
        return web.json_response({"message_id": message.message_id})

    async def location(self, request: web.Request) -> web.Response:
        """POST /sandbox/location."""
        body = await Body.read(request)
        message = self.people.share_location(
            body.get_int("user_id"), body.get_float("latitude"), body.get_float("longitude")
        )
        return web.json_response({"message_id": message.message_id})

    async def photo(self, request: web.Request) -> web.Response:
        """POST /sandbox/photo: JSON for a generated picture, or multipart with a `photo` file."""
        data: bytes | None = None
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("photo")
            if isinstance(upload, web.FileField):
                with upload.file:
                    data = upload.file.read()
            body = Body({k: v for k, v in form.items() if isinstance(v, str)})
            user_id = body.get_int("user_id")
        else:
            body = await Body.read(request)
            user_id = body.get_int("user_id")
        message = self.people.send_photo(user_id, body.optional_text("caption"), data)
        return web.json_response({"message_id": message.message_id, "file_id": message.photo[-1].file_id})

    async def sticker(self, request: web.Request) -> web.Response:
        """POST /sandbox/sticker."""
        body = await Body.read(request)
        message = self.people.send_sticker(body.get_int("user_id"))
        return web.json_response({"message_id": message.message_id})

    async def poll_answer(self, request: web.Request) -> web.Response:
        """POST /sandbox/poll_answer."""
        body = await Body.read(request)
        option_ids = body.values.get("option_ids")
        if not isinstance(option_ids, list) or not all(isinstance(o, int) for o in option_ids):
            raise ControlError(400, '"option_ids" must be a list of integers')
        self.people.answer_poll(body.get_int("user_id"), body.get_text("poll_id"), option_ids)
        return web.json_response({"ok": True})

    async def block(self, request: web.Request) -> web.Response:
        """POST /sandbox/block {"user_id", "blocked": true (default) | false}."""
        body = await Body.read(request)
        user_id, blocked = body.get_int("user_id"), body.flag("blocked", True)
        self.people.set_blocked(user_id, blocked)
        return web.json_response({"user_id": user_id, "blocked": blocked})

    async def unblock(self, request: web.Request) -> web.Response:
        """POST /sandbox/unblock {"user_id"}."""
        body = await Body.read(request)
        user_id = body.get_int("user_id")
        self.people.set_blocked(user_id, False)
        return web.json_response({"user_id": user_id, "blocked": False})

    async def messages(self, request: web.Request) -> web.Response:
        """GET /sandbox/chats/<user_id>/messages?after=<message_id>."""
        user_id = Body({"user_id": request.match_info["user_id"]}).get_int("user_id")
        after = Body({"after": request.query.get("after", "0")}).get_int("after")
        return web.json_response(chat_view(self.state, self.people.chat_of(user_id), after))

    async def wait(self, request: web.Request) -> web.Response:
        """POST /sandbox/wait: until the bot sends or edits something in the chat, or timeout.

        Body: user_id; after (a message id: bot messages after it count, and bot edits made since it
        was sent); revision (count only changes after this chat revision, as returned by an earlier
        wait or chat listing); with neither, the next change from now on; timeout (s, default 10);
        settle (s, default 0: after the first change, wait until the chat is quiet this long).
        """
        body = await Body.read(request)
        chat = self.people.chat_of(body.get_int("user_id"))
        if body.values.get("after") is None and body.values.get("revision") is None:
            after, baseline = chat.last_message_id, chat.revision  # the next change from now on
        else:
            after = body.get_int("after", 0)
            baseline = wait_baseline(chat, after, body.optional_int("revision"))
        timeout = min(body.get_seconds("timeout", 10.0), MAX_WAIT_SECONDS)
        settle = min(body.get_seconds("settle", 0.0), MAX_WAIT_SECONDS)
        signal = self.state.signal
        found = await signal.wait_until(lambda: has_bot_changes(chat, after, baseline), timeout)
        while found and settle > 0 and not signal.closed:
            seen = chat.revision
            if not await signal.wait_until(partial(_moved_on, chat, seen), settle):
                break
        return web.json_response({**changes_view(self.state, chat, after, baseline), "timed_out": not found})

    async def changes(self, request: web.Request) -> web.Response:
        """GET /sandbox/changes?since=<revision>&timeout=<s>: returns once anything changed."""
        since = Body({"since": request.query.get("since", "0")}).get_int("since")
        timeout = min(Body(dict(request.query)).get_seconds("timeout", 25.0), MAX_WAIT_SECONDS)
        await self.state.signal.wait_until(lambda: self.state.revision != since, timeout)
        return web.json_response({"revision": self.state.revision})

    async def file(self, request: web.Request) -> web.Response:
        """GET /sandbox/files/<file_id>: the bytes, with the document's name for downloading."""
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "no such file")
        headers = {}
        if stored.kind == FileKind.DOCUMENT:
            name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
            headers["Content-Disposition"] = _attachment(name)
        content_type = stored.mime_type or _image_type(stored.data)
        return web.Response(body=stored.data, content_type=content_type, headers=headers)

    async def stats(self, request: web.Request) -> web.Response:
        """GET /sandbox/stats: requests per method, failures per error code."""
        del request
        errors = {str(code): count for code, count in sorted(self.state.errors.items())}
        return web.json_response(
            {
                "requests": dict(sorted(self.state.requests.items())),
                "total_requests": sum(self.state.requests.values()),
                "errors": errors,
                "too_many_requests": self.state.errors.get(429, 0),
                "updates_created": self.state.updates.created,
                "updates_pending": len(self.state.updates.pending),
                "updates_redelivered": self.state.updates.redelivered,
                "webhook_delivered": self.webhook.delivered,
                "webhook_failed_attempts": self.webhook.failed_attempts,
            }
        )

    async def redeliver(self, request: web.Request) -> web.Response:
        """POST /sandbox/redeliver {update_id}: an update made before (default: the newest) once more."""
        body = await Body.read(request)
        update_id = body.optional_int("update_id")
        if update_id is None:
            update_id = self.state.updates.next_update_id - 1
        if not self.state.updates.redeliver(update_id):
            raise ControlError(404, f"no update {update_id} was made")
        self.state.signal.fire()
        return web.json_response({"update_id": update_id, "pending": len(self.state.updates.pending)})

    async def reset(self, request: web.Request) -> web.Response:
        """POST /sandbox/reset: forgets everything but the bot (update ids keep increasing)."""
        del request
        self.state.reset()
        self.api.flood.reset()
        return web.json_response({"ok": True})


def _moved_on(chat: ChatState, revision: int) -> bool:
    return chat.revision != revision


def _attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"
