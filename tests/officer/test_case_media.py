"""The card's “📷 照片和位置”: the officer gets the resident's photos as an album and the location;
nobody else gets anything, whatever callback data they send."""

from __future__ import annotations

from typing import Any

import pytest

from bot.inbox import InboxApplication
from core.cases import filing, resident_actions, working
from core.cases.filing import NewCase
from core.cases.lifecycle import Action
from core.models import Case, Category, Kind
from core.services import Services
from handlers.render import albums
from storage import people
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.officer.desk import alert_text, audit_rows, events, get_case, give_card, grant, make_resident, member

PHOTOS = ("res-photo-1", "res-photo-2", "res-photo-3")
PLACE = (41.12345, 123.54321)
LABEL = "📷 照片和位置"


async def case_with_media(
    services: Services,
    station: Station,
    *,
    photos: tuple[str, ...] = PHOTOS,
    location: tuple[float, float] | None = PLACE,
) -> Case:
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    if resident is None:
        resident = await make_resident(services, station.resident, station.area_ids["village"])
    new = NewCase(
        Kind.DISPUTE, Category.PUBLIC_SECURITY, "楼道里有人堆放杂物，堵住了消防通道。", photos=photos, location=location
    )
    case, _created = await filing.submit(services, resident, new, None)
    return case


def media_calls(log: RecordingRequest) -> list[tuple[str, dict[str, Any]]]:
    return [(m, p) for m, p in log.calls if m in ("sendMediaGroup", "sendPhoto", "sendLocation")]


async def test_the_officer_gets_the_photos_as_an_album_and_the_location(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await case_with_media(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    assert "照片：3 张" in card.text and LABEL in card.labels()
    await bot.press(officer, LABEL, message=card)
    [(method, params), (located, place)] = media_calls(request_log)
    assert method == "sendMediaGroup" and [m["media"] for m in params["media"]] == list(PHOTOS)
    assert located == "sendLocation" and (float(place["latitude"]), float(place["longitude"])) == PLACE
    received = request_log.messages(officer.id)[-4:]
    assert [m.file_id for m in received[:3]] == list(PHOTOS) and len({m.media_group_id for m in received[:3]}) == 1
    assert case.number in received[0].text and "3 张" in received[0].text
    assert received[3].location == PLACE
    assert all(m.reply_to == card.message_id for m in received)  # each answers the card it came from
    assert alert_text(request_log) is None and not card.edited
    assert [(r["action"], r["staff_id"], r["detail"]) for r in await audit_rows(services)] == [
        ("show_media", station.staff_ids["officer"], case.number)
    ]


@pytest.mark.parametrize("who", ["supervisor", "leader"])
async def test_the_supervisor_and_leader_may_look_too(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    who: str,
) -> None:
    case = await case_with_media(services, station, location=None)
    person: Person = getattr(station, who)
    card = await give_card(app, services, request_log, person, station.staff_ids[who], case.id)
    await bot.press(person, LABEL, message=card)
    assert [m for m, _ in media_calls(request_log)] == ["sendMediaGroup"]
    assert [m.file_id for m in request_log.messages(person.id) if m.photo] == list(PHOTOS)


async def test_one_photo_goes_alone_and_only_a_location_goes_alone(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    single = await case_with_media(services, station, photos=("only-photo",), location=None)
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], single.id)
    await bot.press(officer, LABEL, message=card)
    assert [m for m, _ in media_calls(request_log)] == ["sendPhoto"]  # an album needs at least two
    assert request_log.last(officer.id).file_id == "only-photo"
    placed = await case_with_media(services, station, photos=(), location=PLACE)
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], placed.id)
    assert "照片：" not in card.text and LABEL in card.labels()
    await bot.press(officer, LABEL, message=card)
    assert [m for m, _ in media_calls(request_log)] == ["sendPhoto", "sendLocation"]


async def test_a_case_without_photos_or_location_has_no_button(
    app: InboxApplication, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await case_with_media(services, station, photos=(), location=None)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    assert not any("照片" in label for label in card.labels())


def test_albums_hold_two_to_ten_photos() -> None:
    def sizes(n: int) -> list[int]:
        return [len(a) for a in albums([f"p{i}" for i in range(n)])]

    assert sizes(0) == [] and sizes(1) == [1] and sizes(2) == [2] and sizes(10) == [10]
    assert sizes(11) == [6, 5] and sizes(20) == [10, 10] and sizes(21) == [7, 7, 7]
    assert albums(["a", "b", "c"]) == [["a", "b", "c"]]


async def test_someone_elses_token_gets_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """The officer's button replayed by a resident or another officer: the token is not theirs."""
    case = await case_with_media(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    data = card.data_for(LABEL)
    await make_resident(services, station.other_resident, station.area_ids["village"])
    for intruder in (station.other_resident, station.resident, station.officer2):
        await bot.press_data(intruder, data, card)
        assert alert_text(request_log) == "这个按钮是发给其他人的，对您无效。"
        assert request_log.messages(intruder.id) == []
    for forged in ("b:AAAAAAAAAAAAAAAA", f"case_media:{case.id}", f'{{"case_id": {case.id}}}'):
        await bot.press_data(station.officer2, forged, card)
        assert alert_text(request_log) is not None
    assert media_calls(request_log) == [] and await audit_rows(services) == []


async def test_a_grant_for_someone_without_the_case_gets_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """Even a real token of their own does not open another area's case, or a resident's view of it."""
    case = await case_with_media(services, station)
    other = station.officer2  # 光明社区's officer; the case is in 幸福里社区
    data = await grant(services, other, "case_media", {"case_id": case.id})
    await bot.press_data(
        other, data, await give_card(app, services, request_log, other, station.staff_ids["officer2"], case.id)
    )
    assert "只有承办民警" in (alert_text(request_log) or "")
    resident = station.resident
    data = await grant(services, resident, "case_media", {"case_id": case.id})
    await bot.press_data(resident, data, request_log.last(other.id))
    assert "工作人员" in (alert_text(request_log) or "")
    assert request_log.messages(resident.id) == []
    assert media_calls(request_log) == [] and await audit_rows(services) == []


async def test_after_a_transfer_the_old_card_gets_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await case_with_media(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await working.act(
        services,
        await member(services, station.staff_ids["officer"]),
        case.id,
        Action.TRANSFER,
        to_staff_id=station.staff_ids["officer2"],
    )
    assert (await get_case(services, case.id)).assignee_id == station.staff_ids["officer2"]
    await bot.press(officer, LABEL, message=card)
    assert "只有承办民警" in (alert_text(request_log) or "")
    assert media_calls(request_log) == []


async def test_an_event_of_another_case_is_refused(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """A grant naming the officer's case but another case's addition opens nothing."""
    mine = await case_with_media(services, station)
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None
    other = await case_with_media(services, station)
    await resident_actions.add_info(services, resident, other.id, "补充", ("added-x", "added-y"), None)
    [added] = [e for e in await events(services, other.id) if e.action == "add_info"]
    officer = station.officer
    data = await grant(services, officer, "case_media", {"case_id": mine.id, "event_id": added.id})
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], mine.id)
    await bot.press_data(officer, data, card)
    assert alert_text(request_log) is not None
    assert media_calls(request_log) == []
    # The right pair opens exactly that addition's photos.
    data = await grant(services, officer, "case_media", {"case_id": other.id, "event_id": added.id})
    await bot.press_data(officer, data, card)
    [(method, params)] = media_calls(request_log)
    assert method == "sendMediaGroup" and [item["media"] for item in params["media"]] == ["added-x", "added-y"]
