def sub(p, a, b, count=1):
    s = open(p).read()
    assert s.count(a) == count, (p, a[:60], s.count(a))
    s = s.replace(a, b)
    open(p, "w").write(s)

# --- common: one message for a note + the menu; the media hint for residents
sub("handlers/common.py", '''NOT_STAFF = N_("This is only for enrolled station staff, in a private chat with the bot.")''',
'''NOT_STAFF = N_("This is only for enrolled station staff, in a private chat with the bot.")
UNKNOWN_COMMAND = N_("I do not know that command. Here is what I can do:")
MEDIA_HINT = N_("To report something, please use /report.")''')
sub("handlers/common.py", '''def menu(lang: Language, consented: bool) -> Outgoing:
    """The resident's main menu."""
    if not consented:
        text = screen(
            lang,
''', '''def menu(lang: Language, consented: bool, note: str = "") -> Outgoing:
    """The resident's main menu, after `note` (already translated) if there is one."""
    if not consented:
        text = screen(
            lang,
            note,
''')
sub("handlers/common.py", '''    text = screen(
        lang,
        t(lang, "<b>What would you like to do?</b>"),''', '''    text = screen(
        lang,
        note,
        t(lang, "<b>What would you like to do?</b>"),''')
sub("handlers/common.py", '''async def show_menu(update: Update, context: JmContext) -> None:
    """The answer to anything outside a dialog: the menu (or the staff help)."""
    user = update.effective_user
    if user is None:
        return
    member = await desk.staff_for(context.services, user.id)
    if member is not None:
        out = Outgoing(Safe(t(member.language, "Staff commands: /queue — my open cases; /help — all commands.")))
        await render.reply(update, context.services, context.bot, out)
        return
    resident = await current_resident(update, context)
    lang = await language_for(update, context)
    if resident is None:
        await render.reply(
            update, context.services, context.bot, Outgoing(screen(lang, t(lang, "Welcome! Send /start to begin.")))
        )
        return
    await render.reply(update, context.services, context.bot, menu(lang, resident.consented_at is not None))''',
'''async def show_menu(update: Update, context: JmContext, *, note: str = "", hint: str = "") -> None:
    """The answer to anything outside a dialog: the menu (or the staff help), in one message.

    `note` (a message id, for everyone) and `hint` (for residents only) come first.
    """
    user = update.effective_user
    if user is None:
        return
    member = await desk.staff_for(context.services, user.id)
    if member is not None:
        staff_lang = member.language
        help_line = t(staff_lang, "Staff commands: /queue — my open cases; /help — all commands.")
        out = Outgoing(Safe("\\n".join(part for part in (t(staff_lang, note) if note else "", help_line) if part)))
        await render.reply(update, context.services, context.bot, out)
        return
    resident = await current_resident(update, context)
    lang = await language_for(update, context)
    first = "\\n".join(t(lang, msgid) for msgid in (note, hint) if msgid)
    if resident is None:
        welcome = screen(lang, first, t(lang, "Welcome! Send /start to begin."), footer=True)
        await render.reply(update, context.services, context.bot, Outgoing(welcome))
        return
    await render.reply(update, context.services, context.bot, menu(lang, resident.consented_at is not None, first))''')

# --- router: media outside any form gets the /report hint with the menu
sub("handlers/router.py", '''        if dialog is None or handler is None:
            await common.show_menu(update, context)
            return''', '''        if dialog is None or handler is None:
            message = update.effective_message
            media = message is not None and bool(
                message.photo or message.location or message.sticker or message.document or message.video
                or message.voice or message.audio or message.video_note or message.animation or message.venue
            )
            await common.show_menu(update, context, hint=common.MEDIA_HINT if media else "")
            return''')

# --- unknown command: one message
sub("handlers/onboarding.py", '''async def unknown_command(update: Update, context: JmContext) -> None:
    lang = await common.language_for(update, context)
    await render.reply(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(lang, "I do not know that command. Here is what I can do:"))),
    )
    await common.show_menu(update, context)''', '''async def unknown_command(update: Update, context: JmContext) -> None:
    """One message: the command is not known, and what the bot can do."""
    await common.show_menu(update, context, note=common.UNKNOWN_COMMAND)''')

