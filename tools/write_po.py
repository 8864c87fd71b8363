"""Writes one feature's .po catalogues from a Python table of translations.

Usage: python tools/write_po.py DOMAIN TABLE.py — TABLE.py defines
T = {msgid: (zh_Hans, zh_Hant, en or None)}; None keeps the English msgid.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

LOCALES = Path(__file__).resolve().parent.parent / "core" / "locales"


def main(domain: str, table_file: str) -> None:
    """Writes DOMAIN.po for zh_Hans, zh_Hant and en from the table file, replacing what is there."""
    table: dict[str, tuple[str, str, str | None]] = runpy.run_path(table_file)["T"]
    for index, locale in enumerate(("zh_Hans", "zh_Hant", "en")):
        catalog = Catalog(
            locale=locale.replace("_Hans", "_Hans_CN").replace("_Hant", "_Hant_TW"),
            domain=domain,
            project="jingmin",
            charset="utf-8",
        )
        for msgid, strings in table.items():
            catalog.add(msgid, strings[index] if strings[index] is not None else msgid)
        target = LOCALES / locale / "LC_MESSAGES" / f"{domain}.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False, sort_output=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
