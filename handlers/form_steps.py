"""The steps of a form a staff member fills in with buttons and typed text (/register, /visit).

Each form is a dialog flow: the step it is at decides its screen. What the forms share is here:
starting one (or showing the one in progress), taking a button press only at the step it belongs
to, moving on with what the step kept, cancelling, explaining typed input that does not fit, and
sending the form at its review, where the update id lets a replay find what was filed before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Update

from core import areas
from core.cases.errors import CaseError
from core.cases.filing import FormSentAlready
from core.cases.lifecycle import TransitionRefused
from core.dialog_state import clear, get, put
from core.dialogs import Dialog
from core.i18n import N_, Safe, t
from core.models import ButtonGrant, Staff
from core.outgoing import Outgoing
from handlers import common, form_screen, render
from handlers.context import JmContext
from handlers.router import ActionHandler

STEP_PAST = N_("This step is already past; please use the latest message.")

Screen = Callable[[JmContext, Staff, Dialog], Awaitable[Outgoing]]
Submit = Callable[[JmContext, Staff, dict[str, Any], int], Awaitable[Outgoing]]


class Refusal(Protocol):
    """Input that does not fit the step: `reason` is a msgid, `values` fill it in."""

    reason: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StaffForm:
    """One form's flow, what is said when it is gone, and how the step it is at is drawn.

    A press for a step already past (a second tap, or a press handled again after a crash whose
    redraw never arrived) also redraws the pressed message with the current step.
    """

    flow: str
    gone: str
    screen: Screen

    async def start(
        self,
        update: Update,
        context: JmContext,
        step: str,
        initial: Callable[[JmContext, Staff], Awaitable[dict[str, Any]]],
    ) -> None:
        """A new form at `step` with `initial` data, or the one in progress where it was left."""
        staff = await common.staff_member(update, context)
        if staff is None or staff.telegram_id is None:
            return
        existing = await get(context.services, staff.telegram_id)
        if existing is not None and existing.flow == self.flow:
            await self.show(update, context, staff, existing)
            return
        dialog = await put(context.services, staff.telegram_id, self.flow, step, await initial(context, staff))
        await self.show(update, context, staff, dialog)

    async def show(
        self, update: Update, context: JmContext, staff: Staff, dialog: Dialog, *, edit: bool = False
    ) -> None:
        """The screen of the step the form is at, in the pressed message (`edit`) or a new one below
        (the screen before then loses its buttons: only the newest is live)."""
        await form_screen.show(update, context, dialog, await self.screen(context, staff, dialog), edit=edit)

    async def at(
        self, update: Update, context: JmContext, expected: str | frozenset[str] | None
    ) -> tuple[Dialog, Staff] | None:
        """The staff member's form for a button press, if the button belongs to the step(s) it is at."""
        staff = await common.staff_member(update, context)
        if staff is None or staff.telegram_id is None:
            return None
        dialog = await get(context.services, staff.telegram_id)
        if dialog is None or dialog.flow != self.flow:
            await common.alert(update, staff.language, self.gone)
            return None
        steps = frozenset({expected}) if isinstance(expected, str) else expected
        if steps is not None and dialog.step not in steps:
            await common.alert(update, staff.language, STEP_PAST)
            await self.show(update, context, staff, dialog, edit=True)
            return None
        return dialog, staff

    async def advance(
        self,
        update: Update,
        context: JmContext,
        found: tuple[Dialog, Staff],
        step: str,
        changes: dict[str, Any],
        *,
        edit: bool = True,
    ) -> None:
        """Keeps `changes` and shows `step`: in the pressed message, or (`edit=False`) after typed text."""
        dialog, staff = found
        dialog = Dialog(dialog.user_id, self.flow, step, {**dialog.data, **changes})
        await common.ack(update)  # nothing to answer after typed text
        await form_screen.step(update, context, dialog, await self.screen(context, staff, dialog), edit=edit)

    async def press(
        self,
        update: Update,
        context: JmContext,
        at: str | frozenset[str],
        step: str,
        changes: dict[str, Any],
    ) -> None:
        """A button of step(s) `at` keeps `changes` and shows `step`; a press from elsewhere is refused."""
        found = await self.at(update, context, at)
        if found:
            await self.advance(update, context, found, step, changes)

    def pressing(self, at: str, step: str, changes: dict[str, Any]) -> ActionHandler:
        """The handler of a button that only moves the form on: `press(at, step, changes)`."""

        async def handler(update: Update, context: JmContext, grant: ButtonGrant) -> None:
            await self.press(update, context, at, step, changes)

        return handler

    def cancelling(self, said: str) -> ActionHandler:
        """The handler of the form's cancel button: `cancel(said)`."""

        async def handler(update: Update, context: JmContext, grant: ButtonGrant) -> None:
            await self.cancel(update, context, said)

        return handler

    def sending(self, submit: Submit) -> ActionHandler:
        """The handler of the form's send button: `send(submit)`."""

        async def handler(update: Update, context: JmContext, grant: ButtonGrant) -> None:
            await self.send(update, context, submit)

        return handler

    async def pick_area(self, update: Update, context: JmContext, grant: ButtonGrant, *, at: str, then: str) -> None:
        """An area pressed at step `at`: its parts are shown, or (where people live) it is the one
        chosen and the form goes on to `then`."""
        found = await self.at(update, context, at)
        if not found:
            return
        area_id = int(grant.payload["area_id"])
        area, parts = await areas.with_parts(context.services, area_id)
        if area is None:
            await common.answer_expired(update, context)
        elif parts and not grant.payload.get("pick"):
            await self.advance(update, context, found, at, {"area_parent": area_id})
        else:
            await self.advance(update, context, found, then, {"area_id": area_id})

    async def area_up(self, update: Update, context: JmContext, grant: ButtonGrant, *, at: str) -> None:
        """Shows the areas one level up, at step `at`."""
        found = await self.at(update, context, at)
        if found:
            parent_id = await areas.level_above(context.services, int(grant.payload["area_id"]))
            await self.advance(update, context, found, at, {"area_parent": parent_id})

    async def cancel(self, update: Update, context: JmContext, said: str) -> None:
        """Drops the form and says so (`said` is a msgid) in the pressed message."""
        found = await self.at(update, context, None)
        if found:
            dialog, staff = found
            await clear(context.services, dialog.user_id)
            await common.ack(update)
            await form_screen.retire(update, context, dialog)
            await render.edit(update, context.services, context.bot, Outgoing(Safe(t(staff.language, said))))

    async def refuse(self, update: Update, context: JmContext, staff: Staff, dialog: Dialog, bad: Refusal) -> None:
        """Typed input that does not fit: a brief line says why; the step's screen stays the live
        one (or, out of sight, is shown anew below)."""

        async def redraw() -> Outgoing:
            return await self.screen(context, staff, dialog)

        await form_screen.explain(update, context, dialog, t(staff.language, bad.reason, **bad.values), redraw)

    async def send(self, update: Update, context: JmContext, submit: Submit) -> None:
        """Files the form with `submit` (given the update id), and shows what it says in the pressed message."""
        staff = await common.staff_member(update, context)
        if staff is None or staff.telegram_id is None:
            return
        dialog = await get(context.services, staff.telegram_id)
        data = dialog.data if dialog is not None and dialog.flow == self.flow else {}
        try:
            out = await submit(context, staff, data, update.update_id)
        except FormSentAlready:
            await common.alert(update, staff.language, self.gone)
            return
        except (CaseError, TransitionRefused) as refused:
            await common.alert(update, staff.language, refused.reason)
            return
        await common.ack(update)
        if dialog is not None and dialog.flow == self.flow:
            await form_screen.retire(update, context, dialog)
        await render.edit(update, context.services, context.bot, out)
