// The account page's words: password and two-factor login. A part of en.ts.
export const accountEn = {
  'account.title': 'Your account',
  'account.passwordTitle': 'Change your password',
  'account.passwordNote': 'Every other device you are logged in on will be logged out.',
  'account.currentPassword': 'Current password',
  'account.newPassword': 'New password',
  'account.changePassword': 'Change password',
  'account.totpTitle': 'Two-factor login',
  'account.totpNote': 'Ask for a code from an authenticator app at every login, as well as the password.',
  'account.totpEnabled': 'On: every login asks for a code from your authenticator app.',
  'account.totpSetUp': 'Set up two-factor login',
  'account.totpDisable': 'Turn two-factor login off',
  'account.totpScan': 'Scan this code with your authenticator app, then enter the 6 digits it shows.',
  'account.totpQr': 'QR code for your authenticator app',
  'account.totpSecret': 'Or type this key into the app:',
  'account.totpConfirm': 'Turn on',
  'account.totpOn': 'Two-factor login is on.',
  'account.totpCodes':
    'Keep these recovery codes somewhere safe. Each logs you in once if you lose your phone; they are shown only now.',
  'account.passwordChanged': 'Your password has been changed. Other devices have been logged out.',
};
