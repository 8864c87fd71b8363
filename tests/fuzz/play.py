"""What the fuzz tests feed the bot and what they check after every update.

A step is one update from one of the people: a text (any Unicode, HTML-like, a command or a word
a form expects), the same text as an edit of a message sent earlier, a sticker, a photo, a
document, a location, a contact, or a press of their own button, of someone else's, or of forged
callback data. After each step: a press got its answer, a message got a reply, an edit and a
press of someone else's button changed nothing, and every text the bot sent passes the sandbox's
HTML check (the Bot API server's parse_html, strict about a bare "&").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from core.services import Services
from sandbox.errors import ApiError
from sandbox.formatting import format_text
from tests.harness import Harness, Person, RecordingRequest, Sent
from tests.helpers.tables import snapshot

MESSAGES = ("sticker", "photo", "document", "location", "contact", "foreign_contact")
PRESSES = ("own", "latest", "others", "forged")
# What the bot sends text in: the text itself, or a caption (a photo, a document, an album's first).
SENDS = {"sendMessage": "text", "editMessageText": "text", "sendPhoto": "caption", "sendDocument": "caption"}


@dataclass(frozen=True)
class Step:
    """One update: from `everyone[who]`, of `kind`, with `text`; `pick` chooses among the buttons."""

    who: int
    kind: str
    text: str = ""
    pick: int = 0


def texts(words: Sequence[str]) -> st.SearchStrategy[str]:
    """Texts of any Unicode and length, HTML-like texts, and `words` (commands, a form's answers)."""
    return st.one_of(
        st.text(max_size=400),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=4096),
        st.sampled_from(list(words)),
        st.builds(
            lambda tag, body: f"<{tag}>{body}</{tag}> & <{tag}",
            st.sampled_from(["b", "i", "a", "x"]),
            st.text(max_size=30),
        ),
    )


def steps(people: int, words: Sequence[str], *, walk: int = 0) -> st.SearchStrategy[Step]:
    """Steps from `people` people; `walk` adds as many chances of going on with a form: a word it
    expects, or a button of the latest screen."""
    who = st.integers(0, people - 1)
    going_on = [
        st.builds(Step, who, st.just("text"), st.sampled_from(list(words))),
        st.builds(Step, who, st.just("latest"), pick=st.integers(0, 40)),
    ]
    return st.one_of(
        *(going_on * walk),
        st.builds(Step, who, st.just("text"), texts(words)),
        st.builds(Step, who, st.just("edited"), texts(words)),
        st.builds(Step, who, st.sampled_from(["own", "own", "own", "others"]), pick=st.integers(0, 40)),
        st.builds(Step, who, st.just("forged"), st.text(max_size=64)),
        st.builds(Step, who, st.sampled_from(MESSAGES), st.text(max_size=200)),
    )


def buttons(log: RecordingRequest, person: Person, last: int = 6) -> list[tuple[str, Sent]]:
    """Every inline button (data, its message) on the `last` messages with buttons in `person`'s chat."""
    found: list[tuple[str, Sent]] = []
    for sent in [m for m in log.messages(person.id) if m.buttons][-last:]:
        for row in sent.buttons:
            for button in row:
                if "callback_data" in button:
                    found.append((str(button["callback_data"]), sent))
    return found


def html_errors(calls: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """What the sandbox's HTML check refuses among the texts and captions of `calls`."""
    refused = []
    for method, params in calls:
        items = params.get("media") if method == "sendMediaGroup" else [params] if method in SENDS else []
        for item in items if isinstance(items, list) else []:
            text = item.get(SENDS.get(method, "caption"))
            if not text:
                continue
            try:
                format_text(
                    str(text),
                    parse_mode=item.get("parse_mode", params.get("parse_mode")),
                    entities=item.get("entities", item.get("caption_entities")),
                    strict_html=True,
                    known_users={},
                )
            except ApiError as exc:
                refused.append(f"{method}: {exc} in {str(text)[:200]!r}")
    return refused


def answered(calls: Sequence[tuple[str, dict[str, Any]]], person: Person) -> bool:
    """Whether `calls` sent or edited anything in `person`'s chat."""
    return any(
        method.startswith(("send", "edit")) and str(params.get("chat_id")) == str(person.id) for method, params in calls
    )


async def edit(bot: Harness, person: Person, text: str) -> None:
    """An edit of a text `person` sent earlier, now reading `text`."""
    message = bot.text_update(person, text).to_dict()["message"]
    message["edit_date"] = int(datetime.now(UTC).timestamp())
    await bot.feed({"edited_message": message})


async def press(bot: Harness, log: RecordingRequest, services: Services, everyone: list[Person], step: Step) -> None:
    """A press of the person's own button, someone else's, or forged data; checks its answer."""
    person = everyone[step.who]
    source = person if step.kind in ("own", "latest") else everyone[(step.who + 1) % len(everyone)]
    offered = buttons(log, source, 1 if step.kind == "latest" else 6)
    if step.kind == "forged" or not offered:
        if not log.messages(person.id):
            await bot.send(person, "/start")
        data, message = step.text, log.messages(person.id)[-1]
    else:
        data, message = offered[step.pick % len(offered)]
    before_answers = len(log.callback_answers)
    foreign = step.kind in ("others", "forged")
    before = await snapshot(services) if foreign else None
    await bot.press_data(person, data, message)
    assert len(log.callback_answers) == before_answers + 1, f"press of {data!r} not answered"
    if foreign:
        assert await snapshot(services) == before, f"{data!r} from {person.first_name} changed something"


async def message(bot: Harness, person: Person, step: Step) -> None:
    """A message of one of the non-text kinds."""
    if step.kind == "sticker":
        await bot.sticker(person)
    elif step.kind == "photo":
        await bot.photo(person, "photo-fuzz", caption=step.text or None)
    elif step.kind == "document":
        await bot.document(person, mime_type="application/pdf", file_name="a.pdf")
    elif step.kind == "location":
        await bot.location(person, 41.1, 123.5)
    else:
        await bot.contact(person, "13812345678", own=step.kind == "contact")


async def play(bot: Harness, log: RecordingRequest, services: Services, everyone: list[Person], step: Step) -> None:
    """Feeds one step and checks what came of it."""
    person, start = everyone[step.who], len(log.calls)
    if step.kind in PRESSES:
        await press(bot, log, services, everyone, step)
    elif step.kind == "edited":
        before = await snapshot(services)
        await edit(bot, person, step.text)
        assert await snapshot(services) == before, f"an edit from {person.first_name} changed something"
        assert not answered(log.calls[start:], person), "an edited message was answered as a new one"
    else:
        await (bot.send(person, step.text) if step.kind == "text" else message(bot, person, step))
        assert answered(log.calls[start:], person), (
            f"{step.kind} {step.text[:80]!r} from {person.first_name}: no answer"
        )
    assert html_errors(log.calls[start:]) == []
