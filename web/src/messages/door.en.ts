// The proof of work at the queue's door (decision 030): the organizer's setting, and the refusals. A part of en.ts.
export const doorEn = {
  'admin.challengeDifficulty': 'Check at the door (difficulty)',
  'admin.challengeDifficultyHint':
    "About how many hashes a buyer's browser works through before joining the line (50,000 takes under a second); 0 turns it off.",
  'admin.challengeDefault': 'Default',
};

export const doorErrorsEn = {
  CHALLENGE_REQUIRED: 'Your browser could not finish the check at the door. Try joining again.',
  CHALLENGE_REUSED: 'That check was used already. Try joining again and your browser will solve a new one.',
};
