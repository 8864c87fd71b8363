"""回音卡: the card's deep link for residents (/start card_<code>), their 回音, and /cards for staff.

A resident who scans a card is onboarded as usual, with the neighbourhood preset from the card;
onboarding then offers the card's 回音 (see `offer_after_onboarding`). Staff print cards with
/cards (or `jingmin cards print`).
"""

from __future__ import annotations

import logging

from telegram import Update

from core import dialog_state, enrolment, residents
from core.cards import printing, scanning, texts
from core.cards.model import Card, Echo
from core.cards.sheet import FontMissing
from core.cases.errors import CaseError
from core.cases.filing import filed_by
from core.dialog_state import clear, put, step_away
from core.dialogs import Dialog
from core.i18n import N_, Safe, language_of, t, tp
from core.models import ButtonGrant, Case, Resident, Staff
from core.onboarding import choose_language
from core.outgoing import Attachment, Outgoing
from handlers import common, render
from handlers.context import JmContext
from handlers.form_steps import STEP_PAST
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

FLOW_ECHO, FLOW_PROFILE = "card_echo", "cards_profile"
PRINT_FAILED = N_("Sorry, the cards could not be made just now. The station's IT person can see why in the bot's log.")


# --- residents: the card's link and the 回音 ------------------------------------------------


async def start_with_card(update: Update, context: JmContext, code: str) -> None:
    """`/start card_<code>`: the card becomes the resident's; onboarding or the card screen follows."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    member = await enrolment.staff_for(services, user.id)
    if member is not None:
        found = await scanning.look(services, code)
        lang = member.language
        out = texts.staff_card_note(lang, found[0].number, found[1].name if found[1] else "—") if found else None
        await render.reply(update, services, context.bot, out or Outgoing(t(lang, scanning.CARD_UNKNOWN)))
        return
    resident = await residents.get_or_create(services, user.id, user.first_name, language_of(user.language_code))
    await step_away(services, user.id)
    scan = await scanning.scan(services, resident, code)
    lang = resident.language
    if scan.outcome is not scanning.Outcome.YOURS:
        reason = scanning.CARD_UNKNOWN if scan.outcome is scanning.Outcome.UNKNOWN else scanning.CARD_TAKEN
        await render.reply(update, services, context.bot, Outgoing(common.screen(lang, t(lang, reason))))
        if resident.consented_at is None:
            await render.reply(update, services, context.bot, choose_language(lang, services.config.name))
        return
    if resident.consented_at is None:
        assert scan.card is not None
        hello = t(lang, "<b>回音卡 No. {number}</b>", number=scan.card.number)
        intro = Safe(hello + "\n" + texts.officer_line(lang, scan.officer, scan.profile))
        await render.reply(update, services, context.bot, Outgoing(intro))
        await render.reply(update, services, context.bot, choose_language(lang, services.config.name))
        return
    await render.reply(update, services, context.bot, texts.card_screen(lang, scan))


async def offer_after_onboarding(update: Update, context: JmContext, resident: Resident) -> bool:
    """At the end of onboarding: the 回音 of the card the resident came with; False if there is none."""
    card = await scanning.unanswered_card(context.services, resident)
    if card is None:
        return False
    await render.reply(update, context.services, context.bot, texts.offer(resident.language, card))
    return True


async def _resident_card(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Resident, int] | None:
    """The pressing resident and the card of the button, if it is theirs; anyone else gets an alert."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await common.answer_expired(update, context)
        return None
    try:
        card = await scanning.own_card(context.services, resident, int(grant.payload["card_id"]))
    except CaseError as exc:
        await common.alert(update, lang, exc.reason)
        return None
    if card.case_id is not None:
        await common.alert(update, lang, scanning.ALREADY_ANSWERED)
        return None
    return resident, card.id


