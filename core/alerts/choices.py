"""A resident's choice of alerts: which topics they receive, and alerts off altogether.

Nothing stored means the station's default (`alerts_default_on`) for every topic; a choice is one
row per topic, and the row ``all`` switches every topic off (or back on) without forgetting which
topics were chosen. The sending side reads the same rows (storage/alerts.py `_wanted`).
"""

from __future__ import annotations

from dataclasses import dataclass

import storage.alerts
from core.alerts.model import ALL_TOPICS, Topic
from core.alerts.texts import topic_name
from core.i18n import Safe, t, tp
from core.models import Language, Resident
from core.outgoing import Button, Outgoing, rows
from core.services import Services

SHOW = "alert_prefs"  # /settings → 🔔 Safety alerts
TOGGLE_TOPIC = "alert_prefs_topic"  # one topic on or off
TOGGLE_ALL = "alert_prefs_all"  # every alert off, or back on
BACK = "alert_prefs_back"  # back to the settings screen


@dataclass(frozen=True, slots=True)
class Choice:
    receiving: bool  # alerts on at all
    topics: dict[Topic, bool]

    @property
    def count(self) -> int:
        """How many topics the resident receives."""
        return sum(self.topics.values())


async def current(services: Services, resident: Resident) -> Choice:
    """The resident's alert choices, with the station's default for the topics they never set."""
    async with services.db.read() as conn:
        stored = await storage.alerts.choices(conn, resident.id)
    default = services.config.alerts_default_on
    return Choice(stored.get(ALL_TOPICS, True), {topic: stored.get(topic.value, default) for topic in Topic})


async def toggle_topic(services: Services, resident: Resident, topic: Topic) -> Choice:
    """Switches one topic the other way; returns the choice as it is now."""
    before = await current(services, resident)
    async with services.db.write() as conn:
        await storage.alerts.set_choice(conn, resident.id, topic.value, not before.topics[topic], services.clock.now())
    return await current(services, resident)


async def set_receiving(services: Services, resident: Resident, receiving: bool) -> Choice:
    """Turns every alert off or back on for the resident; returns the choice as it is now."""
    async with services.db.write() as conn:
        await storage.alerts.set_choice(conn, resident.id, ALL_TOPICS, receiving, services.clock.now())
    return await current(services, resident)


# --- what the resident sees ---------------------------------------------------------------------


def summary(lang: Language, choice: Choice) -> str:
    """One line of the settings screen."""
    if not choice.receiving or choice.count == 0:
        value = tp(lang, "turned off")
    elif choice.count == len(Topic):
        value = tp(lang, "all topics")
    else:
        value = tp(lang, "{count} of {total} topics", count=choice.count, total=len(Topic))
    return t(lang, "Safety alerts: {value}", value=value)


def screen(lang: Language, choice: Choice) -> Outgoing:
    """The topic screen: a toggle per topic, alerts off (or on), and back to the settings."""
    back = Button(tp(lang, "◀ Back to settings"), BACK, {})
    if not choice.receiving:
        text = "\n\n".join(
            [
                t(lang, "<b>Safety alerts</b>"),
                t(lang, "Safety alerts are off: the station sends you none."),
            ]
        )
        keyboard = rows([Button(tp(lang, "🔔 Turn safety alerts back on"), TOGGLE_ALL, {"on": True})], [back])
        return Outgoing(Safe(text), keyboard)
    text = "\n\n".join(
        [
            t(lang, "<b>Safety alerts</b>"),
            t(
                lang,
                "The station sends safety alerts to the residents of your neighbourhood. Tap a topic "
                "to receive it (✅) or not (⬜).",
            ),
        ]
    )
    toggles = [
        Button(("✅ " if on else "⬜ ") + topic_name(lang, topic), TOGGLE_TOPIC, {"topic": topic.value})
        for topic, on in choice.topics.items()
    ]
    keyboard = rows(
        toggles[0:2],
        toggles[2:4],
        toggles[4:6],
        [Button(tp(lang, "🔕 Turn all safety alerts off"), TOGGLE_ALL, {"on": False})],
        [back],
    )
    return Outgoing(Safe(text), keyboard)


def toggled(lang: Language, topic: Topic, on: bool) -> str:
    """The answer to a topic's press (a short notice, plain text)."""
    name = topic_name(lang, topic)
    if on:
        return tp(lang, "You will receive {topic} alerts.", topic=name)
    return tp(lang, "You will no longer receive {topic} alerts.", topic=name)


def receiving_changed(lang: Language, on: bool) -> str:
    """The answer to the all-off or all-on press (a short notice, plain text)."""
    if on:
        return tp(lang, "Safety alerts are on again.")
    return tp(lang, "Safety alerts are off. You will receive none until you turn them back on.")
