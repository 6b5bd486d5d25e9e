import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { AppError } from '../contract/errors.js';
import type { Clock } from '../platform/clock.js';
import type { UserRepository, UserRow } from './repository.js';

const ISSUER = 'Tmomi';
/** A code of the step before or after is accepted too: phones' clocks drift. */
const WINDOW = 1;
const RECOVERY_CODES = 10;

/** What an authenticator app needs to start: the secret typed by hand, or scanned as a QR code. */
export interface TotpSetup {
  secret: string;
  uri: string;
  qrSvg: string;
}

/** The second factor a login brings when the account has TOTP on. */
export interface SecondFactor {
  otp?: string | undefined;
  recoveryCode?: string | undefined;
}

/**
 * TOTP two-factor login (RFC 6238 through otpauth, a well-kept library): setting it up (a secret
 * confirmed by a first code, which gives ten single-use recovery codes), checking a login's code or
 * recovery code, turning it off. Secrets are stored encrypted (AES-256-GCM, a key derived from the
 * installation's secret); recovery codes as their SHA-256 (they are random, so a slow hash adds
 * nothing); a code is accepted once (the step it was for is remembered).
 */
export class Totp {
  private readonly key: Buffer;

  constructor(
    private readonly deps: {
      users: Pick<
        UserRepository,
        'setTotpPending' | 'enableTotp' | 'disableTotp' | 'useTotpStep' | 'useRecoveryCode'
      >;
      secret: string;
      clock: Clock;
    },
  ) {
    this.key = createHmac('sha256', deps.secret).update('tmomi totp secrets').digest();
  }

  /** A new secret for the user, pending until `confirm`; an enabled one stays until then. */
  async setUp(user: UserRow): Promise<TotpSetup> {
    const secret = new Secret({ size: 20 });
    await this.deps.users.setTotpPending(user.id, this.seal(secret.base32));
    const uri = this.totp(user, secret.base32).toString();
    return { secret: secret.base32, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
  }

  /** The first code proves the app has the secret: TOTP is on, and here are the recovery codes. */
  async confirm(user: UserRow, code: string): Promise<string[]> {
    if (!user.totpPending) throw new AppError('TOTP_NOT_SET_UP');
    const step = this.stepOf(user, this.open(user.totpPending), code);
    if (step === null) throw new AppError('TOTP_INVALID');
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    if (!(await this.deps.users.enableTotp(user.id, user.totpPending, step, codes.map(digest))))
      throw new AppError('TOTP_NOT_SET_UP');
    return codes;
  }

  async disable(user: UserRow): Promise<void> {
    await this.deps.users.disableTotp(user.id);
  }

  /**
   * Throws unless the login's second factor is good: 401 TOTP_REQUIRED when none came (the client then
   * asks for one), 401 TOTP_INVALID for a wrong, used or stale code or an unknown recovery code.
   */
  async check(user: UserRow, factor: SecondFactor): Promise<void> {
    if (!user.totpSecret) return;
    if (factor.otp) {
      const step = this.stepOf(user, this.open(user.totpSecret), factor.otp);
      if (step !== null && (await this.deps.users.useTotpStep(user.id, step))) return;
    } else if (factor.recoveryCode) {
      if (await this.deps.users.useRecoveryCode(user.id, digest(normalise(factor.recoveryCode)))) return;
    } else throw new AppError('TOTP_REQUIRED');
    throw new AppError('TOTP_INVALID');
  }

  /** The 30-second step the code is for, or null when it is not this secret's code around now. */
  private stepOf(user: UserRow, secret: string, code: string): number | null {
    const totp = this.totp(user, secret);
    const timestamp = this.deps.clock.now();
    const delta = totp.validate({ token: code, timestamp, window: WINDOW });
    return delta === null ? null : totp.counter({ timestamp }) + delta;
  }

  private totp(user: UserRow, secret: string): TOTP {
    return new TOTP({ issuer: ISSUER, label: user.email, secret: Secret.fromBase32(secret) });
  }

  private seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.');
  }

  private open(stored: string): string {
    const [iv, tag, sealed] = stored.split('.').map((part) => Buffer.from(part, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(sealed!), decipher.final()]).toString('utf8');
  }
}

/** Ten characters a person can type from paper: lowercase letters and digits, in two groups of five. */
function recoveryCode(): string {
  const text = randomBytes(10)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  const padded = (text + randomBytes(8).toString('hex')).slice(0, 10);
  return `${padded.slice(0, 5)}-${padded.slice(5)}`;
}

const normalise = (code: string) => code.trim().toLowerCase();
const digest = (code: string) => createHash('sha256').update(code).digest('hex');
