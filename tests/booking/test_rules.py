"""The booking rules in core: the ledger entry, limits, taken slots, reschedule and cancel, the station's
answers, outcomes, the sweep, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.booking import by_resident, by_station, policy, sweep, times
from core.booking.slots import Booking, BookingStatus, Slot, Topic
from core.cases import resident_actions, working
from core.cases.lifecycle import Action
from core.cases.texts import case_summary
from core.models import Category, Kind, Language, Resident, Role, Staff, Status
from core.services import Services
from storage import areas as area_repo
from storage import cases, people
from tests.booking.conftest import case_of, claims, events_of, make_resident, outbox_rows
from tests.conftest import Station
from tests.helpers.clock import FakeClock

B = BookingStatus


async def request(services: Services, resident: Resident, slot: Slot, update_id: int | None = None) -> Booking:
    return await by_resident.request(
        services,
        resident,
        topic=Topic.EXIT_ENTRY,
        description="护照到期，想咨询续签",
        starts_at=slot.starts_at,
        update_id=update_id,
    )


async def test_a_request_files_a_consultation_case_and_claims_the_slot(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0], update_id=77)
    assert booking.status is B.REQUESTED and booking.officer_id == staff["officer"].id
    assert booking.video_url == f"https://meet.jit.si/{booking.room}" and len(booking.room) >= 24
    assert booking.confirm_due_at == booking.starts_at - timedelta(minutes=30)  # today: before the meeting
    case = await case_of(services, booking.case_id)
    assert case.kind is Kind.CONSULTATION and case.category is Category.EXIT_ENTRY
    assert case.status is Status.SUBMITTED and case.assignee_id == staff["officer"].id
    assert case.number == "XF-20261123-0001" and case.ack_due_at is None
    assert case.resolve_due_at is not None and case.resolve_due_at > booking.ends_at
    assert await claims(services) == [(staff["officer"].id, booking.starts_at, booking.id)]
    [card] = await outbox_rows(services, booking.id)
    assert card.kind == "booking_card" and card.chat_id == 9001 and card.payload["reason"] == "new"
    # Replaying the update finds the same booking.
    again = await request(services, resident, slots[3], update_id=77)
    assert again.id == booking.id and len(await claims(services)) == 1


async def test_the_confirmation_deadline_is_24_hours_for_later_slots(services: Services, resident: Resident) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[-1])
    assert booking.confirm_due_at == booking.created_at + timedelta(hours=24)


async def test_at_most_two_open_bookings(services: Services, resident: Resident) -> None:
    slots = await times.slots_for(services, resident)
    first = await request(services, resident, slots[0])
    await request(services, resident, slots[1])
    with pytest.raises(policy.BookingError) as refused:
        await request(services, resident, slots[2])
    assert refused.value.reason == policy.LIMIT and refused.value.values == {"limit": 2}
    await by_resident.cancel_by_resident(services, resident, first.id, first.version)
    assert (await request(services, resident, slots[2])).status is B.REQUESTED


async def test_a_taken_slot_is_refused_with_the_next_free_ones_and_nothing_left_behind(
    services: Services, resident: Resident, station: Station
) -> None:
    neighbour = await make_resident(services, 5002, "陈先生", station.area_ids["village"])
    slots = await times.slots_for(services, resident)
    await request(services, resident, slots[2])
    with pytest.raises(policy.SlotTaken) as lost:
        await request(services, neighbour, slots[2])
    assert lost.value.reason == policy.TAKEN
    assert [s.starts_at for s in lost.value.alternatives] == [s.starts_at for s in slots[3:8]]
    # The loser's case was rolled back with the claim: the next case takes the next number.
    second = await request(services, neighbour, slots[3])
    assert (await case_of(services, second.case_id)).number == "XF-20261123-0002"


async def test_a_time_outside_the_hours_is_gone(services: Services, resident: Resident) -> None:
    slots = await times.slots_for(services, resident)
    saturday = Slot(slots[0].starts_at + timedelta(days=5), slots[0].ends_at + timedelta(days=5))
    with pytest.raises(policy.SlotTaken) as lost:
        await request(services, resident, saturday)
    assert lost.value.reason == policy.GONE and lost.value.alternatives


async def test_no_officer_for_the_area(services: Services, station: Station, hours: object) -> None:
    async with services.db.write() as conn:  # an area outside the tree, with nobody in charge
        orphan = await area_repo.upsert(conn, "XX-01", name="飞地", level="village", parent_id=None, position=9)
    nobody = await make_resident(services, 5003, "赵大爷", orphan)
    with pytest.raises(policy.BookingError) as refused:
        await times.slots_for(services, nobody)
    assert refused.value.reason == policy.NO_OFFICER


async def test_reschedule_moves_the_claim_and_asks_for_confirmation_again(
    services: Services, resident: Resident, staff: dict[str, Staff], clock: FakeClock
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[-1])
    booking = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    clock.advance(hours=1)
    moved = await by_resident.reschedule(services, resident, booking.id, booking.version, slots[-2].starts_at)
    assert moved.status is B.REQUESTED and moved.starts_at == slots[-2].starts_at and moved.confirmed_at is None
    assert moved.confirm_due_at == clock.now() + timedelta(hours=24)
    assert [c[1] for c in await claims(services)] == [slots[-2].starts_at]
    assert "booking_moved" in await events_of(services, booking.case_id)
    with pytest.raises(policy.BookingError) as stale:
        await by_resident.reschedule(services, resident, booking.id, booking.version, slots[-3].starts_at)
    assert stale.value.reason == policy.CHANGED
    with pytest.raises(policy.BookingError) as same:
        await by_resident.reschedule(services, resident, moved.id, moved.version, moved.starts_at)
    assert same.value.reason == policy.SAME_TIME


async def test_reschedule_and_cancel_end_at_the_minimum_notice(
    services: Services, resident: Resident, clock: FakeClock
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0])  # today 14:30
    clock.set(booking.starts_at - timedelta(hours=2))  # exactly two hours before: still allowed
    assert policy.may_change(policy.DEFAULT_SETTINGS, booking, clock.now())
    clock.advance(minutes=1)
    assert not policy.may_change(policy.DEFAULT_SETTINGS, booking, clock.now())
    later = (await times.slots_for(services, resident))[-1]
    for attempt in (
        by_resident.reschedule(services, resident, booking.id, booking.version, later.starts_at),
        by_resident.cancel_by_resident(services, resident, booking.id, booking.version),
    ):
        with pytest.raises(policy.BookingError) as too_late:
            await attempt
        assert too_late.value.reason == policy.TOO_LATE and too_late.value.values == {"notice": timedelta(hours=2)}


async def test_cancel_withdraws_the_case_frees_the_slot_and_tells_the_officer(
    services: Services, resident: Resident, station: Station
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0])
    other = await make_resident(services, 5002, "陈先生", station.area_ids["village"])
    with pytest.raises(policy.BookingError) as not_theirs:
        await by_resident.cancel_by_resident(services, other, booking.id, booking.version)
    assert not_theirs.value.reason == policy.NOT_FOUND
    cancelled = await by_resident.cancel_by_resident(services, resident, booking.id, booking.version)
    assert cancelled.status is B.CANCELLED and cancelled.cancelled_by == policy.BY_RESIDENT
    assert (await case_of(services, booking.case_id)).status is Status.WITHDRAWN
    assert await claims(services) == []
    assert [r.payload["reason"] for r in await outbox_rows(services, booking.id)] == ["new", "cancelled"]
    assert slots[0].starts_at in [s.starts_at for s in await times.slots_for(services, other)]


async def test_confirm_accepts_the_case_and_schedules_the_messages(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    slot = (await times.slots_for(services, resident))[-1]  # in 14 days: every reminder is ahead
    booking = await request(services, resident, slot)
    confirmed = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    assert confirmed.status is B.CONFIRMED and confirmed.confirmed_at is not None
    case = await case_of(services, booking.case_id)
    assert case.status is Status.ACCEPTED and case.accepted_at is not None
    assert case.ack_due_at == booking.confirm_due_at  # the statistics compare the answer with this
    rows = {
        r.dedupe_key.rsplit(":", 2)[-2] if r.kind == "booking_card" else r.dedupe_key.rsplit(":", 1)[-1]: r
        for r in await outbox_rows(services, booking.id)
        if f":v{confirmed.version}:" in r.dedupe_key
    }
    assert set(rows) == {"confirmed", "r1440m", "r60m", "start", "reminder", "outcome"}
    start = confirmed.starts_at
    # The station's news, so quiet hours would hold it (tests/booking/test_quiet_hours.py); the reminders not.
    assert rows["confirmed"].due_at == confirmed.confirmed_at and not rows["confirmed"].urgent
    assert rows["r1440m"].due_at == start - timedelta(hours=24) and rows["r60m"].due_at == start - timedelta(hours=1)
    assert rows["start"].due_at == start and rows["reminder"].due_at == start - timedelta(minutes=15)
    assert rows["outcome"].due_at == confirmed.ends_at
    assert all(r.urgent for what, r in rows.items() if what != "confirmed")
    assert all(f":{start:%Y%m%dT%H%M}:" in r.dedupe_key for r in rows.values())
    with pytest.raises(policy.BookingError) as twice:
        await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    assert twice.value.reason == policy.MOVED_ON


async def test_propose_holds_the_new_time_and_the_resident_accepts(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0])
    proposed = await by_station.propose(services, staff["officer"], booking.id, booking.version, slots[5].starts_at)
    assert proposed.status is B.PROPOSED and proposed.pending_start == slots[5].starts_at
    assert [c[1] for c in await claims(services)] == [slots[5].starts_at]
    assert (await case_of(services, booking.case_id)).status is Status.ACCEPTED
    confirmed = await by_resident.accept_proposal(services, resident, booking.id, proposed.version)
    assert confirmed.status is B.CONFIRMED and confirmed.starts_at == slots[5].starts_at
    assert confirmed.ends_at == slots[5].ends_at and confirmed.proposed_starts_at is None
    assert "booking_confirmed" in await events_of(services, booking.case_id)


async def test_propose_a_taken_time_offers_others(
    services: Services, resident: Resident, station: Station, staff: dict[str, Staff]
) -> None:
    neighbour = await make_resident(services, 5002, "陈先生", station.area_ids["village"])
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0])
    await request(services, neighbour, slots[1])
    with pytest.raises(policy.SlotTaken) as lost:
        await by_station.propose(services, staff["officer"], booking.id, booking.version, slots[1].starts_at)
    assert slots[1].starts_at not in [s.starts_at for s in lost.value.alternatives]


async def test_decline_rejects_the_case_with_the_reason(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    declined = await by_station.decline(services, staff["officer"], booking.id, booking.version, "请到出入境窗口办理")
    assert declined.status is B.DECLINED and declined.cancel_reason == "请到出入境窗口办理"
    case = await case_of(services, booking.case_id)
    assert case.status is Status.REJECTED and case.closed_at is not None and case.close_reason == "rejected"
    assert await claims(services) == []


async def test_the_officer_calls_it_off_and_the_resident_picks_a_new_time(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await request(services, resident, slots[0])
    booking = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    called_off = await by_station.cancel_by_officer(services, staff["officer"], booking.id, booking.version, "临时出警")
    assert called_off.status is B.CANCELLED and called_off.cancelled_by == policy.BY_STAFF
    assert (await case_of(services, booking.case_id)).status is Status.ACCEPTED  # the case goes on
    notice = (await outbox_rows(services, booking.id))[-1]
    assert notice.payload["what"] == "cancelled" and len(notice.payload["offer"]) == 4
    case = await case_of(services, booking.case_id)
    assert policy.rebookable(called_off, case)
    again = await by_resident.reschedule(services, resident, booking.id, called_off.version, slots[4].starts_at)
    assert again.status is B.REQUESTED and again.cancel_reason is None


async def test_outcomes_are_recorded_after_the_start_only(
    services: Services, resident: Resident, staff: dict[str, Staff], clock: FakeClock
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    booking = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    with pytest.raises(policy.BookingError) as early:
        await by_station.record_outcome(services, staff["officer"], booking.id, booking.version, B.HELD, None)
    assert early.value.reason == policy.NOT_STARTED
    clock.set(booking.ends_at)
    held = await by_station.record_outcome(services, staff["officer"], booking.id, booking.version, B.HELD, "已解答")
    assert held.status is B.HELD and held.outcome_note == "已解答"
    assert "held" in await events_of(services, booking.case_id)
    resolved = await working.act(services, staff["officer"], booking.case_id, Action.RESOLVE, note="已解答")
    assert resolved.status is Status.RESOLVED


async def test_no_show_is_counted_and_the_resident_told(
    services: Services, resident: Resident, staff: dict[str, Staff], clock: FakeClock
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    booking = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    clock.set(booking.starts_at + timedelta(minutes=10))
    await by_station.record_outcome(services, staff["officer"], booking.id, booking.version, B.NO_SHOW, None)
    assert "no_show" in await events_of(services, booking.case_id)
    assert (await outbox_rows(services, booking.id))[-1].payload["what"] == "no_show"


async def test_officer_no_show_offers_new_times(
    services: Services, resident: Resident, staff: dict[str, Staff], clock: FakeClock
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    booking = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    clock.set(booking.ends_at)
    missed = await by_station.record_outcome(
        services, staff["officer"], booking.id, booking.version, B.OFFICER_NO_SHOW, "所里临时有警情"
    )
    notice = (await outbox_rows(services, booking.id))[-1]
    assert notice.payload["what"] == "officer_no_show" and notice.payload["offer"]
    assert policy.rebookable(missed, await case_of(services, booking.case_id))


async def test_the_sweep_reminds_then_escalates_once(
    services: Services, resident: Resident, staff: dict[str, Staff], clock: FakeClock
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[-1])
    assert await sweep.booking_sweep(services) == 0
    clock.set(booking.created_at + timedelta(hours=18))  # 75% of 24 hours
    assert await sweep.booking_sweep(services) == 1
    assert await sweep.booking_sweep(services) == 0  # the dedupe key holds
    clock.set(booking.confirm_due_at)
    assert await sweep.booking_sweep(services) == 1
    assert await sweep.booking_sweep(services) == 0
    reasons = [(r.payload["reason"], r.chat_id) for r in await outbox_rows(services, booking.id)]
    assert reasons == [("new", 9001), ("confirm_reminder", 9001), ("escalated", 9100)]
    case = await case_of(services, booking.case_id)
    assert case.status is Status.ESCALATED
    # The supervisor reads why in words, not the bot's code for it.
    async with services.db.read() as conn:
        timeline = case_summary(
            Language.ZH_HANS, case, await cases.events(conn, case.id), services.config.tz, staff=True
        )
    assert "视频约访未按时确认" in timeline and "booking_unconfirmed" not in timeline
    # The supervisor answers on the officer's behalf.
    confirmed = await by_station.confirm(services, staff["supervisor"], booking.id, booking.version)
    assert confirmed.status is B.CONFIRMED and (await case_of(services, booking.case_id)).status is Status.ACCEPTED


async def test_the_sweep_cancels_an_unanswered_request_at_its_time(
    services: Services, resident: Resident, clock: FakeClock
) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    clock.set(booking.starts_at)
    assert await sweep.booking_sweep(services) >= 1
    expired = await by_resident.own_booking(services, resident, booking.id)
    assert expired[0].status is B.CANCELLED and expired[0].cancel_reason == policy.UNCONFIRMED
    assert await claims(services) == []
    kinds = [r.payload.get("what") or r.payload.get("reason") for r in await outbox_rows(services, booking.id)]
    assert "expired" in kinds


async def test_the_sweep_frees_the_slot_of_a_case_withdrawn_in_mycases(services: Services, resident: Resident) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    await resident_actions.withdraw(services, resident, booking.case_id, None)
    assert await sweep.booking_sweep(services) == 1
    assert await claims(services) == []
    assert (await by_resident.own_booking(services, resident, booking.id))[0].cancel_reason == policy.CASE_FINISHED


async def test_who_may_work_a_booking(services: Services, resident: Resident, staff: dict[str, Staff]) -> None:
    booking = await request(services, resident, (await times.slots_for(services, resident))[0])
    with pytest.raises(policy.BookingError) as other_officer:
        await by_station.confirm(services, staff["officer2"], booking.id, booking.version)
    assert other_officer.value.reason == policy.NOT_PERMITTED
    async with services.db.write() as conn:
        admin = await people.insert_staff(conn, "039999", "系统管理员", Role.ADMIN, services.clock.now())
    for member in (staff["officer"], staff["supervisor"], staff["leader"], admin):
        found, _case = await by_station.staff_booking(services, member, booking.id)
        assert found.id == booking.id
    with pytest.raises(policy.BookingError) as missing:
        await by_station.staff_booking(services, staff["officer"], 999)
    assert missing.value.reason == policy.NOT_FOUND


async def test_weekly_hours_are_edited_by_their_owner(services: Services, staff: dict[str, Staff]) -> None:
    from datetime import time

    from core.booking.slots import Hours

    officer, supervisor = staff["officer"], staff["supervisor"]
    week = await times.set_hours(services, officer, officer.id, add=[Hours(0, time(9), time(10))])
    week = await times.set_hours(
        services, officer, officer.id, add=[Hours(0, time(10), time(11)), Hours(5, time(9), time(10))]
    )
    assert week == [Hours(0, time(9), time(11))]  # merged; Saturday is not a consultation day
    assert await times.set_hours(services, officer, officer.id, remove=Hours(0, time(9), time(11))) == []
    for target in (None, supervisor.id):
        with pytest.raises(policy.BookingError) as refused:
            await times.set_hours(services, officer, target, add=[Hours(1, time(9), time(10))])
        assert refused.value.reason == policy.NOT_YOUR_HOURS
    assert await times.set_hours(services, supervisor, None, add=[Hours(1, time(9), time(10))])
    assert await times.hours_of(services, None) == [Hours(1, time(9), time(10))]
