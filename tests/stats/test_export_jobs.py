"""/export and the /stats chart as background jobs: answered at once, the file follows, once,
also when the bot is restarted while the file is being prepared."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

import core.jobs
import storage.jobs
from bot.app import build_application, build_services
from bot.demo_seed import seed
from bot.settings import Settings
from core.models import Role
from core.services import Services
from scheduler.job_worker import JobWorker, process_pool
from storage import people
from storage.schema import cases, inbox
from storage.schema_jobs import job_parts, jobs
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.resident import onboard
from tests.stats.builders import H, add_case, local


@pytest.fixture
async def november(services: Services, station: Station) -> list[str]:
    """Five cases received this month in 幸福里社区; their numbers, oldest first."""
    async with services.db.write() as conn:
        for day in (3, 6, 9, 12, 15):
            await add_case(
                conn,
                kind="dispute",
                category="public_security",
                area=station.area_ids["village"],
                owner=station.staff_ids["officer"],
                created=local(2026, 11, day, 10),
                status="accepted",
                accepted=H,
                resident=None,
            )
    async with services.db.read() as conn:
        return list((await conn.execute(sa.select(cases.c.number).order_by(cases.c.created_at))).scalars())


async def job_statuses(services: Services) -> list[str]:
    async with services.db.read() as conn:
        return list((await conn.execute(sa.select(jobs.c.status).order_by(jobs.c.id))).scalars())


def sheet_rows(content: bytes | None) -> list[list[object]]:
    assert content, "no file"
    sheet = load_workbook(BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_export_is_answered_at_once_and_the_ledger_follows_once(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station, november: list[str]
) -> None:
    leader = station.leader
    await bot.send(leader, "/export")
    answer = request_log.last(leader.id)
    assert answer.text == "正在生成 5 件诉求的台账，生成后会发送到这里，请稍候。"
    assert not any(m.document for m in request_log.messages(leader.id))
    assert await job_statuses(services) == ["pending"]

    assert await bot.finish_jobs() == 1
    sent = request_log.last(leader.id)
    assert sent.filename == "台账_2026-11-01_2026-11-30.xlsx"
    assert "5 件" in sent.text
    rows = sheet_rows(sent.content)
    assert rows[0][:3] == ["编号", "登记时间", "类型"]
    assert [row[0] for row in rows[1:]] == november
    assert {row[4] for row in rows[1:]} == {"幸福里社区"}
    assert rows[1][1] == local(2026, 11, 3, 10).replace(tzinfo=None)  # a real date, in station time

    # Nothing is left to do, and nothing is sent twice.
    assert await bot.finish_jobs() == 0
    assert sum(1 for m in request_log.messages(leader.id) if m.document) == 1
    assert await job_statuses(services) == ["done"]


async def test_an_export_handled_again_after_a_crash_sends_the_ledger_once(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station, november: list[str]
) -> None:
    leader = station.leader
    update = await bot.send(leader, "/export")
    # The process died after queueing the job, before the update was marked handled: at start-up
    # the update is handled again.
    async with services.db.write() as conn:
        await conn.execute(
            inbox.update().where(inbox.c.update_id == update.update_id).values(status="processing", handled_at=None)
        )
    assert await bot.app.recover_inbox(alone=True) == 1
    while not bot.app.update_queue.empty():
        await bot.app.process_update(await bot.app.update_queue.get())
    assert await job_statuses(services) == ["pending"]

    assert await bot.finish_jobs() == 1
    documents = [m for m in request_log.messages(leader.id) if m.document]
    assert [m.filename for m in documents] == ["台账_2026-11-01_2026-11-30.xlsx"]


async def test_the_chart_follows_the_figures(
    bot: Harness, request_log: RecordingRequest, station: Station, november: list[str]
) -> None:
    leader = station.leader
    await bot.send(leader, "/stats")
    figures = request_log.last(leader.id)
    assert "收到诉求：5 件" in figures.text and not figures.photo
    await bot.finish_jobs()
    chart = request_log.last(leader.id)
    assert chart.photo and "幸福里社区" not in chart.text

    # The chart button: the press is answered at once, the photo follows.
    await bot.press(leader, "图表", message=figures)
    assert "正在生成图表" in str(request_log.callback_answers[-1].get("text"))
    photos = sum(1 for m in request_log.messages(leader.id) if m.photo)
    await bot.finish_jobs()
    assert sum(1 for m in request_log.messages(leader.id) if m.photo) == photos + 1


async def test_only_those_allowed_to_export_get_a_ledger(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station, november: list[str]
) -> None:
    await bot.send(station.officer, "/export")
    assert "仅限上级领导" in request_log.last(station.officer.id).text
    await bot.send(station.resident, "/export")
    assert "仅供民警" in request_log.last(station.resident.id).text
    # A button made for the leader, pressed by the officer, does nothing.
    await bot.send(station.leader, "/stats")
    figures = request_log.last(station.leader.id)
    await bot.press_data(station.officer, figures.data_for("导出台账"), figures)
    assert await job_statuses(services) == ["pending"]  # the leader's chart only
    await bot.finish_jobs()
    for person in (station.officer, station.resident):
        assert not any(m.document for m in request_log.messages(person.id))


async def test_a_ledger_prepared_when_the_bot_was_killed_arrives_after_the_restart(
    settings: Settings,
    clock: FakeClock,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    november: list[str],
) -> None:
    leader = station.leader
    await bot.send(leader, "/export")
    # The first process claims the job and starts the child, then dies with it (kill -9).
    pool = process_pool()
    dying = JobWorker(bot.jobs.services, worker_id="killed", executor=pool)
    working = asyncio.create_task(dying.run_once())
    while await job_statuses(bot.jobs.services) != ["running"] or not pool._processes:
        await asyncio.sleep(0.01)
    children = list(pool._processes)  # the child doing the export, killed as in a crash
    working.cancel()
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(asyncio.CancelledError):
        await working
    pool.shutdown(wait=False, cancel_futures=True)
    assert not any(m.document for m in request_log.messages(leader.id))

    # A new process on the same database: the job is taken again at start-up and delivered once.
    services2 = build_services(settings, clock=clock)
    request2 = RecordingRequest()
    app2 = build_application(settings, services2, request=request2, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request2, first_update_id=50_000, job_executor=bot.jobs.executor)
        assert await bot2.jobs.recover() == 1
        assert await bot2.finish_jobs() == 1
        documents = [m for m in request2.messages(leader.id) if m.document]
        assert len(documents) == 1
        assert [row[0] for row in sheet_rows(documents[0].content)[1:]] == november
        async with services2.db.read() as conn:
            job = await storage.jobs.get(conn, 1)
        assert job is not None and job.status == "done" and job.attempts == 2
    finally:
        await app2.shutdown()
        await services2.db.close()


async def test_a_job_whose_worker_stopped_renewing_is_taken_over_after_the_lease(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    station: Station,
    november: list[str],
) -> None:
    leader = station.leader
    await bot.send(leader, "/export")
    async with services.db.write() as conn:  # another process claimed it, then went silent
        claimed = await storage.jobs.claim_next(conn, worker_id="gone", now=clock.now(), stale_before=clock.now())
    assert claimed is not None
    assert await bot.finish_jobs() == 0  # its claim is still fresh: not ours to take
    clock.advance(bot.jobs.lease + H / 60)
    assert await bot.finish_jobs() == 1
    assert sum(1 for m in request_log.messages(leader.id) if m.document) == 1
    # The silent worker comes back with a result: it is refused, nothing goes out twice.
    async with services.db.write() as conn:
        stored = await storage.jobs.store_result(conn, 1, worker_id="gone", meta={"text": "late"}, parts=[b"late"])
        late = await storage.jobs.finish(conn, 1, worker_id="gone", now=clock.now())
    assert not stored and not late
    async with services.db.read() as conn:
        kept = await storage.jobs.result_of(conn, 1)
    assert kept is not None and kept.meta.get("text") is None and kept.content  # the ledger, not the late text


async def test_a_bystander_is_answered_while_a_large_ledger_is_prepared(
    bot: Harness, request_log: RecordingRequest, services: Services, clock: FakeClock
) -> None:
    await seed(services.db, cases=20_000, clock=clock, days=20)
    async with services.db.write() as conn:
        leader = (await people.all_staff(conn, Role.LEADER))[0]
        await people.update_staff(conn, leader.id, telegram_id=9200)
    boss, bystander = Person(9200, leader.name), Person(5077, "陈先生")
    await bot.send(boss, "/export")
    assert "正在生成" in request_log.last(boss.id).text
    working = asyncio.create_task(bot.jobs.run_once())
    while await job_statuses(services) != ["running"]:
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    await bot.send(bystander, "/help")
    waited = time.perf_counter() - started
    # The resident has the answer while the ledger is still being written in the worker process.
    assert request_log.messages(bystander.id), "the bystander got no answer"
    assert not working.done(), f"the export finished before the bystander's answer ({waited:.3f} s)"
    done = await working
    assert done is not None and done.delivered
    await bot.deliver()
    ledger = request_log.last(boss.id)
    rows = sheet_rows(ledger.content)
    assert len(rows) > 10_000
    print(f"bystander /help answered in {waited * 1000:.0f} ms during a {len(rows) - 1}-row export")


async def test_the_child_keeps_the_file_with_the_job_and_a_deletion_before_sending_drops_it(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    station: Station,
    november: list[str],
    job_pool: ProcessPoolExecutor,
) -> None:
    leader = station.leader
    await onboard(bot, request_log, station)
    await bot.send(leader, "/export")
    async with services.db.write() as conn:
        job = await storage.jobs.claim_next(conn, worker_id="w1", now=clock.now(), stale_before=clock.now())
    assert job is not None
    # The child stores the ledger with the job; only its presentation comes back to the bot.
    loop = asyncio.get_running_loop()
    presented = await loop.run_in_executor(
        job_pool, core.jobs.run, services.db.url, job.id, "w1", job.kind, job.payload
    )
    assert presented["stored"] and presented["rows"] == 5 and presented["bytes"] > 1000
    assert not any(isinstance(value, bytes) for value in presented.values())
    async with services.db.read() as conn:
        status = (await conn.execute(sa.select(jobs.c.status).where(jobs.c.id == job.id))).scalar_one()
        parts = (
            await conn.execute(
                sa.select(job_parts.c.data).where(job_parts.c.job_id == job.id).order_by(job_parts.c.part)
            )
        ).scalars()
        content = b"".join(parts)
    assert status == "running" and content[:2] == b"PK"  # an XLSX is a zip archive
    assert len(content) == presented["bytes"]
    assert [row[0] for row in sheet_rows(content)[1:]] == november

    # A resident asks to be forgotten while that file waits: it is dropped, not sent later.
    await forget(bot, request_log, station)
    async with services.db.write() as conn:
        assert await storage.jobs.finish(conn, job.id, worker_id="w1", now=clock.now())
        assert await storage.jobs.result_of(conn, job.id) is None

    # The same for a finished ledger whose message is still in the outbox.
    await bot.send(leader, "/export")
    assert await bot.jobs.run_once() is not None
    await onboard(bot, request_log, station, person=station.other_resident)
    await forget(bot, request_log, station, station.other_resident)
    await bot.deliver()
    assert not any(m.document for m in request_log.messages(leader.id))


async def forget(bot: Harness, request_log: RecordingRequest, station: Station, person: Person | None = None) -> None:
    """The resident deletes their data with /privacy, as a resident does."""
    person = person or station.resident
    await bot.send(person, "/privacy")
    await bot.press(person, "删除我的资料")
    await bot.press(person, "确定删除")
    assert "资料已删除" in request_log.last(person.id).text
