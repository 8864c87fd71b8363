"""An /alert button pressed just before a crash and handled again at start-up (or tapped twice)
leaves the staff member looking at the step the draft is at: the pressed message is redrawn in
place with it, once, and the draft goes on from there; an area ticked twice stays ticked."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_and_lose_the_edit, showing


async def test_a_topic_press_handled_again_redraws_the_pressed_screen_with_the_text_step(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    sender = station.supervisor
    await bot.send(sender, "/alert")
    areas, _ticked = await press_and_lose_the_edit(bot, request_log, sender, "幸福里社区")
    await bot.press(sender, "幸福里社区", message=areas)  # the same press, handled again
    assert any(label.startswith("✅") and "幸福里社区" in label for label in areas.labels())  # still ticked
    await bot.press(sender, "下一步", message=areas)
    screen, asked = await press_and_lose_the_edit(bot, request_log, sender, "反诈")
    assert "反诈" in " ".join(screen.labels())  # the staff member still sees the topics
    count = len(request_log.messages(sender.id))

    await bot.press(sender, "反诈", message=screen)  # the same press, handled again
    assert screen.edited and screen.text == asked  # the pressed message shows the draft's step
    assert not showing(request_log, sender.id, "反诈")  # no screen offers the topics any more
    assert len(request_log.messages(sender.id)) == count  # nothing sent anew
    await bot.send(sender, "近期有人冒充快递客服骗取转账，请勿点击陌生链接。")  # and the draft goes on
    assert "预览" in " ".join(request_log.last(sender.id).labels())


async def test_an_urgent_press_handled_again_leaves_the_draft_urgent(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    sender = station.supervisor
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "反诈")
    await bot.send(sender, "近期有人冒充快递客服骗取转账，请勿点击陌生链接。")
    draft, urgent = await press_and_lose_the_edit(bot, request_log, sender, "设为紧急")
    assert "改为不紧急" not in " ".join(draft.labels())

    await bot.press(sender, "设为紧急", message=draft)  # the same press, handled again
    assert draft.edited and draft.text == urgent and "改为不紧急" in " ".join(draft.labels())
    assert len(showing(request_log, sender.id, "改为不紧急")) == 1
