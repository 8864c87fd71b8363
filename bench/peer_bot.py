"""The peer of the throughput benchmark: the same 12-step filing conversation written the way most
python-telegram-bot bots are, with a `ConversationHandler` and `PicklePersistence`.

    python bench/peer_bot.py --token 123456:SANDBOX-TOKEN --base-url http://127.0.0.1:8081/bot \
        --persistence /tmp/peer.pickle --officer 9001

It asks the same questions with the same texts and inline keyboards as jingmin (/start, language,
consent, street, community, phone, 📝 反映诉求, kind, category, description, 继续, ✅ 确认提交), edits
the message of a pressed button in place, files the case in `bot_data` (a numbered dict entry, kept
by the persistence) and tells the officer with a message of their own. Nothing here is durable per
step: PicklePersistence writes its pickle every `update_interval` seconds (PTB's default, 60) and
at shutdown, so a crash loses up to a minute of conversations and cases. Updates are handled one
at a time (PTB's default), as such a bot runs.
"""

from __future__ import annotations

import argparse
import html
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

TZ = ZoneInfo("Asia/Shanghai")
STATION = "西丰派出所"
CODE = "XF"
NOTE_110 = "\n\n☎️ 紧急情况请直接拨打 110 报警。本平台非 24 小时人工值守。"
PRIVACY = (
    "隐私说明\n\n我们保存什么：您的 Telegram 账号 ID 和名字、所选语言和所在社区、您自愿提供的手机号，"
    "以及您提交的诉求内容、照片和位置。\n\n用途：供西丰派出所受理、转办、回访您的诉求，并统计办理情况。\n\n"
    "保存期限：诉求办结后保存 3 年，期满后删除照片和位置，诉求仅以匿名方式留存。\n\n"
    "谁能查看：负责您所在社区的民警及其上级领导。民警每次查看您的手机号都会被记录。\n\n"
    "您可以随时通过 /privacy 删除个人资料。"
)
MENU = (
    "请问您要办理什么事项？\n\n/report — 反映诉求\n/book — 视频约访\n/mycases — 我的诉求\n"
    "/mybookings — 我的视频约访\n/settings — 语言、所在社区、手机号\n"
    "/alerts — 本辖区的预警提示（可在 /settings 中选择接收哪些）" + NOTE_110
)
STREETS = {"东城街道": ("幸福里社区", "光明社区"), "西河镇": ("柳河村", "大庄村")}
KINDS = {
    "矛盾纠纷": ("邻里纠纷", "家庭纠纷", "婚恋纠纷", "债务纠纷", "物业纠纷", "其他纠纷"),
    "意见建议": ("治安防控", "交通出行", "其他建议"),
    "求助": ("走失寻人", "生活困难", "其他求助"),
    "咨询": ("户籍办理", "证件办理", "其他咨询"),
}
ICONS = {"意见建议": "💡", "矛盾纠纷": "🤝", "求助": "🆘", "咨询": "❓"}
LANG, CONSENT, STREET, COMMUNITY, PHONE, MENU_STATE, KIND, CATEGORY, DESCRIPTION, EXTRAS, REVIEW = range(11)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


MENU_KEYS = keyboard(
    [("📝 反映诉求", "menu:report"), ("📅 视频约访", "menu:book")],
    [("📂 我的诉求", "menu:mine"), ("⚙️ 设置", "menu:set")],
)
BACK_CANCEL = [("◀️ 返回", "back"), ("✖️ 取消", "cancel")]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"欢迎来到{STATION}警民连心桥。请选择语言。" + NOTE_110,
        reply_markup=keyboard([("简体中文", "lang:zh-hans"), ("繁體中文", "lang:zh-hant"), ("English", "lang:en")]),
    )
    return LANG


