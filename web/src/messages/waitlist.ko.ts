// 대기자 명단의 문구 (decision 028). ko.ts의 일부.
import type { waitlistEn, waitlistErrorsEn } from './waitlist.en';

export const waitlistKo: Record<keyof typeof waitlistEn, string> = {
  'event.joinWaitlist': '대기자 명단에 등록',
  'waitlist.title': '대기자 명단',
  'waitlist.intro':
    '모든 좌석이 판매되었습니다. 명단에 등록하세요: 좌석이 돌아오면(환불, 만료된 선점) 등록한 순서대로 명단의 분들께 먼저 제안되며, 기다리는 분이 있는 동안 다시 판매되지 않습니다.',
  'waitlist.grade': '등급',
  'waitlist.anyGrade': '모든 등급',
  'waitlist.quantity': '좌석 수',
  'waitlist.join': '대기자 명단에 등록',
  'waitlist.leave': '대기자 명단에서 나가기',
  'waitlist.place': '대기자 명단 {waiting}명 중 {position}번째입니다.',
  'waitlist.wanted': '{n}석 대기 중 · {grade}',
  'waitlist.offered':
    '좌석이 준비되었습니다! 시간이 끝나기 전에 결제하세요. 그렇지 않으면 다음 분께 넘어갑니다.',
  'waitlist.claimed': '제안된 좌석을 구매했습니다.',
  'waitlist.lapsed': '제안 시간이 지나 다음 분께 넘어갔습니다. 명단에 다시 등록할 수 있습니다.',
  'waitlist.declined': '제안된 좌석을 포기했습니다. 명단에 다시 등록할 수 있습니다.',
  'waitlist.left': '대기자 명단에서 나갔습니다. 다시 등록할 수 있습니다(맨 뒤로).',
  'waitlist.toOrders': '내 티켓 보기',
  'queue.waitlisted':
    '모든 좌석이 판매되었고, 대기자 명단에 등록되어 있습니다. 이 페이지를 열어 두세요: 좌석이 돌아와 내 차례가 되면 바로 여기에 표시됩니다.',
  'queue.toWaitlist': '대기자 명단의 내 순서',
  'queue.waitlistEnded': '더 이상 대기자 명단에 있지 않습니다.',
};

export const waitlistErrorsKo: Record<keyof typeof waitlistErrorsEn, string> = {
  NOT_SOLD_OUT: '이 회차는 아직 판매 중인 좌석이 있습니다. 대기자 명단 대신 예매하세요.',
  NOT_ON_WAITLIST: '이 회차의 대기자 명단에 등록되어 있지 않습니다.',
};
