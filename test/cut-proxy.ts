import net from 'node:net';

/**
 * A TCP proxy in front of a real PostgreSQL or Redis that a test can cut, as a crash or a partition
 * would: `cut()` resets every open connection and refuses new ones until `restore()`. The services
 * themselves are shared by every test file, so they are never stopped.
 */
export interface CutProxy {
  /** The target URL with its host and port replaced by the proxy's. */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function cutProxy(targetUrl: string): Promise<CutProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || (target.protocol === 'redis:' ? 6379 : 5432));
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
