"""Times of day in the settings, all read by one parser: pydantic's own ``time``.

A station writes a time as 24-hour ``HH:MM`` in station time, alone (``JINGMIN_DIGEST_TIME=08:30``), as a
window (``JINGMIN_QUIET_HOURS=21:30-08:00``) or after the days it applies to
(``JINGMIN_NIGHT_VISIT_WINDOWS="Mon,Wed,Fri 20:00-21:00"``). The settings hold them as ``datetime.time``;
a value that is not one stops start-up with a line naming the key and the form it expects.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated

from pydantic import BeforeValidator, TypeAdapter, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_settings import NoDecode

from core.visits.model import NightWindows

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAYS_AND_WINDOW = re.compile(r"^\s*([A-Za-z,\s]+?)\s+(\d.*?)\s*$")


def _time_of_day(value: object, parse: ValidatorFunctionWrapHandler) -> time:
    """A naive time to the minute; pydantic parses the text (``"09:30"``, also ``"09:30:00"``)."""
    try:
        parsed = parse(value.strip() if isinstance(value, str) else value)
    except ValidationError:
        parsed = None
    if not isinstance(parsed, time) or parsed.tzinfo is not None or parsed.second or parsed.microsecond:
        raise ValueError(f"{value!r} is not a time of day like 09:30")
    return parsed


ClockTime = Annotated[time, WrapValidator(_time_of_day)]
"""A setting that is one time of day, in station time."""

_CLOCK_TIME: TypeAdapter[time] = TypeAdapter(ClockTime)


def _times(window: str) -> tuple[time, time]:
    """Two times joined by ``-``; ValueError (pydantic's ValidationError is one) if they are not."""
    parts = window.split("-")
    if len(parts) != 2:
        raise ValueError(window)
    return _CLOCK_TIME.validate_python(parts[0]), _CLOCK_TIME.validate_python(parts[1])


def _window(value: object) -> object:
    if not isinstance(value, str):
        return value  # already times (a copy of settings read before)
    try:
        return _times(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a window like 21:30-08:00") from None


Window = Annotated[tuple[ClockTime, ClockTime], BeforeValidator(_window), NoDecode]
"""A daily window ``start-end``; it wraps midnight when start is after end, and equal times switch it off."""


def _night_windows(value: object) -> object:
    if not isinstance(value, str):
        return value
    found = _DAYS_AND_WINDOW.match(value)
    try:
        if found is None:
            raise ValueError(value)
        start, end = _times(found.group(2))
    except ValueError:
        raise ValueError(f"{value!r} is not like 'Mon,Wed,Fri 20:00-21:00'") from None
    names = [d.strip().lower()[:3] for d in found.group(1).split(",") if d.strip()]
    unknown = [n for n in names if n not in _DAYS]
    if unknown or not names:
        raise ValueError(f"unknown weekday(s) {unknown} in {value!r}; use Mon … Sun")
    if end <= start:
        raise ValueError(f"the window in {value!r} must end after it starts")
    return NightWindows(tuple(sorted({_DAYS[n] for n in names})), start, end)


NightVisitWindows = Annotated[NightWindows, BeforeValidator(_night_windows), NoDecode]
"""The weekdays of night visits and their window, written like ``Mon,Wed,Fri 20:00-21:00``."""
