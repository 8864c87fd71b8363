"""The alert draft names its topic as an alert's 类别, not with the booking form's 约访事项 (the two
texts share an English source; the catalogues are merged, so the translation check refuses a
source translated differently in two catalogues)."""

from __future__ import annotations

import pytest

from core.alerts.model import Topic
from core.alerts.texts import draft_screen
from core.models import Language


@pytest.mark.parametrize(
    ("lang", "line"),
    [(Language.ZH_HANS, "类别：防盗"), (Language.ZH_HANT, "類別：防盜"), (Language.EN, "Topic: Burglary and theft")],
)
def test_the_draft_names_the_alerts_topic(lang: Language, line: str) -> None:
    draft = draft_screen(
        lang,
        topic=Topic.THEFT,
        areas="幸福里社区",
        texts={"zh_Hans": "请勿开门。"},
        source=Language.ZH_HANS,
        urgent=False,
    )
    assert line in draft.text
    assert "约访" not in draft.text and "約訪" not in draft.text
