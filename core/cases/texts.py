"""Texts and keyboards about cases, as pure functions, plus the outbox renderers that use them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
import storage.cards
import storage.cases
from core import labels, pii
from core.cards.model import Card, Channel, Echo
from core.cases import actions, reasons
from core.cases.lifecycle import Action, Actor, allowed_actions
from core.i18n import N_, Safe, fmt, t, tp
from core.models import Area, Case, CaseEvent, Language, Resident, Staff, Status
from core.names import DEFAULT_TITLES, ESCALATION_ROLE, Titles, area_name
from core.outbox import Renderer, payload_tz
from core.outgoing import Button, Outgoing, rows
from core.screens import resident_screen
from storage import people

# The officer's card: the button of each step, and its label.
CARD_ACTIONS = {
    Action.ACCEPT: (actions.ACCEPT, N_("✅ Accept")),
    Action.START: (actions.START, N_("▶️ Start work")),
    Action.RESOLVE: (actions.RESOLVE, N_("☑️ Resolve")),
    Action.TRANSFER: (actions.TRANSFER, N_("🔁 Transfer")),
    Action.ESCALATE: (actions.ESCALATE, N_("⬆️ Escalate")),
    Action.REJECT: (actions.REJECT, N_("✖️ Reject")),
}

ADDED_DESCRIPTION_MAX = 800

CARD_HEADLINE = {
    "new": N_("🆕 New case assigned to you"),
    "transfer": N_("🔁 A case was transferred to you"),
    "escalate": N_("⬆️ A case was escalated to you"),
    "withdrawn": N_("↩️ The resident withdrew a case"),
    "info": N_("📎 The resident added information"),
    "reopen": N_("🔄 A case was reopened"),
    "current": N_("📋 Case"),
}


def local(at: datetime | None, tz: ZoneInfo) -> str:
    """A time as the station reads it, YYYY-MM-DD HH:MM; a dash for none."""
    return "—" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# What a staff card says for the name and the phone of a resident who deleted their data.
DELETED = N_("deleted")


def resident_facts(lang: Language, resident: Resident | None) -> tuple[str, str]:
    """The resident's name and masked phone as staff see them; 已删除 for both once the resident
    deleted their data (a card redrawn after /privacy, or opened later)."""
    if resident is None or resident.deleted:
        deleted = tp(lang, DELETED)
        return deleted, deleted
    return resident.first_name or "—", mask_phone(resident.phone)


def mask_phone(phone: str | None) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return "—"
    digits = phone.strip()
    if len(digits) <= 4:
        return "****"
    return digits[:3] + "****" + digits[-4:]


# How the case reached the ledger, as storage.cards.source_of reads it.
Source = tuple[Channel, Card | None, Echo | None]


def origin_line(lang: Language, channel: Channel, card: Card | None, echo: Echo | None) -> str:
    """Where the case came from (来访, 来电, 家访, or a 回音卡 with its number and what the 回音 is
    about: praise and a complaint about the police are the same kind in the ledger)."""
    came = tp(lang, labels.CHANNEL[channel])
    if card is None or echo is None:
        return t(lang, "Source: {channel}", channel=came)
    return t(
        lang,
        "Source: {channel} (card No. {card}) · {echo}",
        channel=came,
        card=card.number,
        echo=tp(lang, labels.ECHO[echo]),
    )


def officer_card(
    lang: Language,
    case: Case,
    *,
    reason: str,
    area: Area | None,
    resident: Resident | None,
    assignee: Staff | None,
    tz: ZoneInfo,
    source: Source | None = None,
    added: CaseEvent | None = None,
    moved: tuple[CaseEvent, str] | None = None,
) -> Outgoing:
    """The card an officer works a case from: the facts, the description, the buttons.

    `added` is the resident's addition (an "add_info" event) this card announces: its text and
    the number of its photos are shown, and a button opens those photos. `moved` is the transfer,
    escalation or withdrawal it announces, with who made it: the card says who and why.
    """
    name, phone = resident_facts(lang, resident)
    lines = [
        fmt("<b>{headline}</b>", headline=tp(lang, CARD_HEADLINE.get(reason, CARD_HEADLINE["current"]))),
        t(lang, "Case number: <code>{number}</code>", number=case.number),
    ]
    if case.priority:
        lines.append(t(lang, "🟢 <b>Priority channel</b> (elderly or disabled resident)"))
    lines += [
        t(
            lang,
            "Kind: {kind} · {category}",
            kind=labels.kind(lang, case.kind),
            category=labels.category(lang, case.category),
        ),
        *([origin_line(lang, *source)] if source and source[0] is not Channel.TELEGRAM else []),
        t(lang, "Area: {area}", area=area_name(area, lang)),
        t(lang, "Status: {status}", status=labels.status(lang, case.status)),
        t(lang, "Handled by: {name}", name=assignee.name if assignee else "—"),
        t(lang, "Resident: {name} · phone {phone}", name=name, phone=phone),
        t(
            lang,
            "Filed: {at} · acknowledge by {ack} · resolve by {due}",
            at=local(case.created_at, tz),
            ack=local(case.ack_due_at, tz),
            due=local(case.resolve_due_at, tz),
        ),
        "",
        # Next to an addition of up to 2000 characters the description is shortened, to stay
        # within Telegram's 4096; the full text is on the card ("« Back") and in the timeline.
        fmt(
            "<blockquote>{text}</blockquote>",
            text=_shorten(pii.mask(case.description), ADDED_DESCRIPTION_MAX if added is not None else None),
        ),
    ]
    if case.photos:
        lines.append(t(lang, "Photos: {count}", count=len(case.photos)))
    if case.location:
        lines.append(t(lang, "Location: {lat:.5f}, {lon:.5f}", lat=case.location[0], lon=case.location[1]))
    if moved is not None:
        lines += ["", *moved_lines(lang, *moved)]
    opens_added = None
    if added is not None:
        lines += ["", t(lang, "<b>📎 Added by the resident</b> · {at}", at=local(added.at, tz))]
        if added.note:
            lines.append(fmt("<blockquote>{text}</blockquote>", text=pii.mask(added.note)))
        added_photos = int(added.data.get("photos", 0))
        if added_photos:
            lines.append(t(lang, "Photos added: {count}", count=added_photos))
            opens_added = Button(
                tp(lang, "📷 Added photos ({count})", count=added_photos),
                actions.MEDIA,
                {"case_id": case.id, "event_id": added.id},
            )
    return Outgoing(Safe("\n".join(lines)), officer_buttons(lang, case, resident, opens_added))


def moved_lines(lang: Language, event: CaseEvent, by: str) -> list[str]:
    """Who transferred, escalated or withdrew the case and why, for the card that announces it."""
    lines = [t(lang, "From: {name}", name=by)]
    action = reasons.action_of(event.action)
    code = event.data.get("reason")
    if action is not None and code:
        lines.append(t(lang, "Reason: {note}", note=reasons.reason_text(lang, action, str(code), event.note)))
    return lines


def officer_buttons(
    lang: Language, case: Case, resident: Resident | None, opens_added: Button | None = None
) -> tuple[tuple[Button, ...], ...]:
    """The card's buttons: the steps the handler may take now, the timeline, the contact and the photos."""
    payload = {"case_id": case.id, "version": case.version}
    steps = [
        Button(tp(lang, CARD_ACTIONS[a][1]), CARD_ACTIONS[a][0], payload)
        for a in allowed_actions(case.status, Actor.HANDLER)
        if a in CARD_ACTIONS
    ]
    extra = [Button(tp(lang, "🗂 Timeline"), actions.TIMELINE, {"case_id": case.id})]
    masked = bool(pii.find(case.description))  # numbers on the card, shown in full by the same reveal
    if resident is not None and (resident.phone or masked) and not resident.deleted:
        extra.insert(0, Button(tp(lang, "📞 Show contact"), actions.CONTACT, {"case_id": case.id}))
    media = [opens_added] if opens_added is not None else []
    if case.photos or case.location:
        media.append(Button(tp(lang, "📷 Photos & location"), actions.MEDIA, {"case_id": case.id}))
    return rows(steps[:3], steps[3:], media, extra)


