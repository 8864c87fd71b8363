"""回音卡 and 警民联系卡: numbered cards an officer hands out, with a QR link to the bot.

`printing` makes cards (a number from the station's series, an unguessable code) and their A4
sheet (`sheet`); `scanning` is what happens when a resident follows a card's link: the card
becomes theirs, linked to its officer, and their 回音 becomes a case carrying the card's number.
"""
