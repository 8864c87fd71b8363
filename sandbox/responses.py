"""How Bot API answers are written: `{"ok": true, "result": ...}` or Telegram's error object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError


@dataclass(frozen=True)
class Described:
    """A result that Telegram sends with a `description` beside it (setWebhook, deleteWebhook)."""

    result: Any
    description: str


def dumps(body: Any) -> str:
    """JSON as Telegram writes it (UTF-8, not ASCII-escaped)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def ok_response(result: Any) -> web.Response:
    """HTTP 200 with the method's result."""
    body: dict[str, Any] = {"ok": True}
    if isinstance(result, Described):
        body["result"] = result.result
        body["description"] = result.description
    else:
        body["result"] = result
    return web.Response(text=dumps(body), content_type="application/json")


def error_response(error: ApiError) -> web.Response:
    """The HTTP status is the error_code, as with Telegram."""
    return web.Response(status=error.error_code, text=dumps(error.to_json()), content_type="application/json")