# --- mycases: the list as a screen of its own, details with a way back
sub("handlers/mycases.py", '''    found = await case_service.of_resident(context.services, resident)
    if not found:
        text = common.screen(lang, t(lang, "You have not filed any cases yet. Use /report to file one."))
        await render.reply(update, context.services, context.bot, Outgoing(text))
        return
    tz = context.services.config.tz
    lines = [t(lang, "<b>My cases</b>")] + [case_line(lang, c, tz) for c in found]
    buttons = [
        [Button(f"{c.number} · {labels.status(lang, c.status)}", "my_case_open", {"case_id": c.id})] for c in found[:10]
    ]
    await render.reply(
        update, context.services, context.bot, Outgoing(common.screen(lang, "\\n".join(lines)), rows(*buttons))
    )
''', '''    await render.reply(update, context.services, context.bot, await _list_screen(context, resident, lang))


async def _list_screen(context: JmContext, resident: Resident, lang: Language) -> Outgoing:
    found = await case_service.of_resident(context.services, resident)
    if not found:
        return Outgoing(common.screen(lang, t(lang, "You have not filed any cases yet. Use /report to file one.")))
    tz = context.services.config.tz
    lines = [t(lang, "<b>My cases</b>")] + [case_line(lang, c, tz) for c in found]
    buttons = [
        [Button(f"{c.number} · {labels.status(lang, c.status)}", "my_case_open", {"case_id": c.id, "edit": True})]
        for c in found[:10]
    ]
    return Outgoing(common.screen(lang, "\\n".join(lines)), rows(*buttons))


async def back_to_list(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The details' way back: the same message becomes the list again."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await common.alert(update, lang, case_service.CASE_NOT_FOUND)
        return
    await common.ack(update)
    await render.edit(update, context.services, context.bot, await _list_screen(context, resident, lang))
''')
sub("handlers/mycases.py", '''    await common.ack(update)
    text = common.screen(lang, case_summary(lang, case, events, context.services.config.tz))
    await render.reply(update, context.services, context.bot, Outgoing(text, rows(buttons)))''',
'''    back = [Button(tp(lang, "« Back to my cases"), "my_cases_back", {})]
    await common.ack(update)
    text = common.screen(lang, case_summary(lang, case, events, context.services.config.tz))
    out = Outgoing(text, rows(buttons, back))
    if grant.payload.get("edit"):  # opened from the list (or back from a question): the same message
        await render.edit(update, context.services, context.bot, out)
    else:  # opened from a notice, which stays as it was
        await render.reply(update, context.services, context.bot, out)''')
sub("handlers/mycases.py", '''Button(tp(lang, "No, keep it"), "my_case_open", {"case_id": case.id}),''',
'''Button(tp(lang, "No, keep it"), "my_case_open", {"case_id": case.id, "edit": True}),''')
sub("handlers/mycases.py", '''    "my_case_open": open_case,
''', '''    "my_case_open": open_case,
    "my_cases_back": back_to_list,
''')

sub("handlers/mycases.py", "from core.models import OPEN_STATUSES, ButtonGrant, Case, Kind, Language",
    "from core.models import OPEN_STATUSES, ButtonGrant, Case, Kind, Language, Resident")
entries = {
    "zh_Hans": [("To report something, please use /report.", "反映情况请使用 /report。"), ("« Back to my cases", "« 返回我的诉求")],
    "zh_Hant": [("To report something, please use /report.", "反映情況請使用 /report。"), ("« Back to my cases", "« 返回我的訴求")],
    "en": [("To report something, please use /report.", "To report something, please use /report."), ("« Back to my cases", "« Back to my cases")],
}
for lang, pairs in entries.items():
    p = f"core/locales/{lang}/LC_MESSAGES/resident.po"
    s = open(p).read().rstrip("\n") + "\n"
    for msgid, msgstr in pairs:
        s += f'\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n'
    open(p, "w").write(s)
