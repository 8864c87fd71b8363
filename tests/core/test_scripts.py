"""Traditional characters and pinyin come from the libraries, for names and for running text."""

from __future__ import annotations

from core.scripts import pinyin, to_traditional


def test_place_names_change_their_characters_only() -> None:
    assert to_traditional("西丰派出所") == "西豐派出所"
    assert to_traditional("东城街道幸福里社区") == "東城街道幸福里社區"
    assert to_traditional("") == ""


def test_running_text_can_take_traditional_readers_vocabulary() -> None:
    assert to_traditional("请联系民警更新设置信息", vocabulary=True) == "請聯絡民警更新設定資訊"
    assert to_traditional("所长", vocabulary=True) == "所長"


def test_pinyin_of_a_name() -> None:
    assert pinyin("西丰") == "Xīfēng"
    assert pinyin("幸福里") == "Xìngfúlǐ"
