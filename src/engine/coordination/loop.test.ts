import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryEngine } from '../index.js';
import { LeaderElector } from './leader.js';
import { BackgroundLoop } from './loop.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** A logger whose lines the test reads back, as `level message` and the error's, if one was logged. */
const logs = () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        const { level, msg, err } = JSON.parse(line) as { level: number; msg: string; err?: Error };
        lines.push(`${pino.levels.labels[level]} ${msg}${err ? `: ${err.message}` : ''}`);
      },
    },
  );
  return { lines, logger };
};

async function leading(leader: LeaderElector): Promise<void> {
  leader.start();
  for (let i = 0; i < 100 && !leader.isLeader; i++) await sleep(5);
  expect(leader.isLeader).toBe(true);
}

describe('BackgroundLoop', () => {
  it('when a pass outlasts the interval, then no second one starts beside it, and a pass asked for runs after it', async () => {
    const { logger } = logs();
    const slow = gate();
    const order: string[] = [];
    let running = 0;
    let most = 0;
    let passes = 0;
    const loop = new BackgroundLoop({
      everyMs: 5,
      failure: { message: 'failed', level: 'warn' },
      logger,
      pass: async () => {
        const n = ++passes;
        most = Math.max(most, ++running);
        order.push(`start ${n}`);
        if (n === 1) await slow.opened;
        order.push(`end ${n}`);
        running--;
      },
    });
    loop.start();
    await sleep(40); // many intervals, one pass
    expect(passes).toBe(1);
    const asked = loop.runNow();
    slow.open();
    await asked;
    await loop.stop();
    expect(most).toBe(1);
    expect(order.slice(0, 4)).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('when a pass throws, then it is logged at its level and the next pass runs', async () => {
    const { lines, logger } = logs();
    let passes = 0;
    const loop = new BackgroundLoop({
      everyMs: 5,
      failure: { message: 'job runner failed', level: 'error' },
      logger,
      pass: async () => {
        if (++passes === 1) throw new Error('boom');
      },
    });
    await loop.runNow();
    await loop.runNow();
    expect(passes).toBe(2);
    expect(lines).toEqual(['error job runner failed: boom']);
  });

  it('when another node leads, then the follower hook runs instead of a pass, and the leader runs passes', async () => {
    const engine = createMemoryEngine();
    await engine.acquireLease('leader:test', 'other-node', 60_000);
    const { logger } = logs();
    let passes = 0;
    let following = 0;
    const options = {
      everyMs: 60_000,
      failure: { message: 'failed', level: 'warn' as const },
      logger,
      pass: async () => void passes++,
      whileFollowing: () => void following++,
    };
    const follower = new BackgroundLoop({
      ...options,
      leader: new LeaderElector({ engine, name: 'leader:test', holderId: 'this-node', ttlMs: 3_000 }),
    });
    follower.start();
    await follower.runNow();
    expect([passes, following]).toEqual([0, 1]);
    await follower.stop();
    // A loop with nothing to do while following just waits for its turn.
    const { whileFollowing: _unused, ...withoutHook } = options;
    const quiet = new BackgroundLoop({
      ...withoutHook,
      leader: new LeaderElector({ engine, name: 'leader:test', holderId: 'third-node', ttlMs: 3_000 }),
    });
    quiet.start();
    await quiet.runNow();
    expect([passes, following]).toEqual([0, 1]);
    await quiet.stop();

    await engine.releaseLease('leader:test', 'other-node');
    const leader = new LeaderElector({ engine, name: 'leader:test', holderId: 'this-node', ttlMs: 3_000 });
    const loop = new BackgroundLoop({ ...options, leader });
    await leading(leader);
    await loop.runNow();
    expect([passes, following]).toEqual([1, 1]);
    await loop.stop();
    await engine.close();
  });

  it('when stopped during a pass, then the lease is free before the pass ends, stop waits for it, and no pass starts again', async () => {
    const engine = createMemoryEngine();
    const leader = new LeaderElector({ engine, name: 'leader:test', holderId: 'this-node', ttlMs: 3_000 });
    const { logger } = logs();
    const inPass = gate();
    const release = gate();
    let passes = 0;
    const loop = new BackgroundLoop({
      everyMs: 5,
      leader,
      failure: { message: 'failed', level: 'warn' },
      logger,
      pass: async () => {
        passes++;
        inPass.open();
        await release.opened;
      },
    });
    await leading(leader);
    loop.start();
    await inPass.opened;
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await sleep(20);
    expect(loop.stopping).toBe(true);
    expect(await engine.acquireLease('leader:test', 'next-node', 3_000)).toBe(true);
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    loop.kick();
    await sleep(20);
    expect(passes).toBe(1);
    await engine.close();
  });

  it('when up to `concurrency` passes may run, then a kick fills every free place at once', async () => {
    const { logger } = logs();
    const release = gate();
    let running = 0;
    const loop = new BackgroundLoop({
      everyMs: 60_000,
      concurrency: 2,
      failure: { message: 'failed', level: 'error' },
      logger,
      pass: async () => {
        running++;
        await release.opened;
        running--;
      },
    });
    loop.kick();
    loop.kick();
    await sleep(5);
    expect(running).toBe(2);
    release.open();
    await loop.stop();
    expect(running).toBe(0);
  });
});
