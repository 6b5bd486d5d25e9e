import { isIP } from 'node:net';

// Values of the configuration that need more than a schema to check (config.ts parses the rest).

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type TrustProxy = false | string[];
/** Named ranges proxy-addr (Fastify's) understands, besides addresses and CIDR networks. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A URL the pattern lets through can still be unusable (`smtp://:x@`); say so at boot, not at the first sale. */
export function checkSmtpUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `TMOMI_SMTP_URL is not a valid URL (got "${value.replace(/\/\/[^@/]*@/, '//***@')}")`,
    );
  }
  if (url.hostname === '')
    throw new ConfigError('TMOMI_SMTP_URL must name a host, e.g. smtps://user:password@smtp.example.com:465');
  if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65535))
    throw new ConfigError(`TMOMI_SMTP_URL has an invalid port "${url.port}"`);
}

/**
 * `false` (no proxy), or the proxies' addresses and networks (`10.0.0.0/8,127.0.0.1`, or the named
 * ranges `loopback`, `linklocal`, `uniquelocal`): X-Forwarded-For is read from the right, past those
 * proxies, to the first address that is not one. Never "every hop": a client would then choose its own
 * address by sending X-Forwarded-For, and walk past every limit kept per address. Not a hop count
 * either: Fastify refuses to trust one, since it cannot tell a proxy from a client that sends the header.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const word = value.trim().toLowerCase();
  if (word === 'false' || word === 'no' || word === '0') return false;
  if (word === 'true' || word === 'yes')
    throw new ConfigError(
      'TMOMI_TRUST_PROXY=true would trust every hop, so any client could choose its own address with ' +
        'X-Forwarded-For; give the addresses or networks of the proxies in front of Tmomi',
    );
  const entries = word.split(',').map((entry) => entry.trim());
  const valid = (entry: string) => {
    if (PROXY_RANGES.has(entry)) return true;
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  };
  if (entries.length === 0 || !entries.every(valid))
    throw new ConfigError(
      `TMOMI_TRUST_PROXY must be false or the proxies' addresses/networks (or loopback, linklocal, uniquelocal), got "${value}"`,
    );
  return entries;
}
