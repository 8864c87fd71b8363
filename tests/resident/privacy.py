"""The resident's secrets the privacy tests look for, and where copies of them are found in a SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

NAME = "刘阿姨"
PHONE = "13812345678"
ID_CARD = "510302199001010017"  # a valid check digit
BANK_CARD = "6222021234567890128"  # passes the Luhn check
OTHER_PHONE = "13998765432"
DESCRIPTION = f"楼下烧烤店每晚噪音扰民。我是{NAME}，身份证{ID_CARD}，电话{OTHER_PHONE}，退款请打到{BANK_CARD}。"
SECRETS = (NAME, PHONE, ID_CARD, BANK_CARD, OTHER_PHONE)


def copies_in_tables(path: Path, telegram_id: int) -> list[str]:
    """Every table and column of the file (read with sqlite3 itself, not through our code) holding
    one of the secrets in its text, or the resident's Telegram id as a value."""
    found = []
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                for (value,) in db.execute(f'SELECT "{column}" FROM "{table}"'):  # noqa: S608 - names from the schema
                    if value == telegram_id or (isinstance(value, str) and any(s in value for s in SECRETS)):
                        found.append(f"{table}.{column}: {value!r:.80}")
    return found
