import type { FastifyRequest } from 'fastify';

/** Methods that change nothing: a forged request gains nothing by them, so they are never checked. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request authenticated by the session cookie must be refused as a cross-site request
 * forgery. `SameSite=Strict` alone is not enough: it does not separate sites that share a registrable
 * domain (another subdomain is "same-site"), and it depends on every browser honouring it. A body-less
 * POST — a cancel, a release — needs no content type, so the JSON-only parser that stops forged form
 * posts does not stop it either.
 *
 * Allowed, for a method that changes something:
 * - an `Origin` that is this server's own (the Host the browser addressed, or X-Forwarded-Host from a
 *   trusted proxy), or one of `trustedOrigins` (TMOMI_CORS_ORIGINS, which are given credentials);
 * - without `Origin`, `Sec-Fetch-Site: same-origin` or `none` (a request the user made directly);
 * - neither header at all. Every browser released since 2020 sends `Origin` on every request that is
 *   not a GET or HEAD, and `Sec-Fetch-Site` too since 2023, so a request without both comes from a
 *   program — curl, a script holding a copied cookie — which no victim's browser was tricked into
 *   sending; refusing it would break such tools and protect nobody. The browsers old enough to omit
 *   `Origin` on a cross-site POST (Firefox before 70) do honour `SameSite=Strict`, which then keeps the
 *   cookie off the forged request.
 * `Origin: null` (a sandboxed frame, a cross-site redirect) is refused: it names no site to trust.
 */
export function isCrossSite(req: FastifyRequest, trustedOrigins: ReadonlySet<string>): boolean {
  if (SAFE_METHODS.has(req.method)) return false;
  const origin = req.headers.origin;
  if (origin !== undefined) return !(trustedOrigins.has(origin) || isOwnOrigin(origin, req.host));
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  return false;
}

/** Whether `origin` names the host the request was sent to (the default port written or not). */
function isOwnOrigin(origin: string, host: string): boolean {
  if (host === '') return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    // Through URL so that `localhost:80` and `http://localhost` compare equal, as a browser means them.
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false;
  }
}