STATUS_MESSAGE = {
    Status.ACCEPTED: N_("Your case {number} has been accepted. Officer {officer} is in charge of it."),
    Status.IN_PROGRESS: N_("Work on your case {number} has started."),
    Status.TRANSFERRED: N_("Your case {number} is now handled by officer {officer}, who will contact you."),
    Status.ESCALATED: N_("Your case {number} has been referred to the {title} so it gets more attention."),
    Status.RESOLVED: N_("Your case {number} has been resolved."),
    Status.REOPENED: N_("Your case {number} has been reopened and will be handled again."),
    Status.CLOSED: N_("Your case {number} is now closed. Thank you."),
    Status.REJECTED: N_("Your case {number} could not be accepted by the station."),
}


def resident_status(
    lang: Language,
    case: Case,
    event: CaseEvent,
    officer: Staff | None,
    tz: ZoneInfo,
    titles: Titles = DEFAULT_TITLES,
    escalated_to: Staff | None = None,
) -> Outgoing:
    """What the resident is told when their case moves on (`officer`: who has it now; an escalation
    names the title of whom it went up to)."""
    status = event.to_status or case.status
    template = STATUS_MESSAGE.get(status, N_("Your case {number} is now: {status}."))
    lines = [
        t(
            lang,
            template,
            number=case.number,
            officer=officer.name if officer else "—",
            status=labels.status(lang, status),
            title=titles.of(escalated_to.role if escalated_to else ESCALATION_ROLE, lang),
        )
    ]
    if event.note and status in (Status.RESOLVED, Status.REJECTED):
        label = N_("Officer's note: {note}") if status is Status.RESOLVED else N_("Reason: {note}")
        lines.append(t(lang, label, note=event.note))
    referral = event.data.get("referral")
    if referral:
        lines.append(t(lang, "Where to go instead: {where}", where=str(referral)))
    lines.append(fmt("<i>{at}</i>", at=local(event.at, tz)))
    buttons = rows([Button(tp(lang, "📄 View case"), "my_case_open", {"case_id": case.id})])
    return Outgoing(resident_screen(lang, "\n".join(lines)), buttons)


