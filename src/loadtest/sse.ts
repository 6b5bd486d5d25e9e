import http, { type IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

export interface StreamResult {
  status: number;
  /** The node that served it, as the balancer names it (`X-Tmomi-Node`), or '' straight to a node. */
  node: string;
  headers: IncomingHttpHeaders;
  lastEventId: string | undefined;
  /** `stopped`: the handler asked to stop; `ended`: the server closed it; `broken`: a transport error. */
  end: 'stopped' | 'ended' | 'broken' | 'timeout';
}

// One socket per stream, never pooled: a stream holds its connection for as long as it lives.
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * Follows one Server-Sent Events stream, calling `onEvent` for each event until it returns true, the
 * server ends the stream, the connection breaks, or `timeoutMs` passes. Resumes from `lastEventId`.
 * Built on node:http rather than fetch so that thousands of streams cost one socket and a few
 * kilobytes each.
 */
export function followStream(
  url: string,
  headers: Record<string, string>,
  lastEventId: string | undefined,
  timeoutMs: number,
  onEvent: (event: StreamEvent) => boolean,
): Promise<StreamResult> {
  return follow(lastEventId, timeoutMs, onEvent, ({ result, parse, finish }) => {
    const req = http.get(url, { agent, headers: { ...headers, ...streamHeaders(lastEventId) } }, (res) => {
      result.status = res.statusCode ?? 0;
      result.headers = res.headers;
      result.node = String(res.headers['x-tmomi-node'] ?? '');
      if (result.status !== 200) {
        res.resume();
        res.on('end', () => finish('ended'));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', parse);
      res.on('end', () => finish('ended'));
      res.on('error', () => finish('broken'));
    });
    req.on('error', () => finish('broken'));
    return () => req.destroy();
  });
}

/**
 * Follows one stream as `followStream` does, as one HTTP/2 stream on `session`: many streams share one
 * connection (and one file descriptor on each side), as they do behind a balancer speaking HTTP/2.
 */
export function followStreamH2(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string>,
  lastEventId: string | undefined,
  timeoutMs: number,
  onEvent: (event: StreamEvent) => boolean,
): Promise<StreamResult> {
  return follow(lastEventId, timeoutMs, onEvent, ({ result, parse, finish }) => {
    const stream = session.request({ ':path': path, ...headers, ...streamHeaders(lastEventId) });
    stream.on('response', (response) => {
      result.status = Number(response[':status'] ?? 0);
      result.headers = response;
      result.node = String(response['x-tmomi-node'] ?? '');
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (result.status === 200) parse(chunk);
    });
    stream.on('end', () => finish('ended'));
    stream.on('error', () => finish('broken'));
    return () => stream.close(http2.constants.NGHTTP2_CANCEL);
  });
}

const streamHeaders = (lastEventId: string | undefined) => ({
  accept: 'text/event-stream',
  ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
});

/**
 * What both transports share: the result, the parser, the timeout, and one end. `open` starts the
 * transport, feeds it to `parse` and `finish`, and returns how to close it.
 */
function follow(
  lastEventId: string | undefined,
  timeoutMs: number,
  onEvent: (event: StreamEvent) => boolean,
  open: (stream: {
    result: StreamResult;
    parse: (chunk: string) => void;
    finish: (end: StreamResult['end']) => void;
  }) => () => void,
): Promise<StreamResult> {
  return new Promise((resolve) => {
    const result: StreamResult = { status: 0, node: '', headers: {}, lastEventId, end: 'broken' };
    let settled = false;
    const finish = (end: StreamResult['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.end = end;
      close();
      resolve(result);
    };
    const parser = sseParser(result, onEvent, () => finish('stopped'));
    const parse = (chunk: string) => {
      if (!settled) parser(chunk);
    };
    const close = open({ result, parse, finish });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
  });
}

/**
 * The event-stream format, fed chunk by chunk: each complete event goes to `onEvent` (heartbeat
 * comments are skipped; `id:` is remembered in `result.lastEventId`) until it returns true, then `stop`.
 */
function sseParser(
  result: StreamResult,
  onEvent: (event: StreamEvent) => boolean,
  stop: () => void,
): (chunk: string) => void {
  let buffer = '';
  let stopped = false;
  return (chunk) => {
    buffer += chunk;
    let cut;
    while (!stopped && (cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      if (id !== undefined) result.lastEventId = id;
      const event = /^event: (.*)$/m.exec(block)?.[1];
      if (!event) continue; // a heartbeat comment
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (onEvent({ id, event, data: data ? (JSON.parse(data) as Record<string, unknown>) : {} })) {
        stopped = true;
        stop();
      }
    }
  };
}
