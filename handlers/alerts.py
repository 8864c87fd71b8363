"""/alert: station staff send a safety alert to the residents of areas.

The draft is the staff member's dialog row (flow ``alert``), saved at every step: areas, topic,
the text in their language, versions in the other languages and urgency, then a preview of
exactly what residents see with how many it reaches, and send (a supervisor or leader) or
submit for approval (an officer). Every press looks up who is pressing again and checks their
role (core.alerts.service); the buttons are tokens bound to the presser.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message, Update

from core import dialog_state, enrolment
from core.alerts import service, texts
from core.alerts.model import Alert, AlertStatus, Topic, text_limit
from core.dialogs import Dialog
from core.i18n import N_, t
from core.models import ButtonGrant, Language, Role, Staff
from core.outgoing import Outgoing
from core.services import Services
from handlers import alerts_draft, alerts_photo, common, render
from handlers.context import JmContext

log = logging.getLogger(__name__)

FLOW = alerts_draft.FLOW
T = TypeVar("T")


async def start(update: Update, context: JmContext) -> None:
    """/alert: the area choice that starts a draft."""
    member = await alerts_draft.sender(update, context)
    if member is None or member.telegram_id is None or not service.may_draft(member):
        await alerts_draft.refuse(update, context, texts.NOT_ALLOWED)
        return
    data: dict[str, Any] = {"areas": [], "source": member.language.value, "texts": {}, "urgent": False}
    await dialog_state.put(context.services, member.telegram_id, FLOW, "areas", data)
    options = await alerts_draft.area_options(context.services, member.language)
    await alerts_draft.say(update, context, texts.areas_screen(member.language, options, []))


async def toggle_area(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Adds the pressed area to the draft's areas, or takes it out again."""
    found = await alerts_draft.draft(update, context, "areas")
    if found is None:
        return
    member, dialog = found
    options = await alerts_draft.area_options(context.services, member.language)
    area_id = int(grant.payload["area_id"])
    if area_id not in {option[0] for option in options}:
        await common.alert(update, member.language, texts.CLOSED)
        return
    chosen = [int(a) for a in dialog.data.get("areas", [])]
    # The button says what the press makes of the area, so a press handled twice is not undone.
    on = bool(grant.payload.get("on", area_id not in chosen))
    if (area_id in chosen) != on:
        chosen = [*chosen, area_id] if on else [a for a in chosen if a != area_id]
    await alerts_draft.save(context, member, "areas", {**dialog.data, "areas": chosen})
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.areas_screen(member.language, options, chosen))


async def areas_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the chosen areas and moves on to choosing the topic."""
    found = await alerts_draft.draft(update, context, "areas")
    if found is None:
        return
    member, dialog = found
    await alerts_draft.save(context, member, "topic", dialog.data)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.topic_screen(member.language))


async def choose_topic(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the pressed topic and asks for the alert's text."""
    found = await alerts_draft.draft(update, context, "topic")
    if found is None:
        return
    member, dialog = found
    topic = Topic(grant.payload["topic"])
    await alerts_draft.save(context, member, "text", {**dialog.data, "topic": topic.value})
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.ask_text(member.language, member.language))


async def on_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The alert's text, or one of its versions in another language."""
    member = await alerts_draft.sender(update, context)
    message = update.effective_message
    if member is None or message is None or not service.may_draft(member):
        user = update.effective_user
        await dialog_state.clear(context.services, user.id if user else 0)
        return
    lang = member.language
    if dialog.step == alerts_photo.STEP:
        await alerts_photo.on_photo(update, context, member, dialog)
        return
    typed = (message.text or "").strip()
    if dialog.step not in ("text", "version") or not typed:
        await alerts_draft.say(
            update, context, Outgoing(t(lang, "Please use the buttons above, or send the text of the alert."))
        )
        return
    limit = text_limit(bool(dialog.data.get("photo")))
    if len(typed) > limit:
        await alerts_draft.say(
            update, context, Outgoing(t(lang, "The text is too long: at most {limit} characters.", limit=limit))
        )
        return
    data = dict(dialog.data)
    target = data.pop("version", None) if dialog.step == "version" else data["source"]
    data["texts"] = {**data.get("texts", {}), str(target): typed}
    await alerts_draft.save(context, member, "compose", data)
    await alerts_draft.say(update, context, await alerts_draft.draft_screen(context, member, data))


