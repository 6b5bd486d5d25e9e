import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createRedisEngine } from './index.js';
import { checkClusterMode, parseRedisUrl, redactUrl } from './redis-target.js';

describe('REDIS_URL', () => {
  it('when it names one server, then ioredis gets the URL as it is', () => {
    expect(parseRedisUrl('redis://:pw@cache:6380/2')).toEqual({
      cluster: false,
      url: 'redis://:pw@cache:6380/2',
    });
    expect(parseRedisUrl('rediss://cache')).toEqual({ cluster: false, url: 'rediss://cache' });
  });

  it('when it names a cluster, then each seed node, the credentials and TLS are read from it', () => {
    expect(parseRedisUrl('redis+cluster://h1:7000,h2:7001')).toEqual({
      cluster: true,
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
      tls: false,
      username: undefined,
      password: undefined,
    });
    expect(parseRedisUrl('rediss+cluster://tmomi:p%40ss@10.0.0.1:6380,[::1]:6381/')).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 6380 },
        { host: '::1', port: 6381 },
      ],
      tls: true,
      username: 'tmomi',
      password: 'p@ss',
    });
    expect(parseRedisUrl('redis+cluster://:secret@h1:7000')).toMatchObject({
      username: undefined,
      password: 'secret',
    });
  });

  it('when a cluster URL is malformed, then it is refused with the URL, never its password', () => {
    for (const url of [
      'redis+cluster://h1',
      'redis+cluster://h1:7000,h2',
      'redis+cluster://u:secret@h1:70000',
      'redis+cluster://',
      'redis+cluster://h1:7000/0',
    ]) {
      expect(() => parseRedisUrl(url), url).toThrow(/redis\+cluster:\/\//);
      expect(() => parseRedisUrl(url)).not.toThrow(/secret/);
    }
    expect(redactUrl('redis+cluster://u:secret@h1:7000')).toBe('redis+cluster://u:***@h1:7000');
  });

  it('when the server is not what the URL says, then the boot stops saying which', async () => {
    const cluster = parseRedisUrl('redis+cluster://h1:7000');
    const plain = parseRedisUrl('redis://h1:7000');
    const info = (enabled: number) => async () => `# Cluster\r\ncluster_enabled:${enabled}\r\n`;
    await expect(checkClusterMode(plain, info(1))).rejects.toThrow(
      /is a node of a Redis Cluster.*redis\+cluster:\/\//,
    );
    await expect(checkClusterMode(cluster, info(0))).rejects.toThrow(/h1:7000 is a plain Redis/);
    await expect(checkClusterMode(plain, info(0))).resolves.toBeUndefined();
    await expect(checkClusterMode(cluster, info(1))).resolves.toBeUndefined();
    // A server whose INFO has no cluster section (an older one, a proxy) is not a cluster.
    await expect(
      checkClusterMode(plain, async () => '# Server\r\nredis_version:7.2.0\r\n'),
    ).resolves.toBeUndefined();
  });

  const clusterUrl = inject('redisClusterUrl');
  const redisUrl = process.env.REDIS_URL;
  it.skipIf(!clusterUrl || !redisUrl)(
    'when a real plain URL names a cluster node, or a cluster URL a plain Redis, then creating the engine fails with that reason',
    async () => {
      const node = /\+cluster:\/\/([^,]+)/.exec(clusterUrl)![1]!;
      await expect(createRedisEngine({ url: `redis://${node}` })).rejects.toThrow(
        /is a node of a Redis Cluster/,
      );
      const plain = new URL(redisUrl!);
      await expect(createRedisEngine({ url: `redis+cluster://${plain.host}` })).rejects.toThrow(
        /is a plain Redis/,
      );
      // And the right URL works.
      const engine = await createRedisEngine({ url: clusterUrl, keyPrefix: `test:target:${Date.now()}:` });
      await engine.ping();
      await engine.close();
    },
  );

  it.skipIf(!clusterUrl || !redisUrl)(
    'when joins wait for a replica, then they are answered once it has them, or after the wait when there is none',
    async () => {
      const joinOnce = async (url: string) => {
        const engine = await createRedisEngine({
          url,
          keyPrefix: `test:wait:${Date.now()}:`,
          joinWaitMs: 400,
        });
        try {
          const startedAt = Date.now();
          const joined = await engine.queueJoin('p', 'u', {
            now: startedAt,
            open: true,
            until: startedAt + 60_000,
          });
          return { outcome: joined.outcome, ms: Date.now() - startedAt };
        } finally {
          await engine.close();
        }
      };
      // The cluster's primaries have a replica each, which acknowledges at once.
      const replicated = await joinOnce(clusterUrl);
      expect(replicated.outcome).toBe('joined');
      expect(replicated.ms).toBeLessThan(400);
      // The shared Redis has none: WAIT runs out, and the join is answered all the same.
      const alone = await joinOnce(redisUrl!);
      expect(alone.outcome).toBe('joined');
      expect(alone.ms).toBeGreaterThanOrEqual(390);
    },
  );
});
