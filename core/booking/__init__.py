"""Video consultations (视频约访): a booking is a case of kind consultation in the same ledger.

    requested ──confirm──▶ confirmed ──after the start──▶ held / no_show / officer_no_show
        │ ╲──propose──▶ proposed ──resident accepts──▶ confirmed
        │  ╲─decline──▶ declined (case rejected)
        └── resident cancels (up to the minimum notice) ──▶ cancelled (case withdrawn)

Where things are:
- `slots`: the models (Booking, Slot, Hours, BookingSettings) and the slot arithmetic;
- `policy`: the ledger's words (statuses, events, reasons shown to users) and the pure rules;
- `times`: free times, the slot check and claim, weekly hours;
- `by_resident` and `by_station`: every change one side makes, one transaction each;
- `ledger`: the writes they share (booking versions, case steps, the timeline);
- `notify`: what a booking queues in the outbox; `texts` renders it when it is sent;
- `sweep`: what time does to bookings; `ics`: the calendar file.
"""
