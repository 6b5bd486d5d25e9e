// The API client's core: one fetch per call, errors as ApiError with the server's stable code. The
// endpoints are in api.ts (and the admin's in api-admin.ts).
import type { ErrorResponse } from '@tmomi/contract/common';

/** A failed API call: the stable code from the server's error body, shown to people through i18n. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The code used when the server could not be reached at all. */
export const NETWORK_ERROR = 'NETWORK';

export const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/** Idempotency keys without crypto.randomUUID, which browsers only offer on https or localhost. */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * One request. Identity travels in the httpOnly session cookie that login sets, so no token is ever
 * readable by scripts on the page. A JSON content type is sent only with a body: Fastify rightly
 * refuses an empty JSON body.
 */
export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal ?? null,
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, NETWORK_ERROR, 'The server could not be reached.');
  }
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    // Read defensively: a proxy in between may answer an error that is not ours.
    const error = (data as { error?: Partial<Record<keyof ErrorResponse['error'], unknown>> } | null)?.error;
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : res.statusText,
      (error?.details as Record<string, unknown> | undefined) ?? undefined,
    );
  }
  return data as T;
}

/** Headers of the hold and checkout calls: the retry key, and the waiting room's pass when there is one. */
export interface BookingHeaders {
  idempotencyKey: string;
  queuePass?: string | undefined;
}

export const bookingHeaders = ({ idempotencyKey, queuePass }: BookingHeaders) => ({
  'idempotency-key': idempotencyKey,
  ...(queuePass ? { 'x-queue-pass': queuePass } : {}),
});

export const query = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([name, value]) => [name, String(value)])).toString();

export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
  call<T>(path, { method: 'POST', body, ...(headers ? { headers } : {}) });

/** What the admin pages read of a list, page by page: all of it, up to 10,000 items. */
export const ADMIN_PAGE = 100;
export const MAX_ADMIN_PAGES = 100;
