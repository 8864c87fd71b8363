"""Pointing a case's card buttons at another action: only that case's, only those actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.services import Services
from storage import buttons

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_only_the_cases_buttons_of_the_given_actions_are_retargeted(services: Services) -> None:
    later = NOW + timedelta(days=1)
    async with services.db.write() as conn:
        await buttons.insert(conn, "a", 501, "case_accept", {"case_id": 1, "version": 3}, NOW, later)
        await buttons.insert(conn, "b", 502, "case_timeline", {"case_id": 1}, NOW, later)
        await buttons.insert(conn, "c", 501, "case_accept", {"case_id": 12, "version": 1}, NOW, later)
        await buttons.insert(conn, "d", 501, "case_accept", {"case_id": 10}, NOW, later)
        await buttons.insert(conn, "e", 503, "my_case_open", {"case_id": 1}, NOW, later)
        assert await buttons.retarget_for_case(conn, 1, ["case_accept", "case_timeline"], "case_closed") == 2
        found = {token: await buttons.get(conn, token) for token in "abcde"}
    actions = {token: grant.action for token, grant in found.items() if grant is not None}
    assert actions == {
        "a": "case_closed",
        "b": "case_closed",
        "c": "case_accept",
        "d": "case_accept",
        "e": "my_case_open",
    }
    assert found["a"] is not None and found["a"].payload == {"case_id": 1, "version": 3}
