import { Type } from 'typebox';
import { ErrorResponse } from '../contract/common.js';
import {
  PasswordProofBody,
  RecoveryCodesSchema,
  TotpConfirmBody,
  TotpSetupSchema,
} from '../contract/auth.js';
import type { App } from '../platform/http.js';
import { callerOf, type Guard } from './guard.js';
import type { LoginThrottle } from './login-throttle.js';
import type { AuthService, Caller } from './service.js';
import type { Totp } from './totp.js';

const tags = ['auth'];
const security = [{ bearer: [] }];

/** Setting up and turning off two-factor login (TOTP), each proven by the account's password or a code. */
export function totpRoutes(
  app: App,
  deps: { auth: AuthService; totp: Totp; guard: Guard; throttle: LoginThrottle },
) {
  const { auth, totp, guard, throttle } = deps;
  // The password (or a code) is guessed here as at login: the same throttle, per account.
  const proven = <T>(caller: Caller, attempt: () => Promise<T>): Promise<T> =>
    throttle.attempt(`user:${caller.userId}`, attempt);

  app.post(
    '/api/me/totp',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'Start setting up two-factor login: a secret for an authenticator app (confirm it next)',
        body: PasswordProofBody,
        response: { 200: TotpSetupSchema, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      return proven(caller, async () => totp.setUp(await auth.reauthenticate(caller, req.body.password)));
    },
  );

  app.post(
    '/api/me/totp/confirm',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'Turn two-factor login on with a first code; answers the recovery codes, once',
        body: TotpConfirmBody,
        response: { 200: RecoveryCodesSchema, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      return proven(caller, async () => {
        const user = await auth.account(caller);
        return { recoveryCodes: await totp.confirm(user, req.body.code) };
      });
    },
  );

  app.post(
    '/api/me/totp/disable',
    {
      onRequest: guard.user,
      schema: {
        tags,
        security,
        summary: 'Turn two-factor login off',
        body: PasswordProofBody,
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      await proven(caller, async () => totp.disable(await auth.reauthenticate(caller, req.body.password)));
      return reply.code(204).send(null);
    },
  );
}
