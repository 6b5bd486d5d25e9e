// The waiting room's ETA words: how the estimate stands, the seats left against the line. A part of en.ts.
export const queueEtaEn = {
  'queue.etaRough': 'Rough estimate: about {time} left (it firms up as buyers ahead finish)',
  'queue.stalled':
    'Nobody is being let in right now: waiting for buyers ahead to finish. Your place is kept; the time shows again as soon as the line moves.',
  'queue.seatsLeft': 'About {seats} seats left, {ahead} ahead of you',
  'queue.seatsMayRunOut':
    'Many more people are ahead of you than there are seats left: the seats may run out before your turn.',
};
