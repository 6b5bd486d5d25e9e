// 대기실 예상 시간 문구: 추정 상태, 남은 좌석과 앞선 대기 인원. ko.ts의 일부.
export const queueEtaKo = {
  'queue.etaRough': '대략 {time} 남음 (앞선 구매자들이 끝낼수록 더 정확해집니다)',
  'queue.stalled':
    '지금은 입장이 멈춰 있습니다: 앞선 구매자들이 끝나기를 기다리는 중입니다. 순서는 그대로이며, 줄이 움직이면 예상 시간이 다시 표시됩니다.',
  'queue.seatsLeft': '남은 좌석 약 {seats}석, 내 앞 {ahead}명',
  'queue.seatsMayRunOut':
    '남은 좌석보다 앞선 대기 인원이 훨씬 많습니다: 내 차례 전에 좌석이 매진될 수 있습니다.',
};
