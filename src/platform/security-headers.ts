import helmet from 'helmet';

export type HeaderSet = Readonly<Record<string, string>>;

/**
 * What helmet's middleware sets, recorded once at boot. Our options are static (no nonce, nothing taken
 * from the request), so every response gets the same values: recording them lets each request copy a
 * constant instead of running helmet's thirteen middlewares (decision 007).
 */
function recordHelmet(options: Parameters<typeof helmet>[0]): HeaderSet {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: () => {}, // X-Powered-By: Node's HTTP server never sends it
  };
  let failure: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => (failure = err));
  if (failure) throw failure as Error;
  return Object.freeze(headers);
}

/** The web app's documents and files (HTML, scripts, /docs): helmet's full set for browsers. */
export const DOCUMENT_HEADERS = recordHelmet({
  contentSecurityPolicy: {
    directives: {
      'default-src': ["'self'"],
      'img-src': ["'self'", 'data:', 'https:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      'script-src': ["'self'"],
      // Helmet's default would send a phone opening http://laptop:3000 (the embedded mode on a LAN)
      // to https for every script, leaving a blank page; behind TLS the balancer's HSTS does that job.
      'upgrade-insecure-requests': null,
    },
  },
});

/**
 * JSON API responses (/api/*, /healthz, /readyz, /metrics): the OWASP REST Security set. The other
 * headers of helmet's set govern how a browser renders a document, which a JSON body is not.
 */
export const API_HEADERS: HeaderSet = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': DOCUMENT_HEADERS['strict-transport-security']!,
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

const API_URL = /^\/(?:api(?:[/?]|$)|(?:healthz|readyz|metrics)(?:\?|$))/;

/** Whether a URL is answered with JSON (or Prometheus text) rather than a document of the web app. */
export const isApiUrl = (url: string): boolean => API_URL.test(url);
