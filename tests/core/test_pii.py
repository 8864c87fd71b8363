"""Personal numbers in free text: recognised by their check digits, masked for staff, scrubbed for good."""

from __future__ import annotations

from core import pii


def test_an_identity_card_is_recognised_by_its_check_digit() -> None:
    assert pii.id_card_valid("510302199001010017")
    assert pii.id_card_valid("11010519491231002X") and pii.id_card_valid("11010519491231002x")
    assert not pii.id_card_valid("510302199001010012")  # wrong check digit
    assert pii.find("身份证510302199001010012") == []  # and so not taken for one (nor for a phone)


def test_masking_keeps_enough_to_recognise() -> None:
    text = "身份证510302199001010017，电话+86 138-1234-5678，卡号6222 0212 3456 7890 128。"
    assert pii.mask(text) == "身份证510302********0017，电话138****5678，卡号6222***********0128。"
    assert pii.scrub(text) == "身份证******************，电话***********，卡号*******************。"
    assert pii.numbers(text) == ["510302199001010017", "13812345678", "6222021234567890128"]


def test_numbers_that_are_not_personal_are_left_alone() -> None:
    for text in (
        "回音卡编号 XF-20261123-0001",
        "12345678901",  # not a mainland mobile prefix
        "6222021234567890127",  # fails the Luhn check
        "订单号 1381234567890",  # a longer number is not a phone
        "2026年11月23日 10:00",
    ):
        assert pii.find(text) == [], text
        assert pii.mask(text) == text


def test_several_phones_in_one_line() -> None:
    assert pii.mask("13812345678、13998765432") == "138****5678、139****5432"
