"""Drives the real Application with updates built from JSON, and records what the bot sends.

`RecordingRequest` is the network: it answers Bot API calls the way Telegram would (a chat
keeps its messages with the files they carry, edits change them, callback answers are kept) and
refuses anything else, so no test can reach the internet.
"""

from __future__ import annotations

import itertools
import json
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.inbox import InboxApplication
from core.services import Services
from scheduler.dispatcher import Dispatcher
from scheduler.job_worker import JobWorker
from scheduler.jobs import make_transport

BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "警民连心桥", "username": "jingmin_test_bot"}


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    document: str | None = None
    photo: bool = False
    edited: bool = False
    # The uploaded file of a sendDocument or sendPhoto, as the recipient would download it.
    filename: str | None = None
    content: bytes | None = field(default=None, repr=False)
    # A photo sent again by its Telegram file id (a stored photo of a resident).
    file_id: str | None = None
    # Photos sent together by sendMediaGroup share this id.
    media_group_id: str | None = None
    location: tuple[float, float] | None = None
    reply_to: int | None = None

    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def data_for(self, label_part: str) -> str:
        for row in self.buttons:
            for button in row:
                if label_part in button["text"]:
                    return str(button["callback_data"])
        raise AssertionError(f"no button containing {label_part!r} in {self.labels()}")


class RecordingRequest(BaseRequest):
    """A fake Bot API that records every call and answers like Telegram."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.chats: dict[int, list[Sent]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        # Chats whose next call fails as a Telegram outage would (502), once.
        self.fail_once: set[int] = set()
        # Telegram refuses answers to old button presses (e.g. ones handled after a restart).
        self.queries_too_old = False
        self._ids = itertools.count(1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        params = {k: _decode(v) for k, v in params.items()}
        # Uploaded files travel as multipart fields, not JSON: kept as (filename, bytes) by field name.
        files = request_data.multipart_data if request_data else {}
        for name, (filename, content, *_mimetype) in files.items():
            params[name] = (filename, content if isinstance(content, bytes) else content.read())
        self.calls.append((api_method, params))
        handler = getattr(self, "_" + api_method, None)
        if handler is None:
            raise AssertionError(f"the bot called {api_method}, which this test network does not answer")
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked:
            return 403, json.dumps(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            ).encode()
        if chat_id is not None and int(chat_id) in self.fail_once:
            self.fail_once.discard(int(chat_id))
            return 502, json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
        if api_method == "answerCallbackQuery" and self.queries_too_old:
            description = "Bad Request: query is too old and response timeout expired or query ID is invalid"
            return 400, json.dumps({"ok": False, "error_code": 400, "description": description}).encode()
        try:
            result = handler(params)
        except BadRequestAnswer as refused:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {refused}"}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- methods ---------------------------------------------------------------------------

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.callback_answers.append(params)
        return True

    def _store(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup") or {}
        reply = params.get("reply_parameters") or {}
        sent = Sent(
            chat_id=chat_id,
            message_id=next(self._ids),
            text=params.get("text") or params.get("caption") or "",
            buttons=markup.get("inline_keyboard", []),
            reply_keyboard=markup.get("keyboard", []),
            reply_to=reply.get("message_id"),
            **extra,
        )
        self.chats.setdefault(chat_id, []).append(sent)
        return _message(sent)

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params)

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, document="document", **_upload(params.get("document")))

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, photo=True, **_upload(params.get("photo")))

    def _sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An album: 2–10 photos, each its own message with the album's media_group_id."""
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise BadRequestAnswer("wrong number of media in the album: must be 2-10")
        if any(item.get("type") != "photo" for item in media):
            raise BadRequestAnswer("this test network takes albums of photos only")
        group = f"album-{next(self._ids)}"
        results = []
        for item in media:
            reference = item["media"]
            upload = params.get(reference.removeprefix("attach://")) if reference.startswith("attach://") else None
            fields = _upload(upload) if upload is not None else {"file_id": reference}
            results.append(
                self._store(
                    {
                        "chat_id": params["chat_id"],
                        "caption": item.get("caption"),
                        "reply_parameters": params.get("reply_parameters"),
                    },
                    photo=True,
                    media_group_id=group,
                    **fields,
                )
            )
        return results

    def _sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, location=(float(params["latitude"]), float(params["longitude"])))

    def _find(self, params: dict[str, Any]) -> Sent:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for sent in self.chats.get(chat_id, []):
            if sent.message_id == message_id:
                return sent
        raise AssertionError(f"edit of unknown message {message_id} in chat {chat_id}")

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._find(params)
        sent.text = params["text"]
        sent.buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        sent.edited = True
        return _message(sent)

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._find(params)
        sent.buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        sent.edited = True
        return _message(sent)

    # --- reading ---------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[Sent]:
        return self.chats.get(chat_id, [])

    def last(self, chat_id: int) -> Sent:
        found = self.messages(chat_id)
        assert found, f"the bot sent nothing to {chat_id}"
        return found[-1]

    def last_with_buttons(self, chat_id: int) -> Sent:
        for sent in reversed(self.messages(chat_id)):
            if sent.buttons:
                return sent
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    def texts(self, chat_id: int) -> str:
        return "\n---\n".join(s.text for s in self.messages(chat_id))


class BadRequestAnswer(Exception):
    """What the test network answers with a 400, as Telegram would (the text after "Bad Request: ")."""


