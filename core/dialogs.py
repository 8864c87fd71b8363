"""Dialog state as the domain sees it: which form a user is filling, at which step, with what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Dialog:
    user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
