import { followStream, type StreamEvent } from '../src/loadtest/sse.js';

export type SseEvent = StreamEvent;

/**
 * Reads a Server-Sent Events stream until `until` says so, the server ends it, or the time is up
 * (bounded), then closes it; the events as they came on the wire, ids included.
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ status: number; contentType: string | null; csp: string | null; events: SseEvent[] }> {
  const events: SseEvent[] = [];
  const result = await followStream(url, headers, undefined, timeoutMs, (event) => {
    events.push(event);
    return until(events);
  });
  return {
    status: result.status,
    contentType: result.headers['content-type'] ?? null,
    csp: (result.headers['content-security-policy'] as string | undefined) ?? null,
    events,
  };
}
