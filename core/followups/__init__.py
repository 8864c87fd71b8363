"""Follow-up after resolution (次日回访, 满意度测评) and repeat visits for disputes (定期回访).

The working day after a case is resolved, at the follow-up time (10:00 local), the resident is
asked two one-tap questions: is it solved, and how satisfied are they. A satisfied answer closes
the case (销号); "not solved" or "unsatisfied" reopens it and escalates it to the supervisor with
the resident's optional comment. Silence gets one reminder after three days and closes the case
as "closed without feedback" after seven. Disputes also give the officer repeat visits at +7 and
+30 days, each recorded when done.

Every step is a database row first (followups, visits, outbox), so a restart loses nothing and
a second tap or a replayed update records nothing twice.

Where things are:
- `model`: the round, the repeat visit and the phone task, and the words and times (outbox kinds,
  button actions, answers, when things fall due);
- `schedule`: what resolving a case schedules; `answers`: the resident's answers and what they do;
- `repeat_visits`: the officer records a repeat visit; `questions`: the messages, as pure functions;
- `phone`: the follow-up centre's phone tasks (电话回访); `phone_figures`: their /stats section and
  weekly report line.
"""
