"""/book, /mybookings (the resident) and the booking card, /consultations, /hours (the station)."""