async def pressed(update: Update) -> str:
    """Answers the button press (the spinner stops) and returns its data."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    return query.data


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.callback_query is not None
    await update.callback_query.edit_message_text(text, reply_markup=markup)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    context.user_data["language"] = (await pressed(update)).removeprefix("lang:")
    await edit(update, PRIVACY, keyboard([("✅ 同意并继续", "consent:yes"), ("暂不同意", "consent:no")]))
    return CONSENT


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    if await pressed(update) != "consent:yes":
        await edit(update, "好的。如需使用，请随时发送 /start。")
        return ConversationHandler.END
    context.user_data["consented_at"] = datetime.now(TZ).isoformat()
    await edit(update, "请问您住在哪个街道（镇）？", keyboard(*([(s, f"street:{s}")] for s in STREETS)))
    return STREET


async def street(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    name = (await pressed(update)).removeprefix("street:")
    context.user_data["street"] = name
    rows = [[(c, f"community:{c}")] for c in STREETS[name]]
    await edit(update, f"您住在{name}的哪个社区（村）？", keyboard(*rows, [("◀️ 返回", "back")]))
    return COMMUNITY


async def community(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None and update.effective_chat is not None
    name = (await pressed(update)).removeprefix("community:")
    context.user_data["community"] = name
    await edit(update, f"所在社区：{context.user_data['street']} · {name}")
    share = ReplyKeyboardMarkup(
        [[KeyboardButton("📱 分享手机号", request_contact=True)], ["跳过"]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(
        update.effective_chat.id,
        "您可以留下手机号，方便民警回电联系。这一步可以不填，点“跳过”即可。",
        reply_markup=share,
    )
    return PHONE


async def phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    assert context.user_data is not None and message is not None
    if message.contact is not None:
        context.user_data["phone"] = message.contact.phone_number
        await message.reply_text("谢谢，您的手机号已保存。", reply_markup=ReplyKeyboardRemove())
    await message.reply_text(MENU, reply_markup=MENU_KEYS)
    return MENU_STATE


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await pressed(update)
    rows = [[(f"{ICONS[k]} {k}", f"kind:{k}") for k in list(KINDS)[i : i + 2]] for i in (0, 2)]
    await edit(
        update, "反映诉求（第 1 步，共 4 步）\n请选择诉求类型：" + NOTE_110, keyboard(*rows, [("✖️ 取消", "cancel")])
    )
    return KIND


async def kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    name = (await pressed(update)).removeprefix("kind:")
    context.user_data["draft"] = {"kind": name}
    names = KINDS[name]
    rows = [[(c, f"category:{c}") for c in names[i : i + 2]] for i in range(0, len(names), 2)]
    await edit(update, f"{name}（第 2 步，共 4 步）\n请选择所属类别：", keyboard(*rows, BACK_CANCEL))
    return CATEGORY


async def category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    context.user_data["draft"]["category"] = (await pressed(update)).removeprefix("category:")
    await edit(
        update, "描述情况（第 3 步，共 4 步）\n请写明事情经过、地点和时间，不超过 2000 字。", keyboard(BACK_CANCEL)
    )
    return DESCRIPTION


async def description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    assert context.user_data is not None and message is not None and message.text is not None
    if len(message.text) > 2000:
        await message.reply_text("描述不能超过 2000 字，请精简后再发送。")
        return DESCRIPTION
    context.user_data["draft"]["description"] = message.text
    await message.reply_text(
        "照片和位置（第 4 步，共 4 步，可选）\n您可以发送最多 5 张照片，也可以通过 📎 按钮发送位置。"
        "完成后请点“继续”。\n已添加照片：0 张 · 位置：无",
        reply_markup=keyboard([("继续 ▶️", "extras:done")], BACK_CANCEL),
    )
    return EXTRAS


async def extras(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    await pressed(update)
    draft = context.user_data["draft"]
    text = (
        f"请核对您的诉求\n类型：{draft['kind']} · {draft['category']}\n{draft['description']}\n"
        "照片：0 张 · 位置：无\n绿色通道（老年人、残障人士）：无"
    )
    rows = keyboard([("✅ 确认提交", "submit")], [("申请绿色通道（老年人/残障人士）", "priority")], BACK_CANCEL)
    await edit(update, text, rows)
    return REVIEW


async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Files the case in bot_data (numbered per day), tells the resident and the area's officer."""
    assert context.user_data is not None and update.effective_user is not None and update.effective_chat is not None
    await pressed(update)
    assert update.callback_query is not None
    await update.callback_query.edit_message_reply_markup(None)
    draft = context.user_data.pop("draft")
    now = datetime.now(TZ)
    day = f"{now:%Y%m%d}"
    counters = context.bot_data.setdefault("counters", {})
    counters[day] = counters.get(day, 0) + 1
    number = f"{CODE}-{day}-{counters[day]:04d}"
    case = {
        **draft,
        "number": number,
        "resident": update.effective_user.id,
        "phone": context.user_data.get("phone"),
        "area": (context.user_data["street"], context.user_data["community"]),
        "status": "submitted",
        "created_at": now.isoformat(),
    }
    context.bot_data.setdefault("cases", {})[number] = case
    await context.bot.send_message(
        update.effective_chat.id,
        f"✅ 您的诉求已登记，回音卡编号为 {number}，请妥善保存，以便查询办理进度。\n"
        "已通知您所在社区的责任民警。每一步办理进展都会在这里告诉您，也可随时通过 /mycases 查看。" + NOTE_110,
        reply_markup=MENU_KEYS,
    )
    officer = context.bot_data.get("officer")
    if officer:
        await context.bot.send_message(
            officer,
            f"<b>新诉求 {number}</b>\n{html.escape(draft['kind'])} · {html.escape(draft['category'])}\n"
            f"{html.escape(case['area'][0])} {html.escape(case['area'][1])}\n{html.escape(draft['description'])}",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([("✅ 受理", f"accept:{number}"), ("↪️ 转办", f"hand:{number}")]),
        )
    return MENU_STATE


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    await pressed(update)
    context.user_data.pop("draft", None)
    await edit(update, "已取消。" + NOTE_110, MENU_KEYS)
    return MENU_STATE


