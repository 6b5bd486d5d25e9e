import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRedisEngine } from './index.js';

describe('redis adapter', () => {
  it('when Redis is unreachable, then creating the engine fails within seconds and says why', async () => {
    const startedAt = Date.now();
    await expect(createRedisEngine({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('when the first connection fails, then the client gives up instead of reconnecting in the background', async () => {
    // A server that hangs up on every connection: ioredis's default would be to retry it forever,
    // holding the process open after the failed start.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(createRedisEngine({ url: `redis://127.0.0.1:${port}` })).rejects.toThrow(
        /cannot connect to Redis/,
      );
      await sleep(500);
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when the server stops answering without hanging up, then calls fail within seconds instead of hanging', async () => {
    const fake = await silentRedis();
    const engine = await createRedisEngine({ url: fake.url });
    try {
      await engine.ping();
      fake.goSilent();
      const startedAt = Date.now();
      await expect(engine.ping()).rejects.toThrow(/timed out/);
      expect(Date.now() - startedAt).toBeLessThan(7_000);
    } finally {
      await fake.close();
      await engine.close();
    }
  });
});

/**
 * Just enough of a Redis server to get a client connected, which can then go silent with its socket
 * open: a frozen host or a partition, which TCP alone takes many minutes to notice.
 */
async function silentRedis() {
  let silent = false;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let command: string | undefined;
      while ((command = nextCommand()) !== undefined) {
        if (silent) continue;
        const info = '# Server\r\nredis_version:7.2.0\r\nloading:0\r\n';
        socket.write(
          command === 'INFO'
            ? `$${info.length}\r\n${info}\r\n`
            : command === 'PING'
              ? '+PONG\r\n'
              : '+OK\r\n',
        );
      }
    });
    // Each command is an array of bulk strings: *n, then n times $len and the bytes.
    const nextCommand = (): string | undefined => {
      const lines = pending.split('\r\n');
      const count = Number(lines[0]?.slice(1));
      if (!lines[0]?.startsWith('*') || lines.length < 1 + 2 * count + 1) return undefined;
      pending = lines.slice(1 + 2 * count).join('\r\n');
      return lines[2]?.toUpperCase();
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    goSilent: () => (silent = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
