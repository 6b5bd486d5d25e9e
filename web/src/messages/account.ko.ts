// 계정 페이지 문구: 비밀번호와 2단계 로그인. ko.ts의 일부.
export const accountKo = {
  'account.title': '내 계정',
  'account.passwordTitle': '비밀번호 변경',
  'account.passwordNote': '로그인되어 있는 다른 기기에서는 모두 로그아웃됩니다.',
  'account.currentPassword': '현재 비밀번호',
  'account.newPassword': '새 비밀번호',
  'account.changePassword': '비밀번호 변경',
  'account.totpTitle': '2단계 인증',
  'account.totpNote': '로그인할 때마다 비밀번호와 함께 인증 앱의 코드를 확인합니다.',
  'account.totpEnabled': '사용 중: 로그인할 때마다 인증 앱의 코드를 입력해야 합니다.',
  'account.totpSetUp': '2단계 인증 설정',
  'account.totpDisable': '2단계 인증 끄기',
  'account.totpScan': '인증 앱으로 이 코드를 스캔한 뒤, 앱에 표시된 6자리 숫자를 입력하세요.',
  'account.totpQr': '인증 앱용 QR 코드',
  'account.totpSecret': '또는 이 키를 앱에 직접 입력하세요:',
  'account.totpConfirm': '켜기',
  'account.totpOn': '2단계 인증이 켜졌습니다.',
  'account.totpCodes':
    '이 복구 코드를 안전한 곳에 보관하세요. 휴대폰을 잃어버렸을 때 각 코드로 한 번씩 로그인할 수 있으며, 지금만 표시됩니다.',
  'account.passwordChanged': '비밀번호가 변경되었습니다. 다른 기기에서는 로그아웃되었습니다.',
};
