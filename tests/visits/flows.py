"""Recording a home visit the way an officer does it in the chat."""

from __future__ import annotations

from tests.harness import Harness, Person


async def add_matter(bot: Harness, officer: Person, kind: str, category: str, text: str) -> None:
    """➕ 添加反映事项 → kind → category → the matter as typed."""
    await bot.press(officer, "添加反映事项")
    await bot.press(officer, kind)
    await bot.press(officer, category)
    await bot.send(officer, text)


async def record_visit(
    bot: Harness,
    officer: Person,
    search: str,
    household: str,
    notes: str,
    matters: list[tuple[str, str, str]],
    *,
    kind: str = "昼访",
) -> None:
    """/visit for a known household found by `search`, with `matters` (kind, category, text) or none."""
    await bot.send(officer, "/visit")
    await bot.send(officer, search)
    await bot.press(officer, household)
    await bot.press(officer, kind)
    await bot.send(officer, notes)
    await bot.press(officer, "继续")
    for matter in matters:
        await add_matter(bot, officer, *matter)
    await bot.press(officer, "继续" if matters else "无反映事项")
    await bot.press(officer, "记录家访")
