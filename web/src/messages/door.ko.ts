// 대기열 입장 확인(작업 증명, decision 030): 주최자 설정과 거절 문구. ko.ts의 일부.
import type { doorEn, doorErrorsEn } from './door.en';

export const doorKo: typeof doorEn = {
  'admin.challengeDifficulty': '입장 확인 난이도',
  'admin.challengeDifficultyHint':
    '대기열에 들어가기 전 구매자 브라우저가 계산하는 해시 수(대략)입니다. 50,000이면 1초 미만, 0이면 끕니다.',
  'admin.challengeDefault': '기본값',
};

export const doorErrorsKo: typeof doorErrorsEn = {
  CHALLENGE_REQUIRED: '브라우저가 입장 확인을 마치지 못했습니다. 다시 입장해 주세요.',
  CHALLENGE_REUSED: '이미 사용된 입장 확인입니다. 다시 입장하면 브라우저가 새로 풀어 드립니다.',
};