def conversation() -> ConversationHandler:
    """The filing conversation, its state kept by the persistence under the name 'filing'."""

    def press(callback, pattern: str) -> CallbackQueryHandler:  # type: ignore[no-untyped-def]
        return CallbackQueryHandler(callback, pattern=pattern)

    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            LANG: [press(language, "^lang:")],
            CONSENT: [press(consent, "^consent:")],
            STREET: [press(street, "^street:")],
            COMMUNITY: [press(community, "^community:")],
            PHONE: [MessageHandler(filters.CONTACT | filters.Regex("^跳过$"), phone)],
            MENU_STATE: [press(report, "^menu:report$")],
            KIND: [press(kind, "^kind:")],
            CATEGORY: [press(category, "^category:")],
            DESCRIPTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, description)],
            EXTRAS: [press(extras, "^extras:")],
            REVIEW: [press(submit, "^submit$")],
        },
        fallbacks=[CommandHandler("start", start), press(cancel, "^cancel$")],
        name="filing",
        persistent=True,
        allow_reentry=True,
    )


def build_application(token: str, base_url: str, persistence_file: str, officer: int | None) -> Application:
    """The peer's Application on the Bot API at `base_url`, its state pickled to `persistence_file`."""
    persistence = PicklePersistence(filepath=persistence_file)  # update_interval: PTB's default, 60 s
    root = base_url.removesuffix("/bot")
    application = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(f"{root}/file/bot")
        .persistence(persistence)
        .build()
    )
    application.add_handler(conversation())

    async def remember_officer(app: Application) -> None:
        app.bot_data["officer"] = officer

    application.post_init = remember_officer
    return application


def main(argv: list[str] | None = None) -> None:
    """Runs the peer bot (polling) until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(
        description="The filing conversation with ConversationHandler and PicklePersistence."
    )
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True, help="Bot API base URL, ending in /bot")
    parser.add_argument("--persistence", required=True, help="the pickle file")
    parser.add_argument("--officer", type=int, help="chat that gets each new case")
    args = parser.parse_args(argv)
    app = build_application(args.token, args.base_url, args.persistence, args.officer)
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


if __name__ == "__main__":
    main()