def _upload(value: Any) -> dict[str, Any]:
    """The filename and bytes of an uploaded file; a file sent again by its file_id carries only that."""
    if isinstance(value, tuple):
        filename, content = value
        return {"filename": filename, "content": content}
    if isinstance(value, str) and value:
        return {"file_id": value}
    return {}


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _message(sent: Sent) -> dict[str, Any]:
    result: dict[str, Any] = {
        "message_id": sent.message_id,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": sent.chat_id, "type": "private"},
        "from": BOT_USER,
        "text": sent.text,
    }
    if sent.buttons:
        result["reply_markup"] = {"inline_keyboard": sent.buttons}
    return result


@dataclass
class Person:
    id: int
    first_name: str
    language_code: str = "zh-hans"

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}


class Harness:
    """Builds updates for people and hands them to the application as polling would."""

    def __init__(
        self,
        app: InboxApplication,
        request: RecordingRequest,
        first_update_id: int = 1000,
        job_executor: Executor | None = None,
    ) -> None:
        self.app = app
        self.request = request
        services: Services = app.bot_data["services"]
        # The bot's own transport: sends, and redraws earlier messages in place.
        self.dispatcher = Dispatcher(
            services.db,
            services.clock,
            make_transport(app.bot, services),
            worker_id="test",
            renderers=services.renderers,
        )
        # Exports and charts, done in a child process as the running bot does them.
        self.jobs = JobWorker(services, worker_id="test-jobs", executor=job_executor)
        self._update_ids = itertools.count(first_update_id)
        # A user's messages and the bot's share one numbering, as in a Telegram private chat (where
        # a reply is numbered right after the message it answers).
        self._message_ids = request._ids

    def _message(self, person: Person, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": person.id, "type": "private", "first_name": person.first_name},
            "from": person.as_user(),
            **content,
        }

    async def feed(self, payload: dict[str, Any], update_id: int | None = None) -> Update:
        """Hands one update to the application and waits until it is handled."""
        payload = {"update_id": update_id if update_id is not None else next(self._update_ids), **payload}
        update = Update.de_json(payload, self.app.bot)
        await self.app.update_queue.put(update)
        # The application is not running its fetcher in tests: handle what the queue holds.
        while not self.app.update_queue.empty():
            queued = await self.app.update_queue.get()
            await self.app.process_update(queued)
        return update

    async def deliver(self) -> int:
        """Sends what the outbox holds that is due now, as the scheduler would."""
        stats = await self.dispatcher.drain()
        return stats.sent

    async def finish_jobs(self) -> int:
        """Does the queued exports and charts, then sends what they queued; how many jobs ran."""
        done = await self.jobs.drain()
        await self.deliver()
        return len(done)

    def text_update(self, person: Person, text: str) -> Update:
        """The update a text (or a /command) from `person` arrives as, not handed over yet."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        payload = {"update_id": next(self._update_ids), "message": self._message(person, **content)}
        return Update.de_json(payload, self.app.bot)

    async def send(self, person: Person, text: str) -> Update:
        update = self.text_update(person, text)
        return await self.feed(update.to_dict(), update_id=update.update_id)

    async def press(self, person: Person, label_part: str, *, message: Sent | None = None) -> Update:
        """Presses the button whose label contains `label_part` on the latest message that has it."""
        target = message
        if target is None:
            for sent in reversed(self.request.messages(person.id)):
                if any(label_part in label for label in sent.labels()):
                    target = sent
                    break
        assert target is not None, f"no button {label_part!r} in {person.first_name}'s chat"
        return await self.press_data(person, target.data_for(label_part), target)

    async def press_data(self, person: Person, data: str, message: Sent) -> Update:
        query = {
            "id": str(next(self._update_ids)),
            "from": person.as_user(),
            "chat_instance": "1",
            "data": data,
            "message": _message(message),
        }
        return await self.feed({"callback_query": query})

    async def contact(self, person: Person, phone: str, *, own: bool = True) -> Update:
        contact = {"phone_number": phone, "first_name": person.first_name, "user_id": person.id if own else 42}
        return await self.feed({"message": self._message(person, contact=contact)})

    async def photo(
        self, person: Person, file_id: str = "photo-1", *, caption: str | None = None, album: str | None = None
    ) -> Update:
        """A photo from `person`; photos sent as one album share `album` (their media_group_id)."""
        sizes = [{"file_id": file_id, "file_unique_id": file_id + "u", "width": 320, "height": 240}]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        if album is not None:
            content["media_group_id"] = album
        return await self.feed({"message": self._message(person, **content)})

    async def album(self, person: Person, file_ids: list[str], *, caption: str | None = None) -> None:
        """Photos sent together: Telegram delivers them as one update each, sharing a media_group_id."""
        group = f"group-{next(self._message_ids)}"
        for index, file_id in enumerate(file_ids):
            await self.photo(person, file_id, caption=caption if index == 0 else None, album=group)

    async def document(
        self, person: Person, file_id: str = "doc-1", *, mime_type: str = "image/jpeg", file_name: str = "IMG_0001.jpg"
    ) -> Update:
        """A file sent as a document (an image sent "as a file" keeps its image/* mime type)."""
        document = {"file_id": file_id, "file_unique_id": file_id + "u", "mime_type": mime_type, "file_name": file_name}
        return await self.feed({"message": self._message(person, document=document)})

    async def location(self, person: Person, latitude: float, longitude: float) -> Update:
        location = {"latitude": latitude, "longitude": longitude}
        return await self.feed({"message": self._message(person, location=location)})

    async def sticker(self, person: Person) -> Update:
        sticker = {
            "file_id": "stk",
            "file_unique_id": "stku",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self.feed({"message": self._message(person, sticker=sticker)})
