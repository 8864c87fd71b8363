"""Every alert screen as a pure function: the resident's message, the draft, the preview, approval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from core.alerts.model import Alert, Reach, Topic, text_for
from core.i18n import N_, Safe, fmt, t, tp
from core.models import Language, Role
from core.names import Titles
from core.onboarding import LANGUAGE_NAMES
from core.outgoing import Attachment, Button, Outgoing, rows
from core.scripts import to_traditional

TOPIC_NAME = {
    Topic.FRAUD: N_("Anti-fraud"),
    Topic.THEFT: N_("Burglary and theft"),
    Topic.TRAFFIC: N_("Road traffic"),
    Topic.WEATHER: N_("Weather and disasters"),
    Topic.MISSING: N_("Missing person"),
    Topic.OTHER: N_("Other notices"),
}

OPT_OUT = "alert_optout"  # the resident's one-tap button under each alert
CLOSED = N_("This draft is closed. Send /alert to start a new one.")
NOT_ALLOWED = N_("Only station staff can send safety alerts.")
NOT_APPROVER = N_("Only the {supervisor} or the {leader} can approve and send safety alerts.")


def not_approver(lang: Language, titles: Titles) -> str:
    """Who may approve an alert, by the station's own titles of its roles (plain text)."""
    return tp(lang, NOT_APPROVER, supervisor=titles.of(Role.SUPERVISOR, lang), leader=titles.of(Role.LEADER, lang))


def topic_name(lang: Language, topic: Topic) -> str:
    """The topic's name in the reader's language."""
    return tp(lang, TOPIC_NAME[topic])


def place(lang: Language, name: str) -> str:
    """The station's name as a reader of `lang` writes it (西丰 → 西豐 in 繁體中文)."""
    return to_traditional(name) if lang is Language.ZH_HANT else name


def joined(lang: Language, names: Sequence[str]) -> str:
    """Names joined with the reader's list separator; a dash when there are none."""
    return (", " if lang is Language.EN else "、").join(names) if names else "—"


def resident_message(lang: Language, alert: Alert, station: str) -> Outgoing:
    """Exactly what a resident reading `lang` gets, with the one-tap button to stop this topic."""
    topic = topic_name(lang, alert.topic)
    if alert.urgent:
        title = t(lang, "🚨 <b>Urgent alert · {topic}</b>", topic=topic)
    else:
        title = t(lang, "⚠️ <b>Safety alert · {topic}</b>", topic=topic)
    body = fmt("{body}", body=text_for(alert.texts, alert.source_language, lang))
    footer = t(lang, "<i>— {station}</i>", station=place(lang, station))
    button = Button(tp(lang, "🔕 Don't send me {topic} alerts", topic=topic), OPT_OUT, {"topic": alert.topic.value})
    photo = Attachment("alert.jpg", b"", is_photo=True, file_id=alert.photo_file_id) if alert.photo_file_id else None
    return Outgoing(Safe("\n\n".join([title, body, footer])), rows([button]), attachment=photo)


def reach_line(lang: Language, reach: Reach) -> str:
    """How many residents an alert reaches, by language, and how many cannot be reached."""
    if reach.total == 0:
        line = t(lang, "No resident of these areas receives alerts of this topic: there is nobody to send it to.")
    else:
        parts = "、".join(
            f"{LANGUAGE_NAMES[code]} {reach.by_language[code]}" for code in Language if code in reach.by_language
        )
        line = t(lang, "It will reach <b>{count}</b> residents ({parts}).", count=reach.total, parts=parts)
    if reach.unreachable:
        line += "\n" + t(lang, "{count} more have blocked the bot and cannot be reached.", count=reach.unreachable)
    return Safe(line)


def areas_screen(lang: Language, options: Sequence[tuple[int, str, str]], chosen: Sequence[int]) -> Outgoing:
    """The area choice: (id, level, name) per area, chosen ones ticked; several are allowed."""
    marks = {"station": "🏛 ", "town": "🏘 ", "village": "· "}
    keyboard = []
    for area_id, level, name in options:
        mark = "✅ " if area_id in chosen else marks.get(level, "")
        label = tp(lang, "{name} (whole station)", name=name) if level == "station" else name
        keyboard.append([Button(mark + label, "alert_area", {"area_id": area_id, "on": area_id not in chosen})])
    last = [Button(tp(lang, "Next ▶"), "alert_areas_done", {})] if chosen else []
    text = t(lang, "<b>New safety alert</b>\nChoose the areas whose residents get it (several are allowed).")
    return Outgoing(text, rows(*keyboard, [*last, Button(tp(lang, "✖ Cancel"), "alert_cancel", {})]))


def topic_screen(lang: Language) -> Outgoing:
    """The first step of a new alert: choose its topic."""
    buttons = [Button(topic_name(lang, topic), "alert_topic", {"topic": topic.value}) for topic in Topic]
    keyboard = rows(buttons[0:3], buttons[3:6], [Button(tp(lang, "✖ Cancel"), "alert_cancel", {})])
    return Outgoing(t(lang, "What is the alert about?"), keyboard)


def ask_text(lang: Language, language: Language) -> Outgoing:
    """Asks for the alert's text in the first language."""
    return Outgoing(
        t(
            lang,
            "Send the text of the alert in {language}. You can add the other languages next.",
            language=LANGUAGE_NAMES[language],
        )
    )


def ask_version(lang: Language, language: Language) -> Outgoing:
    """Asks for the alert's text in one more language."""
    return Outgoing(t(lang, "Send the {language} text.", language=LANGUAGE_NAMES[language]))


