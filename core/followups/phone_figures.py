"""The phone follow-ups' part of /stats and the weekly report (电话回访): the tasks opened for the
访评员, those done (the answers recorded) and, of those, how many were satisfied or dissatisfied.

A task counts in the period it was opened, within the scope's areas (its case's area) and officer
(the case's owner); it is done once a 访评员 recorded the answers, even after the period ended.
Satisfied: solved and 满意 or 基本满意; dissatisfied: not solved or 不满意 (as the 次日回访通报 counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import storage.phone_followups
from core.i18n import N_, t
from core.models import Language
from core.stats import sections

# How the section is counted, in the /stats help.
HELP = N_(
    "Phone follow-ups (电话回访): the follow-up centre's calls to residents the bot cannot reach, counted in "
    "the period the call was given to a 访评员, by its case's area and first officer; done are those whose "
    "answers were recorded (at any time); satisfied: solved and satisfied or basically satisfied; "
    "dissatisfied: not solved or unsatisfied."
)


@dataclass(frozen=True, slots=True)
class PhoneFigures:
    """The period's phone follow-up tasks and what came of them."""

    tasks: int = 0
    done: int = 0
    satisfied: int = 0
    dissatisfied: int = 0


# The phone tasks opened in [start, end) or the period within a scope (an officer's scope: the cases they own).
SECTION = sections.Section(PhoneFigures, storage.phone_followups.period_figures)
read = SECTION.read
figures = SECTION.figures


def stats_section(lang: Language, f: PhoneFigures) -> str:
    """The phone follow-ups' lines of the /stats screen."""
    if f.tasks == 0:
        body = [t(lang, "No phone follow-ups in this period.")]
    else:
        body = [
            t(lang, "Phone follow-ups: {tasks} · done: {done}", tasks=f.tasks, done=f.done),
            t(
                lang,
                "Of those answered: satisfied {satisfied} · dissatisfied {dissatisfied}",
                satisfied=f.satisfied,
                dissatisfied=f.dissatisfied,
            ),
        ]
    return sections.block(t(lang, "<b>Phone follow-ups</b>"), body)


def summary_line(lang: Language, f: PhoneFigures) -> str:
    """One line for the weekly report's caption."""
    return t(
        lang,
        "Phone follow-ups: {tasks} · done {done} · satisfied {satisfied} · dissatisfied {dissatisfied}",
        tasks=f.tasks,
        done=f.done,
        satisfied=f.satisfied,
        dissatisfied=f.dissatisfied,
    )
