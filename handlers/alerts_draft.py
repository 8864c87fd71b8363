"""The /alert draft's shared steps: who is drafting, the dialog row saved at every step, the draft
read back from it and its screen (used by handlers/alerts.py and handlers/alerts_photo.py)."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update

from core import areas, dialog_state, enrolment
from core.alerts import service, texts
from core.alerts.model import Topic
from core.dialogs import Dialog
from core.i18n import Safe, t
from core.models import Language, Staff
from core.names import area_name
from core.outgoing import Outgoing
from core.services import Services
from handlers import common, render
from handlers.context import JmContext
from handlers.form_steps import STEP_PAST

FLOW = "alert"
PHOTO_STEP = "photo"  # waiting for the alert's photo (handlers/alerts_photo.py)


async def sender(update: Update, context: JmContext) -> Staff | None:
    """Whoever sent the update, if they are staff."""
    user = update.effective_user
    return await enrolment.staff_for(context.services, user.id) if user else None


async def say(update: Update, context: JmContext, out: Outgoing) -> None:
    """Sends a new message to the staff member."""
    await render.reply(update, context.services, context.bot, out)


async def refuse(update: Update, context: JmContext, message: str) -> None:
    """Tells the staff member why not: as a pop-up under a button press, else as a message."""
    lang = await common.language_for(update, context)
    if update.callback_query is not None:
        await common.alert(update, lang, message)
    else:
        await say(update, context, Outgoing(t(lang, message)))


async def refuse_not_approver(update: Update, context: JmContext) -> None:
    """Only the station's supervisors and leaders approve alerts: said with the station's titles."""
    lang = await common.language_for(update, context)
    text = texts.not_approver(lang, await areas.titles(context.services))
    if update.callback_query is not None:
        await common.answer_query(update, text, show_alert=True)
    else:
        await say(update, context, Outgoing(Safe(html.escape(text))))


async def area_options(services: Services, lang: Language) -> list[tuple[int, str, str]]:
    """The areas an alert may go to as (id, level, name), the station first, then towns, then villages."""
    every = await service.areas(services)
    order = {"station": 0, "town": 1, "village": 2}
    by_parent = sorted(every, key=lambda a: (order.get(a.level, 3), a.code))
    return [(a.id, a.level, area_name(a, lang)) for a in by_parent]


async def area_names(services: Services, lang: Language, area_ids: list[int]) -> str:
    """The names of the chosen areas as one line in the reader's language."""
    by_id = {a.id: a for a in await service.areas(services)}
    return texts.joined(lang, [area_name(by_id.get(a), lang) for a in area_ids])


def draft_of(data: dict[str, Any]) -> service.Draft:
    """The draft kept in the dialog's data, read back as a draft."""
    return service.Draft(
        area_ids=tuple(int(a) for a in data.get("areas", [])),
        topic=Topic(data.get("topic") or Topic.OTHER.value),
        texts={str(k): str(v) for k, v in data.get("texts", {}).items()},
        source_language=Language(data["source"]),
        urgent=bool(data.get("urgent")),
        photo_file_id=data.get("photo") or None,
    )


async def draft(update: Update, context: JmContext, *steps: str) -> tuple[Staff, Dialog] | None:
    """The presser's draft, if they are still staff who may draft and are at one of `steps`."""
    member = await sender(update, context)
    if member is None or member.telegram_id is None or not service.may_draft(member):
        await refuse(update, context, texts.NOT_ALLOWED)
        return None
    dialog = await dialog_state.get(context.services, member.telegram_id)
    if dialog is None or dialog.flow != FLOW:
        await common.alert(update, member.language, texts.CLOSED)
        return None
    if steps and dialog.step not in steps:
        # A second tap, or a press handled again after a crash whose screen was never redrawn:
        # the pressed message shows the step the draft is at now, so the screen matches the draft.
        await common.alert(update, member.language, STEP_PAST)
        await render.edit(update, context.services, context.bot, await step_screen(context, member, dialog))
        return None
    return member, dialog


def photo_prompt(lang: Language) -> Outgoing:
    """Asks for the alert's photo."""
    return Outgoing(t(lang, "Send the photo for the alert."))


async def step_screen(context: JmContext, member: Staff, dialog: Dialog) -> Outgoing:
    """The screen of the step the draft is at, as the step's own handler draws it."""
    lang, data, services = member.language, dialog.data, context.services
    if dialog.step == "areas":
        options = await area_options(services, lang)
        return texts.areas_screen(lang, options, [int(a) for a in data.get("areas", [])])
    if dialog.step == "topic":
        return texts.topic_screen(lang)
    if dialog.step == "text":
        return texts.ask_text(lang, lang)
    if dialog.step == "version" and data.get("version"):
        return texts.ask_version(lang, Language(data["version"]))
    if dialog.step == PHOTO_STEP:
        return photo_prompt(lang)
    if dialog.step == "confirm":
        draft = draft_of(data)
        reach = await service.reach(services, draft.area_ids, draft.topic)
        return texts.confirm_screen(lang, reach, needs_approval=not service.may_send(member, services))
    return await draft_screen(context, member, data)


async def save(context: JmContext, member: Staff, step: str, data: dict[str, Any]) -> None:
    """Keeps the draft's data and the step it has reached."""
    await dialog_state.put(context.services, member.telegram_id or 0, FLOW, step, data)


async def draft_screen(context: JmContext, member: Staff, data: dict[str, Any]) -> Outgoing:
    """The draft as it stands, with its buttons."""
    draft = draft_of(data)
    return texts.draft_screen(
        member.language,
        topic=draft.topic,
        areas=await area_names(context.services, member.language, list(draft.area_ids)),
        texts=draft.texts,
        source=draft.source_language,
        urgent=draft.urgent,
        photo=draft.photo_file_id is not None,
    )