def draft_screen(
    lang: Language,
    *,
    topic: Topic,
    areas: str,
    texts: dict[str, str],
    source: Language,
    urgent: bool,
    photo: bool = False,
) -> Outgoing:
    """The draft after its text: what is in it, and buttons for versions, urgency, the preview."""
    lines = [
        t(lang, "<b>Alert draft</b>"),
        t(lang, "Areas: {areas}", areas=areas),
        t(lang, "Alert topic: {topic}", topic=topic_name(lang, topic)),
        t(lang, "Urgent: yes, sent at once, also during quiet hours")
        if urgent
        else t(lang, "Urgent: no, held back during quiet hours"),
        t(lang, "Photo: attached") if photo else t(lang, "Photo: none"),
        "",
    ]
    for code in Language:
        name = LANGUAGE_NAMES[code]
        if texts.get(code.value):
            lines.append(t(lang, "{language}: written", language=name))
        elif code is Language.ZH_HANT and texts.get(Language.ZH_HANS.value):
            lines.append(t(lang, "{language}: converted from the Simplified text automatically", language=name))
        else:
            lines.append(t(lang, "{language}: gets the Chinese text", language=name))
    versions = [
        Button(tp(lang, "✍️ {language} version", language=LANGUAGE_NAMES[code]), "alert_version", {"lang": code.value})
        for code in Language
        if code is not source
    ]
    keyboard = rows(
        versions,
        [
            Button(
                tp(lang, "Not urgent") if urgent else tp(lang, "🚨 Mark urgent"), "alert_urgent", {"urgent": not urgent}
            )
        ],
        [
            Button(tp(lang, "🗑 Remove the photo"), "alert_photo_remove", {})
            if photo
            else Button(tp(lang, "📷 Add a photo"), "alert_photo", {})
        ],
        [Button(tp(lang, "👁 Preview"), "alert_preview", {}), Button(tp(lang, "✖ Cancel"), "alert_cancel", {})],
    )
    return Outgoing(Safe("\n".join(lines)), keyboard)


def confirm_screen(lang: Language, reach: Reach, *, needs_approval: bool) -> Outgoing:
    """Below the preview: how many it reaches, and send (or submit for approval)."""
    lines = [t(lang, "<b>Above is exactly what residents will see.</b>"), reach_line(lang, reach)]
    if needs_approval:
        go = Button(tp(lang, "📨 Submit for approval"), "alert_submit", {})
    else:
        go = Button(tp(lang, "✅ Send now"), "alert_send", {})
    first = [go] if reach.total else []
    keyboard = rows(
        first, [Button(tp(lang, "✏️ Change"), "alert_edit", {}), Button(tp(lang, "✖ Cancel"), "alert_cancel", {})]
    )
    return Outgoing(Safe("\n\n".join(lines)), keyboard)


def approval_request(lang: Language, alert: Alert, *, drafter: str, areas: str, reach: Reach, station: str) -> Outgoing:
    """The message asking a supervisor to approve an alert, with its preview and the approve and decline buttons."""
    preview = resident_message(lang, alert, station)
    lines = [
        t(lang, "📨 <b>A safety alert awaits your approval</b>"),
        t(lang, "Drafted by {name}. Areas: {areas}.", name=drafter, areas=areas),
        reach_line(lang, reach),
        "────────",
        preview.text,
    ]
    keyboard = rows(
        [
            Button(tp(lang, "✅ Approve and send"), "alert_approve", {"alert_id": alert.id}),
            Button(tp(lang, "✖ Decline"), "alert_decline", {"alert_id": alert.id}),
        ]
    )
    return Outgoing(Safe("\n\n".join(lines)), keyboard, attachment=preview.attachment)


def started_screen(lang: Language, alert: Alert) -> Outgoing:
    """The sender's screen once sending starts, with the stop button."""
    lines = [
        t(lang, "📣 <b>Safety alert · {topic}</b>", topic=topic_name(lang, alert.topic)),
        t(lang, "Sending to {count} residents.", count=alert.target_count),
    ]
    if alert.unreachable_count:
        lines.append(t(lang, "{count} more have blocked the bot and cannot be reached.", count=alert.unreachable_count))
    keyboard = rows([Button(tp(lang, "⏹ Stop sending"), "alert_stop", {"alert_id": alert.id})])
    return Outgoing(Safe("\n".join(lines)), keyboard)


def stopped_screen(lang: Language, sent: int, cancelled: int) -> Outgoing:
    """The sender's screen after a stop: how many were sent and how many not."""
    return Outgoing(t(lang, "⏹ Stopped: {sent} sent, {count} not sent.", sent=sent, count=cancelled))


def opted_out(lang: Language, topic: Topic) -> str:
    """The answer when a resident turns a topic off from under an alert (plain text)."""
    return tp(
        lang,
        "You will no longer receive {topic} alerts. You can turn them back on in /settings.",
        topic=topic_name(lang, topic),
    )


def recent_list(lang: Language, items: Sequence[Alert], days: int, tz: tzinfo) -> str:
    """The resident's list of recent alerts for their area, each text cut to 120 characters."""
    if not items:
        return t(lang, "There have been no safety alerts for your area in the last {days} days.", days=days)
    lines = [t(lang, "<b>Recent safety alerts for your area</b>")]
    for item in items:
        when = (item.approved_at or item.created_at).astimezone(tz).strftime("%m-%d %H:%M")
        body = text_for(item.texts, item.source_language, lang)
        short = body if len(body) <= 120 else body[:119] + "…"
        mark = "🚨" if item.urgent else "⚠️"
        lines.append(
            fmt(
                "\n{mark} <b>{when} · {topic}</b>\n{body}",
                mark=mark,
                when=when,
                topic=topic_name(lang, item.topic),
                body=short,
            )
        )
    return Safe("\n".join(lines))
