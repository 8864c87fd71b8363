"""The README and docs/ point only to files inside the repository, and every one of them exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#]+)(?:#[^)]*)?\)")
OUTSIDE = re.compile(r"`(\.\./[\w./-]+)`")  # a file named in code type outside the clone


def test_links_and_named_files_stay_inside_the_repository_and_exist() -> None:
    for doc in DOCS:
        text = doc.read_text()
        targets = [t for t in LINK.findall(text) if not t.startswith(("http://", "https://", "mailto:"))]
        assert not OUTSIDE.findall(text), f"{doc.name} names files outside the repository"
        for target in targets:
            assert not target.startswith("../"), f"{doc.name} points outside the repository: {target}"
            assert (doc.parent / target).exists() or (ROOT / target).exists(), f"{doc.name}: {target} is missing"
