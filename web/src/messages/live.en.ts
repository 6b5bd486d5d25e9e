// The words of the dashboard's live sale controls: pause, live edits, cancellation. A part of en.ts.
export const liveEn = {
  'live.title': 'Live controls',
  'live.running': 'Admitting',
  'live.paused': 'Paused',
  'live.pause': 'Pause admission',
  'live.resume': 'Resume admission',
  'live.pauseHint':
    'Pausing lets nobody in; people can still join and keep their places, and whoever is choosing seats keeps their turn.',
  'live.pausedHint':
    'Nobody is let in. Buyers waiting are told so, and are let in in their order once you resume.',
  'live.edit': 'Live settings',
  'live.save': 'Save changes',
  'live.saved': 'Saved. Every server applies the change within two seconds.',
  'live.cancel': 'Cancel this performance',
  'live.cancelReason': 'Why (every ticket holder reads this)',
  'live.cancelConfirm':
    'Cancel this performance? Its sale ends now, every paid order is refunded in full and every ticket holder is told. This cannot be undone.',
  'live.cancelledHint': 'Every paid order is refunded, and every ticket holder has been told.',
};
