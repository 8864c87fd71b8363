"""家访 (民情日记): officers' home visits, the matters raised on them, and the night-visit reminders.

- `model`: what a visit is, and the station's night-visit windows (夜访: Mon/Wed/Fri 20:00–21:00);
- `form`: the /visit screens, as pure functions; `rules`: recording a visit and filing its matters;
- `reminders`: the night-visit reminder, queued by the sweeps and rendered when it is sent;
- `plans`: the households an officer plans for the next night visit (listed first in the reminder),
  and `plan_texts`: their buttons on /visits.
"""
