"""Keeping the staff cards of a case current: one live card per case per staff member.

After every step of a case (core/cases/notify.py redraw_cards) each card the outbox sent about it
is redrawn in place, as the case is now. A card is live only while it is the newest one of its
case in its chat and the case is still its reader's to work: an older card (a fresh one was sent
below, so the phone rang: information added, reopened, transferred back) becomes a short line
pointing below, and the card of an officer the case was transferred away from becomes a short
line naming who has it now. Neither has buttons, so a stale card never offers a step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core import labels
from core.cases.routing import area_chain, may_handle
from core.cases.texts import render_card
from core.i18n import N_, t
from core.models import OPEN_STATUSES, Case, Language, Staff, Status
from core.outbox import Renderer
from core.outgoing import Outgoing
from storage import people, staff_cards

# The outbox kind that redraws an officer's earlier card in place.
CARD_REDRAW = "case_card_redraw"
# The kind of the cards themselves (core/cases/notify.py notify_staff).
CASE_CARD = "case_card"

SUPERSEDED = N_("📋 Case <code>{number}</code> ({kind}): this card is out of date; the current one is below.")
AWAY = N_("📋 Case <code>{number}</code> ({kind}): now handled by officer {name}.")
WORKED = N_("Case <code>{number}</code>: {status}. The card above has been updated.")


def superseded_card(lang: Language, case: Case) -> Outgoing:
    """An older card of a case whose newer card was sent below: one line, no buttons."""
    return Outgoing(t(lang, SUPERSEDED, number=case.number, kind=labels.kind(lang, case.kind)))


def away_card(lang: Language, case: Case, assignee: Staff | None) -> Outgoing:
    """The card of a case that is no longer its reader's (transferred to a colleague): who has it now."""
    name = assignee.name if assignee is not None else "—"
    return Outgoing(t(lang, AWAY, number=case.number, kind=labels.kind(lang, case.kind), name=name))


def worked_notice(lang: Language, case: Case, note: str | None = None, referral: str | None = None) -> Outgoing:
    """What answers the words a step waited for (办结, 不予受理, 上报 "other"): one line and the
    words, no buttons. The case's card above is redrawn in place by the outbox, so it stays the
    one card of the case in the chat."""
    lines = [t(lang, WORKED, number=case.number, status=labels.status(lang, case.status))]
    if note:
        label = N_("Note to the resident: {note}") if case.status is Status.RESOLVED else N_("Reason: {note}")
        lines.append(t(lang, label, note=note))
    if referral:
        lines.append(t(lang, "The resident was pointed to: {where}", where=referral))
    return Outgoing("\n".join(lines))


async def render_card_redraw(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """An officer's earlier card, redrawn in place as the case is now (see notify.redraw_cards).

    Without buttons once the case is over (queued for that: payload "final"; or redrawn for
    another reason, a deleted resident, after it ended), so a settled card never comes alive;
    a short line once a newer card of the case went to the same chat, or once the case is no
    longer the reader's to work.
    """
    if payload.get("staff_id") is None:
        return None
    case = await storage.cases.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if case is None or member is None:
        return None
    edit = int(payload["message_id"])
    row_id = payload.get("card_row")
    chat_id = member.telegram_id
    newer = row_id is not None and chat_id is not None
    if newer and await staff_cards.newer_exists(conn, case.id, chat_id or 0, int(row_id or 0), CASE_CARD):
        return dataclasses.replace(superseded_card(member.language, case), edit_message_id=edit)
    if not may_handle(member, case, await area_chain(conn, case.area_id)):
        assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
        return dataclasses.replace(away_card(member.language, case, assignee), edit_message_id=edit)
    card = await render_card(conn, {**payload, "reason": "current"})
    if card is None:
        return None
    buttons = () if payload.get("final") or case.status not in OPEN_STATUSES else card.buttons
    return dataclasses.replace(card, buttons=buttons, edit_message_id=edit)


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {CARD_REDRAW: render_card_redraw}
