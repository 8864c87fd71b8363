"""Drives the real Application with updates built from JSON, and records what the bot sends.

`RecordingRequest` (in tests/helpers/network.py) is the network: it answers Bot API calls the way
Telegram would and refuses anything else, so no test can reach the internet. `Harness` builds the
updates a person sends and hands them to the application as polling would.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.inbox import InboxApplication
from core.services import Services
from scheduler.dispatcher import Dispatcher
from scheduler.job_worker import JobWorker
from scheduler.jobs import make_transport
from tests.helpers.network import RecordingRequest, Sent, _message

# The network's names are imported from here by many tests; they live in tests/helpers/network.py.
__all__ = ["Harness", "Person", "RecordingRequest", "Sent", "_message"]


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
