// 접근 코드(결정 027): 대시보드의 주최자 코드, 구매자의 코드 입력란. ko.ts의 일부.
export const codesKo = {
  'codes.title': '접근 코드',
  'codes.hint':
    '코드가 있으면 그 코드가 여는 등급의 좌석을 코드의 티켓당 할인가로 선점할 수 있습니다. 구매 한 번에 한 번 사용되며, 선점이 만료되거나 전액 환불되면 다시 쓸 수 있습니다.',
  'codes.codeOnly': '코드로만 판매',
  'codes.saveGrades': '코드 전용 등급 저장',
  'codes.gradesSaved': '저장했습니다. 2초 안에 모든 서버에 적용되며, 좌석 배치도에는 계속 표시됩니다.',
  'codes.named': '코드 (비워 두면 무작위 코드)',
  'codes.count': '무작위 코드 개수',
  'codes.maxUses': '코드당 사용 횟수',
  'codes.percentOff': '티켓당 할인율(%)',
  'codes.amountOff': '티켓당 할인 금액',
  'codes.unlocks': '여는 등급',
  'codes.create': '코드 만들기',
  'codes.created': '코드 {n}개를 만들었습니다.',
  'codes.csv': '코드 (CSV)',
  'codes.none': '아직 코드가 없습니다.',
  'codes.code': '코드',
  'codes.used': '사용',
  'codes.discount': '할인',
  'codes.stop': '중지',
  'codes.stopped': '중지됨',
  'codes.stoppedNote':
    '코드 {code}로는 더 이상 구매할 수 없습니다. 이미 선점한 좌석과 결제된 주문은 그대로입니다.',
  'codes.setUses': '사용 횟수 저장',
  'codes.usesSaved': '코드 {code}의 사용 횟수를 {n}회로 바꿨습니다.',
  'codes.buyerField': '접근 코드 (선예매)',
  'codes.buyerHint':
    '코드가 있으면 좌석을 선점하기 전에 입력하세요. 코드가 적용된 가격은 선점 후에 표시됩니다.',
};

export const codesErrorsKo = {
  CODE_INVALID:
    '이 좌석에 쓸 수 없는 접근 코드입니다. 없는 코드이거나 모두 사용되었거나 다른 회차·등급의 코드입니다.',
  CODE_TAKEN: '이 회차에 이미 같은 접근 코드가 있습니다.',
  CODE_NOT_FOUND: '이 회차에 그런 접근 코드가 없습니다.',
};
