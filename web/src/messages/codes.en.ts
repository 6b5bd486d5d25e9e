// Access codes (decision 027): the organizer's codes on the dashboard, the buyer's code field. A part
// of en.ts.
export const codesEn = {
  'codes.title': 'Access codes',
  'codes.hint':
    'A code lets a buyer hold seats of the grades it unlocks, at its discount per ticket. Each purchase with it takes one use; an expired hold or a whole refund gives the use back.',
  'codes.codeOnly': 'Sold only with a code',
  'codes.saveGrades': 'Save code-only grades',
  'codes.gradesSaved':
    'Saved. Every server applies it within two seconds; the seat map still shows these seats.',
  'codes.named': 'Code (leave empty for random codes)',
  'codes.count': 'How many random codes',
  'codes.maxUses': 'Uses per code',
  'codes.percentOff': '% off per ticket',
  'codes.amountOff': 'Amount off per ticket',
  'codes.unlocks': 'Unlocks',
  'codes.create': 'Create codes',
  'codes.created': 'Codes created: {n}.',
  'codes.csv': 'Codes (CSV)',
  'codes.none': 'No codes yet.',
  'codes.code': 'Code',
  'codes.used': 'Used',
  'codes.discount': 'Discount',
  'codes.stop': 'Stop',
  'codes.stopped': 'Stopped',
  'codes.stoppedNote': 'Code {code} takes no more purchases; its held seats and paid orders stand.',
  'codes.setUses': 'Save uses',
  'codes.usesSaved': 'Code {code} now allows {n} purchases.',
  'codes.buyerField': 'Access code (presale)',
  'codes.buyerHint':
    'If you have a code, enter it before holding seats; the price with it shows once they are held.',
};

export const codesErrorsEn = {
  CODE_INVALID:
    'This access code is not valid for these seats: unknown, used up, or for another performance or grade.',
  CODE_TAKEN: 'This performance already has that access code.',
  CODE_NOT_FOUND: 'This performance has no such access code.',
};
