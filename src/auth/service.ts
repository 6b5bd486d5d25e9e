import type { PublicUser } from '../contract/auth.js';
import { AppError } from '../contract/errors.js';
import { TokenError, type TokenKind } from '../platform/tokens.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.js';
import { assertStrongPassword } from './password-policy.js';
import type { Role, UserRepository, UserRow } from './repository.js';
import type { Sessions } from './sessions.js';
import type { SecondFactor, Totp } from './totp.js';
import type { AccountLinks } from './account-links.js';

export type { PublicUser };

/** `sv`: the user's session version when the token was issued; tokens from before it had none (0). */
export type AccessClaims = { sub: string; role: Role; sv?: number };

export interface Session {
  user: PublicUser;
  accessToken: string;
  expiresAt: string;
}

/** Who is calling: what the guard puts on the request after checking the token. */
export interface Caller {
  userId: string;
  role: Role;
  /** The session version the token was issued under: the guard checks it is still the user's. */
  sessionVersion: number;
}

export interface AuthServiceOptions {
  users: UserRepository;
  accessTokens: TokenKind<AccessClaims>;
  accessTokenTtlSeconds: number;
  /** Told of each session issued (the guard then knows its version without a read) and of each ended. */
  sessions?: Pick<Sessions, 'issued' | 'moved'>;
  /** The second factor of accounts that have turned it on. */
  totp?: Pick<Totp, 'check'>;
  /** Mails a new account the link that proves its address. */
  verification?: Pick<AccountLinks, 'sendVerification'>;
}

export class AuthService {
  private readonly users: UserRepository;
  private readonly accessTokens: TokenKind<AccessClaims>;
  private readonly accessTokenTtlSeconds: number;
  private readonly sessions: Pick<Sessions, 'issued' | 'moved'> | undefined;
  private readonly totp: Pick<Totp, 'check'> | undefined;
  private readonly verification: Pick<AccountLinks, 'sendVerification'> | undefined;

  constructor({
    users,
    accessTokens,
    accessTokenTtlSeconds,
    sessions,
    totp,
    verification,
  }: AuthServiceOptions) {
    this.verification = verification;
    this.users = users;
    this.accessTokens = accessTokens;
    this.accessTokenTtlSeconds = accessTokenTtlSeconds;
    this.sessions = sessions;
    this.totp = totp;
  }

  async signup(input: {
    email: string;
    password: string;
    name: string;
    locale?: 'ko' | 'en';
  }): Promise<Session> {
    const email = normaliseEmail(input.email);
    const name = input.name.trim();
    assertStrongPassword(input.password, [email, name]);
    const user = await this.users.insert({
      email,
      name,
      passwordHash: await hashPassword(input.password),
      role: 'user',
      locale: input.locale,
    });
    // The email is not repeated back: the answer already says too much to whoever tries emails.
    if (!user) throw new AppError('EMAIL_TAKEN');
    await this.verification?.sendVerification(user.id);
    return this.sessionFor(user);
  }

  /**
   * Changes the caller's password, proven by the current one (403 WRONG_PASSWORD). The change ends
   * every session the account has (the trigger of migration 0011): the answer is a new one for the
   * device that asked.
   */
  async changePassword(
    caller: Caller,
    input: { currentPassword: string; newPassword: string },
  ): Promise<Session> {
    const user = await this.reauthenticate(caller, input.currentPassword);
    assertStrongPassword(input.newPassword, [user.email, user.name]);
    const changed = await this.users.setPassword(user.id, await hashPassword(input.newPassword));
    if (!changed) throw new AppError('SESSION_ENDED');
    await this.sessions?.moved(changed.id, changed.sessionVersion);
    return this.sessionFor(changed);
  }

  /**
   * The caller's account, proven again by its password (403 WRONG_PASSWORD) before a change that
   * matters: a new password, two-factor login set up or turned off.
   */
  async reauthenticate(caller: Caller, password: string): Promise<UserRow> {
    const user = await this.account(caller);
    if (!(await verifyPassword(password, user.passwordHash))) throw new AppError('WRONG_PASSWORD');
    return user;
  }

  async login(input: { email: string; password: string } & SecondFactor): Promise<Session> {
    const user = await this.users.findByEmail(normaliseEmail(input.email));
    const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
    // Unknown email and wrong password get the same answer, so accounts cannot be enumerated.
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS');
    await this.totp?.check(user, input);
    return this.sessionFor(user);
  }

  /** A new session for an account whose sessions a change of its own ended (an accepted invitation). */
  async renewed(userId: string): Promise<Session> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('SESSION_ENDED');
    return this.sessionFor(user);
  }

  async me(caller: Caller): Promise<PublicUser> {
    return toPublic(await this.account(caller));
  }

  /** The caller's account as it is now. */
  async account(caller: Caller): Promise<UserRow> {
    const user = await this.users.findById(caller.userId);
    // A valid token for a deleted account is no longer a session.
    if (!user) throw new AppError('SESSION_ENDED');
    return user;
  }

  /**
   * The caller an access token names; throws 401 for a missing, forged or expired one. Whether its
   * session has been ended since is for the guard to ask (Sessions).
   */
  authenticate(token: string | undefined): Caller {
    if (!token) throw new AppError('UNAUTHENTICATED');
    try {
      const claims = this.accessTokens.check(token);
      return { userId: claims.sub, role: claims.role, sessionVersion: claims.sv ?? 0 };
    } catch (err) {
      if (err instanceof TokenError)
        throw new AppError(err.reason === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
      throw err;
    }
  }

  async listUsers(opts: {
    after?: string;
    limit: number;
  }): Promise<{ users: PublicUser[]; next: string | null }> {
    const rows = await this.users.list(opts);
    const last = rows.at(-1);
    return { users: rows.map(toPublic), next: rows.length === opts.limit && last ? last.id : null };
  }

  async ensureAdmin(input: { email: string; password: string; name?: string }): Promise<PublicUser> {
    const user = await this.users.upsertAdmin({
      email: normaliseEmail(input.email),
      name: input.name ?? 'Administrator',
      passwordHash: await hashPassword(input.password),
    });
    return toPublic(user);
  }

  private sessionFor(user: UserRow): Session {
    const { token, expiresAt } = this.accessTokens.issue(
      { sub: user.id, role: user.role, sv: user.sessionVersion },
      this.accessTokenTtlSeconds,
    );
    this.sessions?.issued(user.id, user.sessionVersion);
    return { user: toPublic(user), accessToken: token, expiresAt: expiresAt.toISOString() };
  }
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toPublic(user: UserRow): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    totpEnabled: user.totpSecret !== null,
    locale: user.locale,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
