// live.en.ts in Korean.
import type { liveEn } from './live.en';

export const liveKo: typeof liveEn = {
  'live.title': '실시간 판매 제어',
  'live.running': '입장 진행 중',
  'live.paused': '일시 정지됨',
  'live.pause': '입장 일시 정지',
  'live.resume': '입장 재개',
  'live.pauseHint':
    '일시 정지하면 아무도 입장하지 않습니다. 대기열 참가는 계속되고 순서는 유지되며, 좌석을 고르고 있는 구매자는 차례를 잃지 않습니다.',
  'live.pausedHint': '아무도 입장하지 않습니다. 대기 중인 구매자에게 안내되며, 재개하면 순서대로 입장합니다.',
  'live.edit': '실시간 설정',
  'live.save': '변경 저장',
  'live.saved': '저장했습니다. 모든 서버가 2초 안에 적용합니다.',
  'live.cancel': '이 공연 취소',
  'live.cancelReason': '취소 사유 (모든 티켓 소지자가 읽습니다)',
  'live.cancelConfirm':
    '이 공연을 취소할까요? 예매가 지금 끝나고, 결제된 모든 주문이 전액 환불되며, 모든 티켓 소지자에게 알립니다. 되돌릴 수 없습니다.',
  'live.cancelledHint': '결제된 모든 주문을 환불하고, 모든 티켓 소지자에게 알렸습니다.',
};
