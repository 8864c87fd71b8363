"""The walks the end-to-end tests take through the sandbox (a resident onboarding and filing a case,
the officer working it), and what they read from the bot's file."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from storage.db import Database
from storage.schema import cases
from tests.e2e.sandbox_client import Chat

RESIDENT, OFFICER = 5001, 9001
NUMBER = re.compile(r"XF-\d{8}-\d{4}")


async def onboard_and_fill(chat: Chat) -> None:
    await chat.send(RESIDENT, "/start")
    await chat.press(RESIDENT, "简体中文")
    await chat.press(RESIDENT, "同意")
    await chat.press(RESIDENT, "东城街道")
    await chat.press(RESIDENT, "幸福里社区")
    await chat.wait_for(RESIDENT, "手机号")
    await chat.contact(RESIDENT, "13812345678")
    await chat.wait_for(RESIDENT, "请问您要办理什么事项")
    await chat.send(RESIDENT, "/report")
    await chat.press(RESIDENT, "矛盾纠纷")
    await chat.press(RESIDENT, "邻里纠纷")
    await chat.wait_for(RESIDENT, "第 3 步")


async def file_and_work_case(chat: Chat) -> None:
    await onboard_and_fill(chat)
    await chat.send(RESIDENT, "邻居装修每天早上七点开始电钻，<b>严重</b>影响老人休息 & 孩子上网课。")
    await chat.press(RESIDENT, "继续")
    await chat.press(RESIDENT, "确认提交")
    confirmation = await chat.wait_for(RESIDENT, "回音卡编号")
    number = NUMBER.search(confirmation["text"])
    assert number
    card = await chat.wait_for(OFFICER, number.group())
    assert "<b>严重</b>" in card["text"] and "138****5678" in card["text"]
    await chat.press(OFFICER, "受理")
    await chat.wait_for(RESIDENT, "已受理")
    await chat.press(OFFICER, "办结")
    await chat.wait_for(OFFICER, "答复")
    await chat.send(OFFICER, "已上门协调，装修队承诺九点后施工。")
    resolved = await chat.wait_for(RESIDENT, "已办结")
    assert "九点后施工" in resolved["text"]


def inbox_status(db_file: Path, callback_query_id: str) -> str | None:
    """The bot's inbox row for the update carrying this button press, read straight from the file."""
    with closing(sqlite3.connect(db_file)) as conn:
        row = conn.execute(
            "SELECT status FROM inbox WHERE json_extract(payload, '$.callback_query.id') = ?", (callback_query_id,)
        ).fetchone()
    return None if row is None else str(row[0])


async def case_numbers(db_file: Path) -> list[str]:
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    try:
        async with db.read() as conn:
            return list((await conn.execute(sa.select(cases.c.number))).scalars())
    finally:
        await db.close()
