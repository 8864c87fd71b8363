"""Webhook delivery: POSTs each pending update to the bot's URL, in order, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import partial
from typing import Any

import aiohttp

from sandbox.records import now_utc
from sandbox.state import SandboxState, WebhookConfig

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 -- a header name


class WebhookDelivery:
    """Delivers updates while a webhook is set; an update is done when the bot answers 2xx."""

    def __init__(
        self,
        state: SandboxState,
        *,
        first_retry_delay: float = 0.2,
        max_retry_delay: float = 10.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.state = state
        self.first_retry_delay = first_retry_delay
        self.max_retry_delay = max_retry_delay
        self.request_timeout = request_timeout
        self.delivered = 0
        self.failed_attempts = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Starts the delivery loop (it idles while no webhook is set)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook-delivery")

    async def stop(self) -> None:
        """Stops delivering, abandoning a request in flight."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            failures = 0
            while not self.state.signal.closed:
                await self.state.signal.wait_until(self._has_work, within=3600)
                config = self.state.webhook
                if config is None or not self.state.updates.pending:
                    continue
                update_id, body = self.state.updates.pending[0]
                error = await self._post(session, config, body)
                if error is None:
                    failures = 0
                    self.delivered += 1
                    pending = self.state.updates.pending
                    if pending and pending[0][0] == update_id:
                        pending.popleft()
                    continue
                failures += 1
                self.failed_attempts += 1
                config.last_error_date = now_utc()
                config.last_error_message = error
                log.info("Webhook delivery of update %s failed: %s", update_id, error)
                delay = min(self.first_retry_delay * 2 ** (failures - 1), self.max_retry_delay)
                await self.state.signal.wait_until(partial(self._replaced, config), within=delay)

    def _replaced(self, config: WebhookConfig) -> bool:
        return self.state.webhook is not config

    def _has_work(self) -> bool:
        return self.state.webhook is not None and bool(self.state.updates.pending)

    async def _post(self, session: aiohttp.ClientSession, config: WebhookConfig, body: dict[str, Any]) -> str | None:
        """Sends one update; None when the bot took it, else Telegram's wording of the failure."""
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        try:
            async with session.post(config.url, data=json.dumps(body, ensure_ascii=False), headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason or ''}".strip()
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc}"