async def ask_version(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks for the draft's text in the pressed language."""
    found = await alerts_draft.draft(update, context, "compose", "confirm")
    if found is None:
        return
    member, dialog = found
    code = Language(grant.payload["lang"])
    await alerts_draft.save(context, member, "version", {**dialog.data, "version": code.value})
    await common.ack(update)
    await alerts_draft.say(update, context, texts.ask_version(member.language, code))


async def urgent(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Marks the draft urgent, or no longer urgent, and shows it again."""
    found = await alerts_draft.draft(update, context, "compose", "confirm")
    if found is None:
        return
    member, dialog = found
    # The button says what the press makes of the draft, so a press handled twice is not undone.
    data = {**dialog.data, "urgent": bool(grant.payload.get("urgent", not dialog.data.get("urgent", False)))}
    await alerts_draft.save(context, member, "compose", data)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, await alerts_draft.draft_screen(context, member, data))


def _sample(services: Services, member: Staff, draft: service.Draft) -> Alert:
    """The draft as the alert residents would get (not stored)."""
    return Alert(
        id=0,
        status=AlertStatus.AWAITING_APPROVAL,
        topic=draft.topic,
        area_ids=draft.area_ids,
        texts=draft.texts,
        source_language=draft.source_language,
        photo_file_id=draft.photo_file_id,
        urgent=draft.urgent,
        drafted_by=member.id,
        approved_by=None,
        created_at=services.clock.now(),
    )


async def preview(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Exactly what residents get, once per language among them, then how many it reaches."""
    found = await alerts_draft.draft(update, context, "compose", "confirm")
    if found is None:
        return
    member, dialog = found
    services = context.services
    draft = alerts_draft.draft_of(dialog.data)
    await common.ack(update)
    reach = await service.reach(services, draft.area_ids, draft.topic)
    sample = _sample(services, member, draft)
    for lang in [code for code in Language if code in reach.by_language] or [draft.source_language]:
        out = texts.resident_message(lang, sample, services.config.name)
        # The opt-out button works only on a real alert.
        await alerts_draft.say(update, context, Outgoing(out.text, attachment=out.attachment))
    await alerts_draft.save(context, member, "confirm", dialog.data)
    needs_approval = not service.may_send(member, services)
    await alerts_draft.say(update, context, texts.confirm_screen(member.language, reach, needs_approval=needs_approval))


async def edit_draft(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Goes back from the preview to the draft to change it."""
    found = await alerts_draft.draft(update, context, "confirm")
    if found is None:
        return
    member, dialog = found
    await alerts_draft.save(context, member, "compose", dialog.data)
    await common.ack(update)
    await alerts_draft.say(update, context, await alerts_draft.draft_screen(context, member, dialog.data))


async def cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Drops the draft and tells the staff member the alert was not sent."""
    found = await alerts_draft.draft(update, context)
    if found is None:
        return
    member, _dialog = found
    await dialog_state.clear(context.services, member.telegram_id or 0)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, Outgoing(t(member.language, "The alert was not sent.")))


def _pressed(update: Update) -> Message | None:
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def _started(update: Update, context: JmContext, member: Staff, alert: Alert) -> None:
    """The sender's screen becomes the alert's progress screen (edited in place as it goes)."""
    message = _pressed(update)
    if message is not None:
        await service.set_screen(context.services, alert.id, message.chat.id, message.message_id)
    await render.edit(update, context.services, context.bot, texts.started_screen(member.language, alert))


async def send(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A supervisor's or leader's confirm: the alert is recorded and every copy queued."""
    found = await alerts_draft.draft(update, context, "confirm")
    if found is None:
        return
    member, dialog = found
    services = context.services
    if not service.may_send(member, services):
        await alerts_draft.refuse_not_approver(update, context)
        return
    recorded = await service.submit(services, member, alerts_draft.draft_of(dialog.data))
    started = await service.start(services, member, recorded.id)
    await dialog_state.clear(services, member.telegram_id or 0)
    await common.ack(update)
    if started is not None:
        log.info("alert %s started by staff %s to %s residents", started.id, member.id, started.target_count)
        await _started(update, context, member, started)


async def submit(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An officer's draft goes to every enrolled supervisor and leader for approval."""
    found = await alerts_draft.draft(update, context, "confirm")
    if found is None:
        return
    member, dialog = found
    services = context.services
    alert = await service.submit(services, member, alerts_draft.draft_of(dialog.data))
    await dialog_state.clear(services, member.telegram_id or 0)
    await common.ack(update)
    approvers = [s for s in await enrolment.enrolled(services) if s.role in (Role.SUPERVISOR, Role.LEADER)]
    reach = await service.reach(services, alert.area_ids, alert.topic)
    for approver in approvers:
        lang = approver.language
        areas = await alerts_draft.area_names(services, lang, list(alert.area_ids))
        out = texts.approval_request(
            lang, alert, drafter=member.name, areas=areas, reach=reach, station=services.config.name
        )
        if out.attachment is not None:  # the photo residents would get, above the request
            await render.send(context.bot, services, approver.telegram_id or 0, Outgoing("", attachment=out.attachment))
        await render.send(context.bot, services, approver.telegram_id or 0, Outgoing(out.text, out.buttons))
    lang = member.language
    if approvers:
        text = t(lang, "Submitted for approval. You will be told when a supervisor or leader has decided.")
    else:
        text = t(lang, "Submitted, but no supervisor or leader is enrolled to approve it yet. Please tell them.")
    await render.edit(update, services, context.bot, Outgoing(text))


async def _approver(update: Update, context: JmContext) -> Staff | None:
    member = await alerts_draft.sender(update, context)
    if member is None or not service.may_send(member, context.services):
        await alerts_draft.refuse_not_approver(update, context)
        return None
    return member


async def _tell_drafter(context: JmContext, alert: Alert, message: str, approver: Staff) -> None:
    if alert.drafted_by is None or alert.drafted_by == approver.id:
        return
    drafter = await service.drafter(context.services, alert)
    if drafter is not None and drafter.telegram_id is not None:
        out = Outgoing(t(drafter.language, message, name=approver.name))
        await render.send(context.bot, context.services, drafter.telegram_id, out)


async def _decide(
    update: Update,
    context: JmContext,
    grant: ButtonGrant,
    act: Callable[[Services, Staff, int], Awaitable[T | None]],
    too_late: str,
) -> tuple[Staff, T] | None:
    """The supervisor or leader who pressed and what `act` did with the button's alert.

    None when they may not send alerts, or when `act` found the alert past deciding (they were told `too_late`).
    """
    member = await _approver(update, context)
    if member is None:
        return None
    done = await act(context.services, member, int(grant.payload["alert_id"]))
    if not done:
        await common.alert(update, member.language, too_late)
        return None
    await common.ack(update)
    return member, done


async def approve(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Approves an alert awaiting approval, starts sending it and tells its writer."""
    found = await _decide(update, context, grant, service.start, N_("This alert was already decided."))
    if found is None:
        return
    member, started = found
    await _started(update, context, member, started)
    await _tell_drafter(context, started, N_("Your safety alert was approved by {name} and is being sent."), member)


async def decline(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Declines an alert awaiting approval and tells its writer."""
    found = await _decide(update, context, grant, service.decline, N_("This alert was already decided."))
    if found is None:
        return
    member, _declined = found
    await render.edit(update, context.services, context.bot, Outgoing(t(member.language, "The alert was declined.")))
    alert = await service.get(context.services, int(grant.payload["alert_id"]))
    if alert is not None:
        await _tell_drafter(context, alert, N_("Your safety alert was not approved by {name}."), member)


async def stop(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Stops an alert being sent and shows how many copies went out."""
    found = await _decide(update, context, grant, service.stop, N_("This alert is no longer being sent."))
    if found is None:
        return
    member, counts = found
    out = texts.stopped_screen(member.language, counts.sent, counts.cancelled)
    await render.edit(update, context.services, context.bot, out)


COMMANDS = [("alert", start)]
FLOWS = {FLOW: on_input}
ACTIONS = {
    "alert_area": toggle_area,
    "alert_areas_done": areas_done,
    "alert_topic": choose_topic,
    "alert_version": ask_version,
    "alert_urgent": urgent,
    "alert_preview": preview,
    "alert_edit": edit_draft,
    "alert_cancel": cancel,
    "alert_send": send,
    "alert_submit": submit,
    "alert_approve": approve,
    "alert_decline": decline,
    "alert_stop": stop,
}
