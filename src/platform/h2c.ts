import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';

/**
 * HTTP/1.1 and cleartext HTTP/2 (h2c, "prior knowledge") on one port, for one request handler.
 *
 * Why: a waiting buyer holds a Server-Sent Events stream for minutes, and over HTTP/1.1 every stream
 * is a socket — a file descriptor of the node. A node process has a hard limit of them (20,000 on the
 * machines we test on, and raising it needs privileges operators may not have), so over HTTP/1.1 the
 * limit, not memory or CPU, caps the waiters one node serves. A client or balancer that speaks
 * HTTP/2 to the node (HAProxy `proto h2`, Envoy) carries thousands of streams on a few connections
 * instead (docs/decisions/010).
 *
 * How: the server is an ordinary `http.Server` — what Fastify, its `close()` and our idle sweep expect
 * — whose connection handler first reads the connection's opening bytes. HTTP/2 with prior knowledge
 * opens with the fixed preface `PRI * HTTP/2.0…` (RFC 9113 §3.3), which no HTTP/1.1 request can
 * (there is no method PRI); such a connection is handed to an `http2` server sharing the same handler
 * through Node's compatibility API, every other goes on to HTTP/1.1 as if nothing had happened. No
 * `Upgrade: h2c` dance (removed from HTTP/2 by RFC 9113) and no TLS: TLS ends at the balancer.
 */
export interface DualServer {
  server: http.Server;
  /**
   * For shutdown: asks every HTTP/2 client to stop opening streams (GOAWAY; open streams run to their
   * end), and drops the connections that never sent a byte.
   */
  closeSessions(): void;
}

/** At most this many streams at once on one HTTP/2 connection: a balancer multiplexes many buyers. */
const MAX_STREAMS_PER_CONNECTION = 1_000;
/** nghttp2's memory budget per connection (MiB), which must hold the buffers of all its streams. */
const SESSION_MEMORY_MB = 64;
/** A connection that sends nothing for this long is dropped, as Node drops a silent HTTP/1.1 one. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;
/** The first three bytes of the HTTP/2 connection preface. */
const PRI = Buffer.from('PRI', 'latin1');

export function dualServer(handler: http.RequestListener): DualServer {
  const server = http.createServer(handler);
  const h2 = http2.createServer(
    { settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION }, maxSessionMemory: SESSION_MEMORY_MB },
    handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  // Node's own HTTP/1.1 connection handler, called for every connection that is not HTTP/2.
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  // Connections that have not yet said which protocol they speak: neither server knows them, so their
  // timeout and their end at shutdown are ours.
  const undecided = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    undecided.add(socket);
    const silent = setTimeout(() => socket.destroy(), FIRST_BYTES_TIMEOUT_MS);
    let opening = Buffer.alloc(0);
    const sniff = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) opening = Buffer.concat([opening, chunk]);
      const head = opening.subarray(0, PRI.length);
      if (head.length < PRI.length && PRI.subarray(0, head.length).equals(head)) return; // more to come
      socket.off('readable', sniff);
      clearTimeout(silent);
      undecided.delete(socket);
      // Give the bytes back, so whichever server takes the socket reads it from its first byte.
      socket.unshift(opening);
      if (head.equals(PRI)) h2.emit('connection', socket);
      else for (const listener of http1) listener.call(server, socket);
    };
    socket.on('readable', sniff);
    socket.once('close', () => {
      clearTimeout(silent);
      undecided.delete(socket);
    });
  });
  return {
    server,
    closeSessions() {
      for (const session of sessions) session.close();
      for (const socket of undecided) socket.destroy();
    },
  };
}
