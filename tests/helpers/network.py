"""The test network: a fake Bot API that answers the way Telegram would, and records what the bot sends.

`RecordingRequest` keeps each chat's messages with the files they carry, applies edits, keeps
callback answers, and refuses any method it does not know, so no test can reach the internet.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.request import BaseRequest, RequestData

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