def case_summary(
    lang: Language,
    case: Case,
    events: list[CaseEvent],
    tz: ZoneInfo,
    *,
    staff: bool = False,
    names: Mapping[int, str] | None = None,
) -> str:
    """A case with its timeline, as the resident or (with `staff`) an officer reads it.

    Staff see the personal numbers typed into the description and the notes masked, as on the
    card, until the audited reveal; the resident sees their own text as they typed it. Staff also
    see why a case was transferred or escalated and, with `names` (staff id → name), to whom; the
    resident sees the reason of their own withdrawal, not the officers' notes to each other.
    """
    shown = pii.mask if staff else _as_typed
    lines = [
        t(lang, "<b>Case {number}</b>", number=case.number),
        t(
            lang,
            "Kind: {kind} · {category}",
            kind=labels.kind(lang, case.kind),
            category=labels.category(lang, case.category),
        ),
        t(lang, "Status: {status}", status=labels.status(lang, case.status)),
        fmt("<blockquote>{text}</blockquote>", text=_shorten(shown(case.description), 600)),
        t(lang, "<b>Timeline</b>"),
    ]
    for event in events:
        what = labels.event(lang, event.action)
        action, code = reasons.action_of(event.action), event.data.get("reason")
        between_staff = event.actor_kind == "staff" and action is not None  # 转办 and 上报
        if action is not None and code and (staff or not between_staff):
            why = reasons.reason_text(lang, action, str(code), event.note and shown(event.note))
            what = tp(lang, "{event}: {note}", event=what, note=_shorten(why, 300))
        elif event.note and (staff or not between_staff):
            what = tp(lang, "{event}: {note}", event=what, note=_shorten(shown(event.note), 300))
        to = event.data.get("to_staff_id")
        if staff and between_staff and names and to is not None and int(str(to)) in names:
            what = tp(lang, "{event}, to {name}", event=what, name=names[int(str(to))])
        lines.append(fmt("• {at} {what}", at=local(event.at, tz), what=what))
    return Safe("\n".join(lines))


def _as_typed(text: str) -> str:
    return text


def _shorten(text: str, limit: int | None) -> str:
    """`text` cut to `limit` characters (None: as it is). Mask before shortening: a number cut in
    half would no longer be recognised, and its first digits would show."""
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def case_line(lang: Language, case: Case, tz: ZoneInfo) -> str:
    """One line per case in a list (/mycases, /queue)."""
    flag = "🟢 " if case.priority else ""
    return fmt(
        "{flag}<code>{number}</code> {kind} · {status} · {at}",
        flag=flag,
        number=case.number,
        kind=labels.kind(lang, case.kind),
        status=labels.status(lang, case.status),
        at=local(case.created_at, tz),
    )


# --- outbox renderers ------------------------------------------------------------------------


async def render_card(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The officer's case card as an outbox message will show it; None when the case or officer is gone."""
    case = await storage.cases.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if case is None or member is None:
        return None
    source = await storage.cards.source_of(conn, case.id)
    area = await storage.areas.area(conn, case.area_id) if case.area_id else None
    resident = await people.resident(conn, case.resident_id) if case.resident_id else None
    assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    reason = str(payload.get("reason", "new"))
    added = moved = None
    if reason in ("info", "transfer", "escalate", "withdrawn") and payload.get("event_id") is not None:
        event_id = int(payload["event_id"])
        event = next((e for e in await storage.cases.events(conn, case.id) if e.id == event_id), None)
        if reason == "info":
            added = event
        elif event is not None:
            moved = (event, await _actor_name(conn, member.language, event, resident))
    return officer_card(
        member.language,
        case,
        reason=reason,
        area=area,
        resident=resident,
        assignee=assignee,
        tz=payload_tz(payload),
        source=source,
        added=added,
        moved=moved,
    )


async def _actor_name(conn: AsyncConnection, lang: Language, event: CaseEvent, resident: Resident | None) -> str:
    """Who made a step, as a card names them: the staff member, or the resident (已删除 once deleted)."""
    if event.actor_kind == "staff" and event.actor_id is not None:
        found = await people.staff_member(conn, event.actor_id)
        return found.name if found is not None else "—"
    return resident_facts(lang, resident)[0]


async def render_status(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The resident's notice of one step of their case; None when the case, resident or step is gone."""
    case = await storage.cases.get(conn, int(payload["case_id"]))
    if case is None or case.resident_id is None:
        return None
    resident = await people.resident(conn, case.resident_id)
    if resident is None or resident.deleted:
        return None
    event = next((e for e in await storage.cases.events(conn, case.id) if e.id == int(payload["event_id"])), None)
    if event is None:
        return None
    officer = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    titles = await storage.areas.station_titles(conn)
    up_to = event.data.get("to_staff_id") if event.action == "escalate" else None
    escalated_to = await people.staff_member(conn, int(up_to)) if up_to else None
    return resident_status(resident.language, case, event, officer, payload_tz(payload), titles, escalated_to)


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    "case_card": render_card,
    "case_status": render_status,
}
