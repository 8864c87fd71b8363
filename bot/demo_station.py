"""The seeded station's people: its area tree from the seeds' towns and villages, the staff on it
(局领导联系镇、中层干部联系村、民警联系户), and residents spread over the villages.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from bot.demo_data import TOWNS, VILLAGES, Row, person_names, phone_number
from core.config import StationConfig
from core.models import Language, Role


@dataclass(frozen=True, slots=True)
class DemoVillage:
    area_id: int
    officer_id: int
    residents: tuple[int, int]  # first id, count


class DemoStation:
    """The generated station: ids of areas, staff and residents, and the rows to insert."""

    def __init__(self, rng: random.Random, config: StationConfig, now: datetime, residents: int) -> None:
        self.staff: list[Row] = []
        self.areas: list[Row] = []
        self.residents: list[Row] = []
        self.villages: list[DemoVillage] = []
        names = person_names(rng)
        village_names = list(VILLAGES)
        rng.shuffle(village_names)

        def person(role: Role, prefix: str) -> int:
            sid = len(self.staff) + 1
            self.staff.append(
                {
                    "id": sid,
                    "badge": f"{prefix}{sid:04d}",
                    "name": next(names),
                    "role": role.value,
                    "telegram_id": None,
                    "language": Language.ZH_HANS.value,
                    "active": True,
                    "created_at": now,
                }
            )
            return sid

        def area(code: str, name: str, level: str, parent: int | None, **people: int | None) -> int:
            aid = len(self.areas) + 1
            self.areas.append(
                {
                    "id": aid,
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent_id": parent,
                    "position": aid,
                    "officer_id": people.get("officer"),
                    "supervisor_id": people.get("supervisor"),
                    "leader_id": people.get("leader"),
                }
            )
            return aid

        person(Role.ADMIN, "A")
        chief = person(Role.LEADER, "L")
        root = area(config.code, config.name, "station", None, leader=chief)
        leaders = [chief, person(Role.LEADER, "L"), person(Role.LEADER, "L")]
        per_village = max(1, residents // (len(TOWNS) * 7))
        next_resident = 1
        for t, town in enumerate(TOWNS):
            supervisor = person(Role.SUPERVISOR, "S")
            town_id = area(
                f"{config.code}-{t + 1:02d}",
                town,
                "town",
                root,
                supervisor=supervisor,
                leader=leaders[t % len(leaders)],
            )
            for v in range(7):
                officer = person(Role.OFFICER, "P")
                village_id = area(
                    f"{config.code}-{t + 1:02d}-{v + 1:02d}",
                    village_names[t * 7 + v],
                    "village",
                    town_id,
                    officer=officer,
                )
                self.villages.append(DemoVillage(village_id, officer, (next_resident, per_village)))
                next_resident += per_village
        person(Role.FOLLOWUP, "F")  # the follow-up centre's 访评员 (民意访评中心), who calls back
        self.resident_count = next_resident - 1
        self._village_weights = list(accumulate(rng.uniform(0.5, 1.5) for _ in self.villages))

    def resident_rows(self, rng: random.Random, now: datetime) -> Iterator[Row]:
        """One row per demo resident, in their village, nine in ten reading simplified Chinese."""
        names = person_names(rng)
        for village in self.villages:
            first, count = village.residents
            for rid in range(first, first + count):
                roll = rng.random()
                language = Language.ZH_HANS if roll < 0.9 else Language.EN if roll < 0.96 else Language.ZH_HANT
                yield {
                    "id": rid,
                    "telegram_id": None,
                    "first_name": next(names),
                    "language": language.value,
                    "consented_at": now,
                    "area_id": village.area_id,
                    "phone": phone_number(rng),
                    "priority": rng.random() < 0.05,
                    "unreachable": False,
                    "created_at": now,
                    "deleted_at": None,
                }

    def village(self, rng: random.Random) -> DemoVillage:
        """A random village, the larger ones more often."""
        return self.villages[bisect(self._village_weights, rng.random() * self._village_weights[-1])]
