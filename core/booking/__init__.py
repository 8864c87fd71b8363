"""Video consultations (视频约访): slots, bookings and their status changes, texts and renderers."""
