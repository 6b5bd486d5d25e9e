// 추첨 페이지의 문구 (결정 029)와 사전 대기열 추첨의 문구 (결정 031). ko.ts의 일부.
export const lotteryKo = {
  'lottery.title': '추첨',
  'lottery.explain':
    '이 회차의 대기 순서는 추첨으로 정합니다. {time}까지 응모하세요. 그때 응모한 모든 분께 무작위 순서가 주어집니다.',
  'lottery.register': '추첨 응모하기',
  'lottery.registered': '응모되었습니다. 추첨은 예매가 시작되는 {time}에 진행됩니다.',
  'lottery.yourPlace': '추첨으로 정해진 내 순서',
  'lottery.of': '응모자 {n}명 중',
  'lottery.toQueue': '대기실로 가기',
  'lottery.notDrawn': '추첨이 끝났습니다. 이 추첨에 응모하지 않으셨습니다.',
  'lottery.fairness': '추첨 검증',
  'lottery.howToCheck':
    '커밋값은 응모 시작 전에, 시드는 추첨 후에 공개됩니다. 시드의 SHA-256은 커밋값과 같아야 하고, 내 해시는 시드를 키로 한 내 ID의 HMAC-SHA256이며, 내 순서는 모든 해시 중 그 순위입니다. scripts/verify-draw.ts가 모두 확인합니다.',
  'lottery.algorithm': '알고리즘',
  'lottery.commitment': '커밋값 (시드의 SHA-256)',
  'lottery.seed': '시드',
  'lottery.listHash': '정렬된 목록의 해시',
  'lottery.yourId': '내 ID',
  'lottery.yourHash': '내 해시',
  'lottery.afterDraw': '추첨 후 공개',
  'lottery.fifoTitle': '사전 대기열 추첨',
  'lottery.fifoExplain':
    '예매 시작 전에 대기실에 들어온 모든 분은 예매가 시작될 때 이 추첨으로 순서를 받습니다. 그 뒤에 오신 분은 도착 순서대로 그 뒤에 섭니다.',
  'lottery.fifoIn': '사전 대기열에 있습니다. 예매가 시작될 때 순서가 추첨됩니다.',
  'lottery.fifoOf': '사전 대기열 {n}명 중',
  'lottery.fifoNotDrawn':
    '추첨이 끝났습니다. 추첨 때 사전 대기열에 계시지 않아, 추첨된 분들 뒤에서 도착 순서대로 대기합니다.',
  'lottery.fifoHowToCheck':
    '커밋값은 대기실이 열리기 전에, 시드는 추첨 후에 공개됩니다. 시드의 SHA-256은 커밋값과 같아야 하고, 내 해시는 시드를 키로 한 내 ID의 HMAC-SHA256이며, 내 순서는 모든 해시 중 그 순위입니다. scripts/verify-draw.ts가 모두 확인합니다.',
  'queue.fairness': '순서를 정하는 방법과 검증하기',
  'admin.queueLottery': '추첨으로 입장: 예매 시작 전까지 응모를 받고, 그때 순서를 추첨합니다',
  'event.lottery': '추첨 응모하기',
  'event.lotteryResult': '추첨 결과',
};

/** 추첨의 오류 코드 (src/contract/errors.ts). ko.ts의 `errors`에 펼쳐 넣습니다. */
export const lotteryErrorsKo = {
  REGISTRATION_CLOSED: '추첨 응모가 마감되었습니다. 응모는 예매 시작 시각까지이며, 그때 추첨합니다.',
  NOT_A_LOTTERY: '이 회차는 추첨이 아니라 도착 순서대로 입장합니다. 응모할 것이 없습니다.',
};
