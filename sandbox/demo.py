"""The demo station: its area tree and staff, enrolled through real invitations, plus residents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import area_import, enrolment
from core.models import Language, Role
from core.services import Services
from sandbox.server import SandboxServer

DEMO_FILE = Path(__file__).parent / "data" / "demo_station.yaml"


@dataclass(frozen=True, slots=True)
class DemoPerson:
    user_id: int
    first_name: str
    badge: str | None = None  # staff are enrolled by badge; residents have none
    language: str = "zh-hans"  # their Telegram's language, which the bot offers first


DEMO_PEOPLE = (
    DemoPerson(9200, "赵国强", "031200"),
    DemoPerson(9100, "张丽华", "031100"),
    DemoPerson(9001, "王建国", "031001"),
    DemoPerson(9002, "李明", "031002"),
    DemoPerson(5001, "刘阿姨"),
    DemoPerson(5002, "陳美玲", language="zh-hant"),
    DemoPerson(5003, "Emily", language="en"),
)


async def seed(services: Services, server: SandboxServer) -> None:
    """Imports the demo area file and enrols its staff as sandbox users, as a station would."""
    await area_import.import_file(services, DEMO_FILE)
    for person in DEMO_PEOPLE:
        # Staff enrol by opening their invitation link, which starts the chat with the bot.
        server.add_user(
            person.user_id, person.first_name, language_code=person.language, started=person.badge is not None
        )
        if person.badge is None:
            continue
        existing = await enrolment.staff_for(services, person.user_id)
        if existing is not None:
            continue
        role = {"031200": Role.LEADER, "031100": Role.SUPERVISOR}.get(person.badge, Role.OFFICER)
        invite = await enrolment.create_invite(services, name=person.first_name, role=role, badge=person.badge)
        await enrolment.enroll(services, invite.code, person.user_id, Language.ZH_HANS)
