"""The case ledger (销号台账): filing, routing, working and closing cases, every step recorded.

Each write is one transaction. Writes caused by a Telegram update carry its update_id, so that
handling the same update again (after a crash, or a replay) finds the work already done instead of
doing it twice.

Where things are:
- `lifecycle`: the statuses and which action moves a case from one to the next;
- `filing`: a new case, its number and the daily limit; `routing`: who is responsible for it;
- `working`: the station's actions and the scheduler's transitions; `resident_actions`: withdrawing
  and adding information; `information`: what residents add;
- `notify`: what the ledger queues in the outbox; `texts`: the cards and notices it renders;
- `reading`: a resident's cases, a timeline, an officer's queue; `errors`: why something is refused.
"""