async def echo_start(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """ "Send my 回音": what kind of 回音."""
    found = await _resident_card(update, context, grant)
    if found is None:
        return
    resident, card_id = found
    card = await scanning.own_card(context.services, resident, card_id)
    await common.ack(update)
    # In place of the card's screen, so its ✍️ button is not left live beside the open 回音.
    await render.edit(update, context.services, context.bot, texts.choose_echo(resident.language, card))


async def echo_type(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The kind chosen: ask for the text."""
    found = await _resident_card(update, context, grant)
    if found is None:
        return
    resident, card_id = found
    echo = Echo(grant.payload["echo"])
    services = context.services
    dialog = await _dialog(context, resident)
    if dialog is not None and int(dialog.data.get("card_id", 0)) == card_id and dialog.data.get("echo") == echo.value:
        await _redraw(update, context, resident, dialog)  # this kind is chosen already
        return
    await put(services, resident.telegram_id or 0, FLOW_ECHO, "text", {"card_id": card_id, "echo": echo.value})
    await common.ack(update)
    limit = services.config.description_max_chars
    await render.edit(update, services, context.bot, texts.ask_text(resident.language, echo, limit))


async def _redraw(update: Update, context: JmContext, resident: Resident, dialog: Dialog) -> None:
    """A second tap, or a press handled again after a crash whose screen was never redrawn: the
    pressed message shows the step the 回音 is at now, so the screen matches the form."""
    services, lang = context.services, resident.language
    echo = Echo(dialog.data["echo"])
    await common.alert(update, lang, STEP_PAST)
    if dialog.step == "review" and dialog.data.get("text"):
        card = await scanning.own_card(services, resident, int(dialog.data["card_id"]))
        out = texts.review(lang, card, echo, str(dialog.data["text"]))
    else:
        out = texts.ask_text(lang, echo, services.config.description_max_chars)
    await render.edit(update, services, context.bot, out)


async def echo_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The 回音's text: kept, then shown for review."""
    message = update.effective_message
    resident = await common.current_resident(update, context)
    if message is None or resident is None:
        return
    services = context.services
    lang = resident.language
    limit = services.config.description_max_chars
    text = (message.text or "").strip()
    if not text:
        await render.reply(update, services, context.bot, texts.text_only(lang))
        return
    if len(text) > limit:
        await render.reply(update, services, context.bot, texts.too_long(lang, limit, len(text)))
        return
    try:
        card = await scanning.own_card(services, resident, int(dialog.data["card_id"]))
    except CaseError as exc:
        await clear(services, message.chat_id)
        await render.reply(update, services, context.bot, Outgoing(t(lang, exc.reason)))
        return
    data = {**dialog.data, "text": text}
    await put(services, message.chat_id, FLOW_ECHO, "review", data)
    await render.reply(update, services, context.bot, texts.review(lang, card, Echo(data["echo"]), text))


async def _echo_form(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Resident, Dialog] | None:
    """The resident's 回音 form for the card of the button; None (and an answer) when it is gone."""
    found = await _resident_card(update, context, grant)
    if found is None:
        return None
    resident, card_id = found
    dialog = await _dialog(context, resident)
    if dialog is None or int(dialog.data.get("card_id", 0)) != card_id:
        await common.answer_expired(update, context)
        return None
    return resident, dialog


async def _dialog(context: JmContext, resident: Resident) -> Dialog | None:
    dialog = await dialog_state.get(context.services, resident.telegram_id or 0)
    return dialog if dialog is not None and dialog.flow == FLOW_ECHO else None


async def echo_send(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Files the 回音 as a case carrying the card's number."""
    services = context.services
    resident = await common.current_resident(update, context)
    filed = await _refiled(context, update) if resident else None
    if resident is not None and filed is not None:  # handled up to a crash: the same answer again
        await _show_filed(update, context, resident, *filed)
        return
    form = await _echo_form(update, context, grant)
    if form is None:
        return
    resident, dialog = form
    if dialog.step != "review" or not dialog.data.get("text"):
        await common.answer_expired(update, context)
        return
    try:
        case, card = await scanning.file_echo(
            services,
            resident,
            int(dialog.data["card_id"]),
            Echo(dialog.data["echo"]),
            str(dialog.data["text"]),
            update.update_id,
        )
    except CaseError as exc:
        await common.alert(update, resident.language, exc.reason)
        return
    await common.ack(update)
    await _show_filed(update, context, resident, case, card)


async def _refiled(context: JmContext, update: Update) -> tuple[Case, Card] | None:
    case = await filed_by(context.services, update.update_id)
    if case is None:
        return None
    resident = await common.current_resident(update, context)
    if resident is None:
        return None
    card = await scanning.card_of_case(context.services, resident, case.id)
    return (case, card) if card is not None else None


async def _show_filed(update: Update, context: JmContext, resident: Resident, case: Case, card: Card) -> None:
    officer = await scanning.answerer(context.services, card)
    out = texts.filed(resident.language, case, card, officer)
    await render.edit(update, context.services, context.bot, out)


async def echo_again(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Write the text again: back to the text step, the kind kept."""
    form = await _echo_form(update, context, grant)
    if form is None:
        return
    resident, dialog = form
    if dialog.step != "review":
        await _redraw(update, context, resident, dialog)
        return
    kept = {k: v for k, v in dialog.data.items() if k != "text"}
    await put(context.services, resident.telegram_id or 0, FLOW_ECHO, "text", kept)
    await common.ack(update)
    limit = context.services.config.description_max_chars
    await render.edit(
        update, context.services, context.bot, texts.ask_text(resident.language, Echo(dialog.data["echo"]), limit)
    )


async def echo_quit(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Drops the resident's 回音 on the card and says nothing was sent."""
    resident = await common.current_resident(update, context)
    if resident is None:
        await common.answer_expired(update, context)
        return
    if await _dialog(context, resident) is not None:
        await clear(context.services, resident.telegram_id or 0)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.cancelled(resident.language))


# --- staff: /cards -------------------------------------------------------------------------


async def cards_command(update: Update, context: JmContext) -> None:
    """/cards: print 回音卡; the first time, the title and contact line they show."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    found = await printing.profile(context.services, member)
    if found is None:
        await _ask_profile(update, context, member)
        return
    await render.reply(update, context.services, context.bot, texts.print_screen(member.language, member, found))


async def _ask_profile(update: Update, context: JmContext, member: Staff) -> None:
    await put(context.services, member.telegram_id or 0, FLOW_PROFILE, "title", {})
    await render.reply(update, context.services, context.bot, texts.ask_title(member.language))


async def change_profile(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks the officer again for the title and contact line their cards show."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    await common.ack(update)
    await _ask_profile(update, context, member)


async def profile_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The title, then the contact line; then the count to print."""
    message = update.effective_message
    member = await common.staff_member(update, context)
    if message is None or member is None:
        return
    lang, services = member.language, context.services
    text = (message.text or "").strip()
    if not text:
        ask = texts.ask_title(lang) if dialog.step == "title" else texts.ask_contact(lang)
        await render.reply(update, services, context.bot, ask)
        return
    if dialog.step == "title":
        await put(services, message.chat_id, FLOW_PROFILE, "contact", {"title": text[:64]})
        await render.reply(update, services, context.bot, texts.ask_contact(lang))
        return
    found = await printing.save_profile(services, member, str(dialog.data.get("title", "")), text)
    await clear(services, message.chat_id)
    await render.reply(update, services, context.bot, texts.print_screen(lang, member, found))


async def print_cards(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A count pressed: new cards and their A4 sheet, sent as a PDF."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    lang = member.language
    count = int(grant.payload["count"])
    await common.ack(update)
    try:
        sheet = await printing.print_sheet(context.services, member, count, lang)
    except (printing.CardError, FontMissing) as exc:
        log.error("cards for staff %s could not be made: %s", member.id, exc)
        await render.reply(update, context.services, context.bot, Outgoing(t(lang, PRINT_FAILED)))
        return
    first, last = sheet.numbers
    name = tp(lang, "echo-cards")
    filename = f"{name}_{first}_{last}.pdf"
    caption = texts.sheet_caption(lang, len(sheet.cards), first, last)
    out = Outgoing(caption, attachment=Attachment(filename, sheet.pdf))
    await render.reply(update, context.services, context.bot, out)


COMMANDS = [("cards", cards_command)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    texts.ACT_ECHO: echo_start,
    texts.ACT_ECHO_TYPE: echo_type,
    texts.ACT_SEND: echo_send,
    texts.ACT_AGAIN: echo_again,
    texts.ACT_QUIT: echo_quit,
    texts.ACT_PROFILE: change_profile,
    texts.ACT_PRINT: print_cards,
}

# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW_ECHO: echo_input,
    FLOW_PROFILE: profile_input,
}
