"""A role changed outside the chat (the CLI's `staff role`, a new invitation for a badge) reaches
the staff member's command menu through the outbox: the sender sets it for their chat."""

from __future__ import annotations

import json
from typing import Any

from core import enrolment
from core.models import Role
from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest


def menu_of(request_log: RecordingRequest, chat_id: int) -> list[dict[str, Any]] | None:
    """The last command menu set for the chat's own scope, as Telegram received it."""
    found = None
    for method, params in request_log.calls:
        if method != "setMyCommands":
            continue
        scope = params.get("scope")
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if scope and scope.get("chat_id") == chat_id:
            commands = params["commands"]
            found = json.loads(commands) if isinstance(commands, str) else commands
    return found


async def test_a_role_change_sets_the_chats_menu_through_the_outbox(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    assert menu_of(request_log, station.officer.id) is None
    member, before = await enrolment.change_role(services, "031001", Role.SUPERVISOR)
    assert (before, member.role) == (Role.OFFICER, Role.SUPERVISOR)
    assert await bot.deliver() == 1
    menu = menu_of(request_log, station.officer.id)
    assert menu is not None
    assert [c["command"] for c in menu][-4:] == ["stats", "export", "alert", "help"]
    assert {c["command"]: c["description"] for c in menu}["export"] == "导出销号台账（表格）"
    assert request_log.messages(station.officer.id) == []  # a menu, not a message


async def test_a_new_invitation_with_another_role_also_moves_the_menu(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await enrolment.create_invite(services, name="李明", role=Role.FOLLOWUP, badge="031002")
    await bot.deliver()
    menu = menu_of(request_log, station.officer2.id)
    assert menu is not None and [c["command"] for c in menu] == ["calls", "help"]


async def test_the_same_role_again_queues_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await enrolment.change_role(services, "031001", Role.OFFICER)
    assert await bot.deliver() == 0
