"""/stats, /mystats and /export through the real Application: what each kind of user may see."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from core import buttons
from core.models import Language, Role
from core.services import Services
from storage import areas as area_repo
from storage import people
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest, Sent
from tests.stats.builders import H, add_case, local

OTHER_SUPERVISOR = Person(9300, "周所长")


@pytest.fixture
async def cases_in_november(services: Services, station: Station) -> Station:
    """Four cases this month: two in 幸福里社区 (officer 王建国), one in 光明社区, one in 柳河村 (西河镇).

    A second supervisor, 周所长, supervises 西河镇 only.
    """
    a = station.area_ids
    s = station.staff_ids
    async with services.db.write() as conn:
        for area, owner, day in (
            (a["village"], s["officer"], 5),
            (a["village"], s["officer"], 10),
            (a["village2"], s["officer2"], 15),
            (a["village3"], s["officer2"], 12),
        ):
            await add_case(
                conn,
                kind="dispute",
                category="public_security",
                area=area,
                owner=owner,
                created=local(2026, 11, day, 10),
                status="accepted",
                accepted=H,
                resident=None,
            )
        member = await people.insert_staff(
            conn, "031300", OTHER_SUPERVISOR.first_name, Role.SUPERVISOR, services.clock.now()
        )
        await people.update_staff(conn, member.id, telegram_id=OTHER_SUPERVISOR.id)
        await area_repo.set_role(conn, a["town2"], "supervisor_id", member.id)
    return station


def workbook_rows(sent: Sent) -> list[list[object]]:
    """The first sheet of the XLSX the bot sent, as the recipient's spreadsheet program reads it."""
    assert sent.document and sent.content, "no document with content"
    sheet = load_workbook(BytesIO(sent.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def alert(log: RecordingRequest) -> str:
    answer = log.callback_answers[-1]
    assert answer.get("show_alert") in (True, "true"), answer
    return str(answer.get("text", ""))


async def test_a_resident_is_politely_refused(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    for command in ("/stats", "/mystats", "/export"):
        await bot.send(cases_in_november.resident, command)
        assert "仅供民警" in request_log.last(cases_in_november.resident.id).text
    assert not any(m.photo or m.document for m in request_log.messages(cases_in_november.resident.id))


async def test_an_officer_sees_only_their_own_figures(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    officer = cases_in_november.officer
    await bot.send(officer, "/stats")
    await bot.finish_jobs()
    assert "/mystats" in request_log.last(officer.id).text
    await bot.send(officer, "/export")
    await bot.finish_jobs()
    assert "仅限上级领导" in request_log.last(officer.id).text
    await bot.send(officer, "/mystats")
    await bot.finish_jobs()
    text, chart = request_log.messages(officer.id)[-2:]
    assert "民警 王建国" in text.text
    assert "收到诉求：2 件" in text.text
    assert "按辖区" not in text.labels()
    assert chart.photo


async def test_a_leader_sees_the_station_and_can_narrow_it(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    leader = cases_in_november.leader
    await bot.send(leader, "/stats")
    await bot.finish_jobs()
    text, chart = request_log.messages(leader.id)[-2:]
    assert "范围：全所" in text.text
    assert "收到诉求：4 件" in text.text
    assert "本月（2026-11-01 至 2026-11-30）" in text.text
    assert chart.photo
    await bot.press(leader, "按辖区")
    choice = request_log.last_with_buttons(leader.id)
    assert {"东城街道", "西河镇"} <= set(choice.labels())
    await bot.press(leader, "西河镇", message=choice)
    shown = request_log.last_with_buttons(leader.id)
    assert "范围：西河镇" in shown.text
    assert "收到诉求：1 件" in shown.text
    await bot.press(leader, "本周", message=shown)
    assert "本周" in request_log.last_with_buttons(leader.id).text


async def test_a_supervisor_sees_only_their_areas(
    bot: Harness, request_log: RecordingRequest, services: Services, cases_in_november: Station
) -> None:
    boss = OTHER_SUPERVISOR
    await bot.send(boss, "/stats")
    await bot.finish_jobs()
    text = request_log.messages(boss.id)[-2]
    assert "范围：您联系的辖区" in text.text
    assert "收到诉求：1 件" in text.text
    await bot.press(boss, "按辖区", message=text)
    assert request_log.last_with_buttons(boss.id).labels()[:1] == ["西河镇"]
    # Buttons are server-side grants; even a granted payload for another area is refused on press.
    town = cases_in_november.area_ids["town"]
    async with services.db.write() as conn:
        forged = await buttons.issue(
            conn, boss.id, "stats_period", {"key": "this_month", "area": town}, services.clock.now()
        )
    before = [m.text for m in request_log.messages(boss.id)]
    await bot.press_data(boss, forged, request_log.last(boss.id))
    assert "不在您的联系范围内" in alert(request_log)
    async with services.db.write() as conn:
        forged = await buttons.issue(
            conn,
            boss.id,
            "stats_officers",
            {"key": "this_month", "officer": cases_in_november.staff_ids["officer"]},
            services.clock.now(),
        )
    await bot.press_data(boss, forged, request_log.last(boss.id))
    assert "不在您联系的辖区" in alert(request_log)
    assert [m.text for m in request_log.messages(boss.id)] == before


async def test_someone_elses_button_does_nothing(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    leader, officer = cases_in_november.leader, cases_in_november.officer
    await bot.send(leader, "/stats")
    await bot.finish_jobs()
    leaders_message = request_log.messages(leader.id)[-2]
    await bot.press_data(officer, leaders_message.data_for("按辖区"), leaders_message)
    assert not any("西河镇" in m.text for m in request_log.messages(officer.id))


async def test_export_is_scoped_to_the_supervisor(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    await bot.send(OTHER_SUPERVISOR, "/export")
    await bot.finish_jobs()
    sent = request_log.last(OTHER_SUPERVISOR.id)
    assert sent.document == "document"
    assert "共 1 件" in sent.text
    leader = cases_in_november.leader
    await bot.send(leader, "/export 2026-11-01 2026-11-30")
    await bot.finish_jobs()
    sent = request_log.last(leader.id)
    assert sent.document == "document"
    assert "共 4 件" in sent.text


async def test_help_and_bad_dates(bot: Harness, request_log: RecordingRequest, cases_in_november: Station) -> None:
    leader = cases_in_november.leader
    await bot.send(leader, "/stats help")
    assert "受理告知率" in request_log.last(leader.id).text
    assert "“📅 其他日期”" in request_log.last(leader.id).text
    assert "<code>/stats 2026-11-01 2026-11-23</code>" in request_log.last(leader.id).text
    assert "化解率" in request_log.last(leader.id).text
    await bot.send(leader, "/stats 2026-13-01")
    await bot.finish_jobs()
    refusal = request_log.last(leader.id).text
    assert "年-月-日" in refusal
    assert "例如：<code>/stats 2026-11-01 2026-11-23</code>" in refusal  # a form that works, as typed
    await bot.send(leader, "/export 2026-11")
    await bot.finish_jobs()
    assert "<code>/export 2026-11-01 2026-11-23</code>" in request_log.last(leader.id).text
    await bot.send(leader, "/stats 2026-11-10 2026-11-12")
    await bot.finish_jobs()
    text = request_log.messages(leader.id)[-2].text
    assert "2026-11-10 至 2026-11-12" in text
    assert "收到诉求：2 件" in text


async def test_the_exported_workbook_has_no_contacts_and_speaks_the_leaders_language(
    bot: Harness, request_log: RecordingRequest, services: Services, cases_in_november: Station
) -> None:
    phone, name = "13912345678", "刘阿姨"
    async with services.db.write() as conn:
        resident = await people.insert_resident(conn, 5009, name, Language.ZH_HANS, services.clock.now())
        await people.update_resident(conn, resident.id, phone=phone)
        await add_case(
            conn,
            kind="help",
            category="other",
            area=cases_in_november.area_ids["village"],
            owner=cases_in_november.staff_ids["officer"],
            created=local(2026, 11, 20, 9),
            status="submitted",
            resident=resident.id,
        )
        await people.update_staff(conn, cases_in_november.staff_ids["leader"], language=Language.EN)
    leader = cases_in_november.leader
    await bot.send(leader, "/export")
    await bot.finish_jobs()
    sent = request_log.last(leader.id)
    assert sent.filename == "Ledger_2026-11-01_2026-11-30.xlsx"
    rows = workbook_rows(sent)
    header = rows[0]
    assert header[:4] == ["Case number", "Received at", "Kind", "Category"]
    assert "Phone" not in header and "Resident" not in header
    assert len(rows) == 1 + 5
    cells = [str(cell) for row in rows for cell in row if cell is not None]
    assert not any(phone in cell or name in cell for cell in cells)
    assert "Dispute" in {row[2] for row in rows[1:]}

    # A supervisor reading Chinese gets Chinese headers, and still no contacts.
    await bot.send(OTHER_SUPERVISOR, "/export")
    await bot.finish_jobs()
    rows = workbook_rows(request_log.last(OTHER_SUPERVISOR.id))
    assert rows[0][:3] == ["编号", "登记时间", "类型"]
    assert "联系电话" not in rows[0] and "群众姓名" not in rows[0]
    assert [row[4] for row in rows[1:]] == ["柳河村"]


async def test_export_keeps_the_officer_chosen_on_screen(
    bot: Harness, request_log: RecordingRequest, services: Services, cases_in_november: Station
) -> None:
    leader = cases_in_november.leader
    await bot.send(leader, "/stats")
    await bot.finish_jobs()
    await bot.press(leader, "按民警")
    await bot.press(leader, "王建国", message=request_log.last_with_buttons(leader.id))
    shown = request_log.last_with_buttons(leader.id)
    assert "民警 王建国" in shown.text
    await bot.press(leader, "导出台账", message=shown)
    await bot.finish_jobs()
    sent = request_log.last(leader.id)
    assert "民警 王建国" in sent.text
    assert "共 2 件" in sent.text
    rows = workbook_rows(sent)
    assert [row[5] for row in rows[1:]] == ["王建国", "王建国"]  # 首问民警

    # A supervisor cannot export an officer outside their areas, even with a granted payload.
    boss = OTHER_SUPERVISOR
    await bot.send(boss, "/stats")
    await bot.finish_jobs()
    async with services.db.write() as conn:
        forged = await buttons.issue(
            conn,
            boss.id,
            "stats_export",
            {"key": "this_month", "officer": cases_in_november.staff_ids["officer"]},
            services.clock.now(),
        )
    await bot.press_data(boss, forged, request_log.last(boss.id))
    assert "不在您联系的辖区" in alert(request_log)
    assert not any(m.document for m in request_log.messages(boss.id))


async def test_other_dates_dialog_keeps_the_area_and_explains_bad_dates(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    leader = cases_in_november.leader
    await bot.send(leader, "/stats")
    await bot.finish_jobs()
    await bot.press(leader, "按辖区")
    await bot.press(leader, "西河镇", message=request_log.last_with_buttons(leader.id))
    await bot.press(leader, "📅 其他日期", message=request_log.last_with_buttons(leader.id))
    prompt = request_log.last_with_buttons(leader.id)
    assert prompt.edited
    assert "请发送统计时段的起始日和截止日" in prompt.text
    assert "<code>2026-11-01 2026-11-23</code>" in prompt.text
    assert prompt.labels() == ["✖️ 取消"]

    for typed, reason in (
        ("2026-11-13 2026-11-12", "起始日期不能晚于截止日期"),
        ("11月10日", "例如：<code>2026-11-01 2026-11-23</code>"),
        ("2020-01-01 2026-11-12", "统计时段最长为 1098 天"),
    ):
        await bot.send(leader, typed)
        answer = request_log.last(leader.id)
        assert reason in answer.text
        assert "请重新发送日期" in answer.text
        assert answer.labels() == ["✖️ 取消"]  # still in the dialog

    await bot.send(leader, "2026-11-10 至 2026-11-12")
    shown = request_log.last(leader.id)
    assert "2026-11-10 至 2026-11-12" in shown.text
    assert "范围：西河镇" in shown.text  # the area chosen before is kept
    assert "收到诉求：1 件" in shown.text
    assert "· 📅 其他日期" in shown.labels()
    # The dialog is over: more text is not read as dates.
    await bot.send(leader, "2026-11-01 2026-11-30")
    assert "民警常用命令" in request_log.last(leader.id).text


async def test_other_dates_can_be_cancelled(
    bot: Harness, request_log: RecordingRequest, cases_in_november: Station
) -> None:
    leader = cases_in_november.leader
    await bot.send(leader, "/stats")
    await bot.finish_jobs()
    await bot.press(leader, "📅 其他日期")
    await bot.send(leader, "yesterday")
    await bot.press(leader, "取消")
    back = request_log.last_with_buttons(leader.id)
    assert "本月（2026-11-01 至 2026-11-30）" in back.text
    assert "收到诉求：4 件" in back.text
    before = len(request_log.messages(leader.id))
    await bot.send(leader, "2026-11-10")
    assert len(request_log.messages(leader.id)) == before + 1
    assert "民警常用命令" in request_log.last(leader.id).text


async def test_other_dates_for_an_officers_own_figures_in_english(
    bot: Harness, request_log: RecordingRequest, services: Services, cases_in_november: Station
) -> None:
    officer = cases_in_november.officer
    async with services.db.write() as conn:
        await people.update_staff(conn, cases_in_november.staff_ids["officer"], language=Language.EN)
    await bot.send(officer, "/mystats")
    await bot.finish_jobs()
    await bot.press(officer, "📅 Other dates")
    assert "for example <code>2026-11-01 2026-11-23</code>" in request_log.last_with_buttons(officer.id).text
    await bot.send(officer, "2026-11-05")
    shown = request_log.last(officer.id)
    assert "Officer 王建国" in shown.text  # still their own figures
    assert "2026-11-05" in shown.text
    assert "Received: 1" in shown.text
    assert "By area" not in shown.labels()
