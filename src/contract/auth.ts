import { Type, type Static } from 'typebox';
import { Name } from './common.js';
import { MIN_PASSWORD_LENGTH } from './passwords.js';
import { Locale } from './mail.js';

// Accounts and sessions. The session itself travels as an httpOnly cookie too, for EventSource.

const Email = Type.String({ format: 'email', maxLength: 254 });
// At least 12 characters, and not guessable (src/auth/password-policy.ts). Bounded above too: scrypt
// over a megabyte-long "password" is a cheap way to burn our CPU; 200 is more than any manager makes.
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 200 });

export const SignupBody = Type.Object({
  email: Email,
  password: Password,
  name: Name(100),
  /** The language of the account's mail: the app's language switch. Left out: from Accept-Language. */
  locale: Type.Optional(Locale),
});
export type SignupBody = Static<typeof SignupBody>;

/** A password as typed to prove who one is: any length the account may have been given. */
const CurrentPassword = Type.String({ minLength: 1, maxLength: 200 });

export const LoginBody = Type.Object({
  email: Email,
  password: CurrentPassword,
  /** For an account with two-factor login: the authenticator's code, or one of its recovery codes. */
  otp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  recoveryCode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$' })),
});
export type LoginBody = Static<typeof LoginBody>;

export const PasswordChangeBody = Type.Object({
  currentPassword: CurrentPassword,
  newPassword: Password,
});
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const PublicUserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  /** Whether logging in needs a TOTP code too. */
  totpEnabled: Type.Boolean(),
  /** The language of the account's mail. */
  locale: Locale,
  /** Whether the account proved its address (the link mailed at signup). */
  emailVerified: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type PublicUser = Static<typeof PublicUserSchema>;

export const SessionSchema = Type.Object({
  user: PublicUserSchema,
  accessToken: Type.String(),
  expiresAt: Type.String(),
});
export type Session = Static<typeof SessionSchema>;

export const UsersQuery = Type.Object({
  after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});

export const UserPageSchema = Type.Object({
  users: Type.Array(PublicUserSchema),
  next: Type.Union([Type.String(), Type.Null()]),
});

export const PasswordProofBody = Type.Object({ password: CurrentPassword });

export const TotpSetupSchema = Type.Object({
  /** Base32, for typing into an authenticator app by hand. */
  secret: Type.String(),
  /** The otpauth:// URI the QR code holds. */
  uri: Type.String(),
  qrSvg: Type.String(),
});
export type TotpSetup = Static<typeof TotpSetupSchema>;

export const TotpConfirmBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) });

export const RecoveryCodesSchema = Type.Object({
  /** Shown once: each logs in once in place of a code, when the phone is lost. */
  recoveryCodes: Type.Array(Type.String()),
});

/** A single-use token from a link Tmomi mailed (a password reset, an address to prove). */
const MailedToken = Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

export const PasswordResetBody = Type.Object({ email: Email });
export const PasswordResetConfirmBody = Type.Object({ token: MailedToken, password: Password });
export const VerifyEmailBody = Type.Object({ token: MailedToken });
