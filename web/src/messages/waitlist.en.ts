// The waiting list's words (decision 028). A part of en.ts.
export const waitlistEn = {
  'event.joinWaitlist': 'Join the waiting list',
  'waitlist.title': 'Waiting list',
  'waitlist.intro':
    'Every seat is sold. Join the list: when seats come back (a refund, a hold that ran out), they are offered to the people on it in the order they joined, never put back on sale while someone waits for them.',
  'waitlist.grade': 'Grade',
  'waitlist.anyGrade': 'Any grade',
  'waitlist.quantity': 'Seats',
  'waitlist.join': 'Join the waiting list',
  'waitlist.leave': 'Leave the waiting list',
  'waitlist.place': 'You are number {position} of {waiting} on the waiting list.',
  'waitlist.wanted': 'Waiting for {n} seat(s) · {grade}',
  'waitlist.offered':
    'Seats are waiting for you! Pay before the time runs out, or they pass to the next person.',
  'waitlist.claimed': 'You bought the seats offered to you.',
  'waitlist.lapsed': 'Your offer ran out and passed to the next person. You may join the list again.',
  'waitlist.declined': 'You let the offered seats go. You may join the list again.',
  'waitlist.left': 'You left the waiting list. You may join it again (at the back).',
  'waitlist.toOrders': 'See my tickets',
  'queue.waitlisted':
    'Every ticket is sold, and you are on the waiting list. Keep this page open: when seats come back for you, they appear here at once.',
  'queue.toWaitlist': 'My place on the waiting list',
  'queue.waitlistEnded': 'You are no longer on the waiting list.',
};

export const waitlistErrorsEn = {
  NOT_SOLD_OUT:
    'Seats are still on sale for this performance: book them instead of joining the waiting list.',
  NOT_ON_WAITLIST: 'You are not on the waiting list for this performance.',
};
