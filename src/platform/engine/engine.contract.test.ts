import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, engineAdapters } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import { LeaderElector } from '../leader.js';

const adapters = engineAdapters();
afterAll(closeEngines);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(adapters)('engine contract: $name', (adapter) => {
  it('when a counter is incremented concurrently, then no increment is lost', async () => {
    const engine = await adapter.open();
    const values = await Promise.all(Array.from({ length: 500 }, () => engine.incr('c:concurrent')));
    expect(new Set(values).size).toBe(500);
    expect(Math.max(...values)).toBe(500);
    expect(await engine.incr('c:concurrent', 10)).toBe(510);
    expect(await engine.getCounter('c:concurrent')).toBe(510);
    expect(await engine.getCounter('c:missing')).toBe(0);
  });

  it('when a counter was created with a ttl, then it expires and later increments do not extend it', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    expect(await engine.incr('c:ttl', 1, 300)).toBe(1);
    await adapter.wait(clock, 150);
    expect(await engine.incr('c:ttl', 1, 300)).toBe(2);
    await adapter.wait(clock, 250);
    expect(await engine.getCounter('c:ttl')).toBe(0);
    expect(await engine.incr('c:ttl', 5)).toBe(5);
  });

  it('when members are added and removed, then add/remove report change exactly once', async () => {
    const engine = await adapter.open();
    const adds = await Promise.all(Array.from({ length: 50 }, () => engine.setAdd('s:once', 'alice')));
    expect(adds.filter(Boolean)).toHaveLength(1);
    expect(await engine.setAdd('s:once', 'bob')).toBe(true);
    expect(await engine.setSize('s:once')).toBe(2);
    expect(await engine.setHas('s:once', 'alice')).toBe(true);
    expect(await engine.setRemove('s:once', 'alice')).toBe(true);
    expect(await engine.setRemove('s:once', 'alice')).toBe(false);
    expect(await engine.setHas('s:once', 'alice')).toBe(false);
    await engine.del('s:once');
    expect(await engine.setSize('s:once')).toBe(0);
  });

  it('when a set has a ttl, then each add refreshes it and it vanishes once idle', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    await engine.setAdd('s:ttl', 'a', 300);
    await adapter.wait(clock, 200);
    await engine.setAdd('s:ttl', 'b', 300);
    await adapter.wait(clock, 200);
    expect(await engine.setSize('s:ttl')).toBe(2);
    await adapter.wait(clock, 150);
    expect(await engine.setSize('s:ttl')).toBe(0);
  });

  it('when 200 hits race against a limit of 50, then exactly 50 are allowed, then the next window opens', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => engine.hitRateLimit('rl:ip', 50, 400)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    const denied = results.find((r) => !r.allowed)!;
    expect(denied.remaining).toBe(0);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(400);
    await adapter.wait(clock, 450);
    const next = await engine.hitRateLimit('rl:ip', 50, 400);
    expect(next).toMatchObject({ allowed: true, remaining: 49 });
  });

  it('when ten nodes race for a free lease, then exactly one gets it, and only it can renew or release', async () => {
    const engine = await adapter.open();
    const nodes = await Promise.all(Array.from({ length: 10 }, () => adapter.peer(engine)));
    const won = await Promise.all(nodes.map((n, i) => n.acquireLease('lease:race', `node-${i}`, 5_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = `node-${won.indexOf(true)}`;
    const loser = winner === 'node-0' ? 'node-1' : 'node-0';
    expect(await engine.leaseHolder('lease:race')).toBe(winner);
    expect(await engine.acquireLease('lease:race', winner, 5_000)).toBe(true);
    expect(await engine.acquireLease('lease:race', loser, 5_000)).toBe(false);
    expect(await engine.releaseLease('lease:race', loser)).toBe(false);
    expect(await engine.releaseLease('lease:race', winner)).toBe(true);
    expect(await engine.acquireLease('lease:race', loser, 5_000)).toBe(true);
  });

  it('when the holder stops renewing, then another node takes the lease once its ttl has passed', async () => {
    const clock = new TestClock();
    const engine = await adapter.open(clock);
    const other = await adapter.peer(engine);
    expect(await engine.acquireLease('lease:lapse', 'a', 300)).toBe(true);
    expect(await other.acquireLease('lease:lapse', 'b', 300)).toBe(false);
    await adapter.wait(clock, 350);
    expect(await other.acquireLease('lease:lapse', 'b', 300)).toBe(true);
    expect(await engine.leaseHolder('lease:lapse')).toBe('b');
  });

  it('when two electors campaign on two nodes, then one leads at every moment and the other takes over on stop', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const a = new LeaderElector(engine, { name: 'leader:test', holderId: 'a', ttlMs: 600 });
    const b = new LeaderElector(other, { name: 'leader:test', holderId: 'b', ttlMs: 600 });
    a.start();
    b.start();
    try {
      const leadersSeen: number[] = [];
      for (let i = 0; i < 20; i++) {
        await sleep(50);
        leadersSeen.push(Number(a.isLeader) + Number(b.isLeader));
      }
      expect(Math.max(...leadersSeen)).toBe(1);
      expect(leadersSeen.at(-1)).toBe(1);
      const [leader, follower] = a.isLeader ? [a, b] : [b, a];
      const stoppedAt = Date.now();
      await leader.stop();
      while (!follower.isLeader && Date.now() - stoppedAt < 2_000) await sleep(20);
      expect(follower.isLeader).toBe(true);
      expect(leader.isLeader).toBe(false);
      // Released, not lapsed: the follower took over within one renewal period, not a whole ttl.
      expect(Date.now() - stoppedAt).toBeLessThan(600);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('when the leading node dies without releasing, then the other leads within the lease ttl', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const a = new LeaderElector(engine, { name: 'leader:crash', holderId: 'a', ttlMs: 500 });
    a.start();
    while (!a.isLeader) await sleep(10);
    const b = new LeaderElector(other, { name: 'leader:crash', holderId: 'b', ttlMs: 500 });
    b.start();
    try {
      await sleep(100);
      expect(b.isLeader).toBe(false);
      // A crash: a's timers stop and nothing is released. Simulated by pausing its renewals for good.
      (a as unknown as { stopped: boolean }).stopped = true;
      const crashedAt = Date.now();
      while (!b.isLeader && Date.now() - crashedAt < 3_000) await sleep(20);
      expect(b.isLeader).toBe(true);
      expect(Date.now() - crashedAt).toBeLessThan(500 + 250);
    } finally {
      await b.stop();
    }
  });

  it('when messages are published, then every subscriber on every node gets them in order, until it unsubscribes', async () => {
    const engine = await adapter.open();
    const other = await adapter.peer(engine);
    const gotHere: string[] = [];
    const gotThere: string[] = [];
    const offHere = await engine.subscribe('ch:news', (m) => gotHere.push(m));
    const offThere = await other.subscribe('ch:news', (m) => gotThere.push(m));
    for (let i = 0; i < 20; i++) await engine.publish('ch:news', `m${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (let waited = 0; waited < 2_000 && (gotHere.length < 20 || gotThere.length < 20); waited += 10)
      await sleep(10);
    expect(gotHere).toEqual(expected);
    expect(gotThere).toEqual(expected);

    await offThere();
    await other.publish('ch:news', 'after');
    await sleep(100);
    expect(gotHere.at(-1)).toBe('after');
    expect(gotThere).toHaveLength(20);
    await offHere();
  });

  it('when publish is called, then delivery happens later, never inside publish', async () => {
    const engine = await adapter.open();
    let delivered = false;
    const off = await engine.subscribe('ch:async', () => (delivered = true));
    const publishing = engine.publish('ch:async', 'x');
    expect(delivered).toBe(false);
    await publishing;
    for (let waited = 0; waited < 1_000 && !delivered; waited += 10) await sleep(10);
    expect(delivered).toBe(true);
    await off();
  });

  it('when two engines use different prefixes, then their keys and channels do not meet', async () => {
    const one = await adapter.open();
    const two = await adapter.open();
    await one.incr('shared-name');
    expect(await two.getCounter('shared-name')).toBe(0);
    const got: string[] = [];
    const off = await two.subscribe('shared-channel', (m) => got.push(m));
    await one.publish('shared-channel', 'hello');
    await sleep(100);
    expect(got).toEqual([]);
    await off();
  });
});
