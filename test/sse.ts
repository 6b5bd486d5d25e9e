export interface SseEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads a Server-Sent Events stream until `until` says so or the time is up (bounded), then closes it.
 * A small reader of our own: the test must see the raw wire format, event ids included.
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ status: number; contentType: string | null; csp: string | null; events: SseEvent[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  let status = 0;
  let contentType: string | null = null;
  let csp: string | null = null;
  try {
    const res = await fetch(url, { headers, signal: controller.signal });
    status = res.status;
    contentType = res.headers.get('content-type');
    csp = res.headers.get('content-security-policy');
    if (!res.ok || !res.body) return { status, contentType, csp, events };
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data)
          events.push({
            id: /^id: (.*)$/m.exec(block)?.[1],
            event,
            data: JSON.parse(data) as Record<string, unknown>,
          });
      }
    }
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status, contentType, csp, events };
}
