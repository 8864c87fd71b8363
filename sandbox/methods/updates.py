"""Getting updates: getUpdates (long polling) or a webhook, never both."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import WebhookInfo

from sandbox.errors import bad_request, conflict
from sandbox.params import Params
from sandbox.responses import Described
from sandbox.state import WebhookConfig

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

WEBHOOK_IS_SET = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
OTHER_GETUPDATES = "terminated by other getUpdates request; make sure that only one bot instance is running"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_LIMIT = 100


def _allowed_updates(params: Params) -> list[str] | None:
    raw = params.get_json("allowed_updates")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(kind, str) for kind in raw):
        raise bad_request("can't parse allowed_updates JSON object")
    return raw


async def get_updates(api: BotApi, params: Params) -> Any:
    """getUpdates: confirms below `offset`, then waits up to `timeout` s for the first update."""
    state = api.state
    if state.webhook is not None:
        raise conflict(WEBHOOK_IS_SET)
    offset = params.get_int("offset")
    if offset:
        state.updates.confirm(offset)
    if params.has("allowed_updates"):
        state.updates.set_allowed(_allowed_updates(params))
    limit = min(max(params.get_int("limit") or MAX_LIMIT, 1), MAX_LIMIT)
    timeout = max(params.get_float("timeout") or 0.0, 0.0)
    state.getupdates_generation += 1
    generation = state.getupdates_generation
    state.signal.fire()  # an older long poll ends with 409, as in Telegram

    def ready() -> bool:
        return bool(state.updates.pending) or state.getupdates_generation != generation or state.webhook is not None

    await state.signal.wait_until(ready, timeout)
    if state.getupdates_generation != generation:
        raise conflict(OTHER_GETUPDATES)
    if state.webhook is not None:
        raise conflict(WEBHOOK_IS_SET)
    batch = list(state.updates.pending)[:limit]
    state.updates.handed_out([update_id for update_id, _ in batch])
    return [body for _, body in batch]


async def set_webhook(api: BotApi, params: Params) -> Any:
    """setWebhook (an empty url deletes it). Unlike Telegram, plain http and any port are allowed."""
    url = params.get_str("url") or ""
    if not url:
        return await delete_webhook(api, params)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = params.get_str("secret_token")
    if secret is not None and secret != "" and not _SECRET.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = params.get_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = _allowed_updates(params)
    if params.get_bool("drop_pending_updates"):
        api.state.updates.clear()
    if params.has("allowed_updates"):
        api.state.updates.set_allowed(allowed)
    already = api.state.webhook is not None and api.state.webhook.url == url
    api.state.webhook = WebhookConfig(url, secret or None, max_connections, allowed)
    api.state.signal.fire()
    return Described(True, "Webhook is already set" if already else "Webhook was set")


async def delete_webhook(api: BotApi, params: Params) -> Any:
    """deleteWebhook; drop_pending_updates forgets what was not delivered."""
    was_set = api.state.webhook is not None
    api.state.webhook = None
    if params.get_bool("drop_pending_updates"):
        api.state.updates.clear()
    api.state.signal.fire()
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


async def get_webhook_info(api: BotApi, params: Params) -> Any:
    """getWebhookInfo, with the last delivery error if any."""
    del params
    config = api.state.webhook
    pending = len(api.state.updates.pending)
    if config is None:
        return WebhookInfo("", has_custom_certificate=False, pending_update_count=pending).to_dict()
    return WebhookInfo(
        config.url,
        has_custom_certificate=False,
        pending_update_count=pending,
        last_error_date=config.last_error_date,
        last_error_message=config.last_error_message,
        max_connections=config.max_connections,
        allowed_updates=config.allowed_updates,
        ip_address="127.0.0.1",
    ).to_dict()


METHODS = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
