"""A Bot API call's parameters, from a query string, a form, a multipart body or JSON.

Telegram accepts all of them; in forms every value is a string and objects arrive JSON-encoded
(python-telegram-bot sends `reply_markup` that way), in JSON bodies they arrive as themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart body."""

    filename: str
    content_type: str
    data: bytes


class Params:
    """Typed access to the parameters of one call; conversion errors become 400 answers."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        """Reads the query string and the body, whichever encoding it has (body wins)."""
        values: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.body_exists:
            return cls(values)
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request body") from exc
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            values.update(body)
        elif content_type.startswith("multipart/"):
            values.update(await _read_multipart(request))
        else:
            values.update(await request.post())
        return cls(values)

    def has(self, name: str) -> bool:
        """Whether the parameter was sent at all (an empty string counts as sent)."""
        return name in self.values

    def get_str(self, name: str) -> str | None:
        """A string parameter, or None if absent; numbers are accepted and turned into text."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str) -> int | None:
        """An integer parameter, or None if absent or empty."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise bad_request(f'field "{name}" must be of type Integer') from exc

    def get_float(self, name: str) -> float | None:
        """A number parameter, or None if absent or empty."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Float')
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f'field "{name}" must be of type Float') from exc

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter: true/false, 1/0 (as text or JSON)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_json(self, name: str) -> Any:
        """An object or array parameter: JSON-encoded text in forms, itself in JSON bodies."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def get_upload(self, name: str) -> Upload | None:
        """The file sent in the multipart part `name`, if it is a file."""
        value = self.values.get(name)
        return value if isinstance(value, Upload) else None


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            return values
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read())
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            values[part.name] = Upload(_file_name(part), content_type, data)
        else:
            values[part.name] = data.decode(part.get_charset("utf-8"))


def _file_name(part: BodyPartReader) -> str:
    """The part's file name; RFC 5987 `filename*=UTF-8''...` is percent-decoded (aiohttp leaves it)."""
    name = part.filename or ""
    if "filename*=" in part.headers.get("Content-Disposition", ""):
        return unquote(name)
    return name
