// The lottery page's words (decision 029), and a fifo room's pre-queue draw's (031). A part of en.ts.
export const lotteryEn = {
  'lottery.title': 'Lottery',
  'lottery.explain':
    'Places in line for this performance are drawn. Register until {time}; then everyone registered gets a random place.',
  'lottery.register': 'Register for the draw',
  'lottery.registered': 'You are registered. The draw is made when the sale opens, at {time}.',
  'lottery.yourPlace': 'Your place in the draw',
  'lottery.of': 'out of {n} registered',
  'lottery.toQueue': 'Go to the waiting room',
  'lottery.notDrawn': 'The draw has been made. You were not registered for it.',
  'lottery.fairness': 'Check the draw',
  'lottery.howToCheck':
    'The commitment was published before registration opened; the seed after the draw. SHA-256 of the seed must equal the commitment, and your hash is HMAC-SHA256 of your id with the seed: your place is its rank among all hashes. scripts/verify-draw.ts checks it all.',
  'lottery.algorithm': 'Algorithm',
  'lottery.commitment': 'Commitment (SHA-256 of the seed)',
  'lottery.seed': 'Seed',
  'lottery.listHash': 'Hash of the ordered list',
  'lottery.yourId': 'Your id',
  'lottery.yourHash': 'Your hash',
  'lottery.afterDraw': 'published after the draw',
  'lottery.fifoTitle': 'How the pre-queue is drawn',
  'lottery.fifoExplain':
    'Everyone in the waiting room before the sale opens gets a place from this draw when it opens; whoever comes later queues behind them, in order of arrival.',
  'lottery.fifoIn': 'You are in the pre-queue: your place is drawn when the sale opens.',
  'lottery.fifoOf': 'out of {n} in the pre-queue',
  'lottery.fifoNotDrawn':
    'The draw has been made. You were not in the pre-queue then: you queue in order of arrival, behind everyone drawn.',
  'lottery.fifoHowToCheck':
    'The commitment was published before the waiting room opened; the seed after the draw. SHA-256 of the seed must equal the commitment, and your hash is HMAC-SHA256 of your id with the seed: your place is its rank among all hashes. scripts/verify-draw.ts checks it all.',
  'queue.fairness': 'How places are drawn, and how to check it',
  'admin.queueLottery': 'Admit by lottery: buyers register until the sale opens, then places are drawn',
  'event.lottery': 'Register for the lottery',
  'event.lotteryResult': 'Lottery result',
};

/** The lottery's error codes (src/contract/errors.ts), spread into en.ts's `errors`. */
export const lotteryErrorsEn = {
  REGISTRATION_CLOSED:
    'Registration for this lottery is closed: it runs until the sale opens, when the draw is made.',
  NOT_A_LOTTERY:
    'This performance admits buyers in order of arrival, not by lottery: there is nothing to register for.',
};
