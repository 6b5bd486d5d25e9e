import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, engineAdapters } from '../../../test/engines.js';
import { TestClock } from '../../../test/harness.js';
import { LeaderElector } from './leader.js';
import type { Engine } from '../index.js';

const adapters = engineAdapters();
afterAll(closeEngines);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `condition` holds or `ms` have passed; the caller asserts afterwards. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(5);
}

/** The engine as seen by a node whose lease calls can hang for good, as on a frozen host. */
function freezable(engine: Engine) {
  let frozen = false;
  const proxy = new Proxy(engine, {
    get: (target, property, receiver) =>
      frozen && property === 'acquireLease'
        ? () => new Promise<boolean>(() => undefined)
        : Reflect.get(target, property, receiver),
  });
  return { engine: proxy, freeze: () => (frozen = true) };
}

/** The engine, counting lease acquisitions. */
function counting(engine: Engine) {
  const counter = { acquires: 0 };
  const proxy = new Proxy(engine, {
    get: (target, property, receiver) => {
      if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
      return (...args: Parameters<Engine['acquireLease']>) => {
        counter.acquires++;
        return target.acquireLease(...args);
      };
    },
  });
  return { engine: proxy, counter };
}

describe.each(adapters)('coordination contract: $name', (adapter) => {
  describe('counters', () => {
    it('when a counter is incremented concurrently, then no increment is lost', async () => {
      const engine = await adapter.open();
      const values = await Promise.all(Array.from({ length: 500 }, () => engine.incr('c:concurrent')));
      expect(new Set(values).size).toBe(500);
      expect(Math.max(...values)).toBe(500);
      expect(await engine.incr('c:concurrent', 10)).toBe(510);
      expect(await engine.incr('c:concurrent', -10)).toBe(500);
      expect(await engine.getCounter('c:concurrent')).toBe(500);
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

    it('when the ttl is zero, then the counter does not expire', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      expect(await engine.incr('c:zero', 1, 0)).toBe(1);
      await adapter.wait(clock, 100);
      expect(await engine.getCounter('c:zero')).toBe(1);
    });
  });

  describe('sets', () => {
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
      expect(await engine.setRemove('s:missing', 'alice')).toBe(false);
      await engine.del('s:once');
      expect(await engine.setSize('s:once')).toBe(0);
      expect(await engine.setHas('s:once', 'bob')).toBe(false);
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
      expect(await engine.setAdd('s:ttl', 'a')).toBe(true);
    });
  });

  describe('claims', () => {
    it('when many callers claim one key at once, then exactly one gets it, until it expires', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const claims = await Promise.all(Array.from({ length: 50 }, () => engine.claimOnce('k:once', 300)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await engine.claimOnce('k:other', 300)).toBe(true);
      await adapter.wait(clock, 150);
      expect(await engine.claimOnce('k:once', 300)).toBe(false);
      await adapter.wait(clock, 250);
      expect(await engine.claimOnce('k:once', 300)).toBe(true);
    });
  });

  describe('rate limiter', () => {
    it('when hits come one by one, then exactly `limit` pass, the rest wait for the window, then a new window opens', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await engine.hitRateLimit('rl:seq', 3, 400));
      expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
      const denied = results[4]!;
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(400);
      await adapter.wait(clock, denied.retryAfterMs + 50);
      expect(await engine.hitRateLimit('rl:seq', 3, 400)).toMatchObject({ allowed: true, remaining: 2 });
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

    it('when the window key exists without an expiry, then the limiter gives it one instead of denying forever', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      await engine.incr('rl:stuck', 10);
      const denied = await engine.hitRateLimit('rl:stuck', 5, 300);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(300);
      await adapter.wait(clock, 350);
      expect(await engine.hitRateLimit('rl:stuck', 5, 300)).toMatchObject({ allowed: true, remaining: 4 });
    });
  });

  describe('leases', () => {
    it.each([2, 10])(
      'when %i nodes race for a free lease, then exactly one gets it, and only it can renew or release',
      async (count) => {
        const engine = await adapter.open();
        const nodes = await Promise.all(Array.from({ length: count }, () => adapter.peer(engine)));
        const won = await Promise.all(nodes.map((n, i) => n.acquireLease('lease:race', `node-${i}`, 5_000)));
        expect(won.filter(Boolean)).toHaveLength(1);
        const winner = `node-${won.indexOf(true)}`;
        const loser = winner === 'node-0' ? 'node-1' : 'node-0';
        expect(await engine.leaseHolder('lease:race')).toBe(winner);
        expect(await engine.acquireLease('lease:race', winner, 5_000)).toBe(true);
        expect(await engine.acquireLease('lease:race', loser, 5_000)).toBe(false);
        expect(await engine.releaseLease('lease:race', loser)).toBe(false);
        expect(await engine.leaseHolder('lease:race')).toBe(winner);
        expect(await engine.releaseLease('lease:race', winner)).toBe(true);
        expect(await engine.leaseHolder('lease:race')).toBeNull();
        expect(await engine.acquireLease('lease:race', loser, 5_000)).toBe(true);
      },
    );

    it('when the holder stops renewing, then another node takes the lease once its ttl has passed', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const other = await adapter.peer(engine);
      expect(await engine.acquireLease('lease:lapse', 'a', 300)).toBe(true);
      expect(await other.acquireLease('lease:lapse', 'b', 300)).toBe(false);
      await adapter.wait(clock, 350);
      expect(await engine.leaseHolder('lease:lapse')).toBeNull();
      expect(await other.acquireLease('lease:lapse', 'b', 300)).toBe(true);
      expect(await engine.leaseHolder('lease:lapse')).toBe('b');
      expect(await engine.releaseLease('lease:lapse', 'a')).toBe(false);
    });

    it('when the holder renews, then its lease outlives the first ttl', async () => {
      const clock = new TestClock();
      const engine = await adapter.open(clock);
      const other = await adapter.peer(engine);
      expect(await engine.acquireLease('lease:renew', 'a', 300)).toBe(true);
      await adapter.wait(clock, 200);
      expect(await engine.acquireLease('lease:renew', 'a', 300)).toBe(true);
      await adapter.wait(clock, 200);
      expect(await other.acquireLease('lease:renew', 'b', 300)).toBe(false);
      expect(await engine.leaseHolder('lease:renew')).toBe('a');
    });
  });

  describe('leader election', () => {
    it.each(['one client', 'two nodes'])(
      'when two electors campaign on %s, then one leads at every moment and the other takes over on stop',
      async (topology) => {
        const engine = await adapter.open();
        const other = topology === 'one client' ? engine : await adapter.peer(engine);
        const a = new LeaderElector({ engine, name: 'leader:test', holderId: 'a', ttlMs: 600 });
        const b = new LeaderElector({ engine: other, name: 'leader:test', holderId: 'b', ttlMs: 600 });
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
          expect(leader.isLeader).toBe(false);
          await until(() => follower.isLeader, 2_000);
          expect(follower.isLeader).toBe(true);
          // Released, not lapsed: the follower took over within one renewal period, not a whole ttl.
          expect(Date.now() - stoppedAt).toBeLessThan(600);
        } finally {
          await a.stop();
          await b.stop();
        }
      },
    );

    it("when the leader's renewals hang, then it steps down before its lease lapses and the other node leads within the ttl", async () => {
      const engine = await adapter.open();
      const other = await adapter.peer(engine);
      const hanging = freezable(engine);
      const changes: string[] = [];
      const elector = (node: Engine, holderId: string) =>
        new LeaderElector({
          engine: node,
          name: 'leader:hang',
          holderId,
          ttlMs: 500,
          onChange: (leading) => changes.push(`${holderId}:${leading}`),
        });
      const a = elector(hanging.engine, 'a');
      const b = elector(other, 'b');
      a.start();
      await until(() => a.isLeader, 2_000);
      b.start();
      try {
        await sleep(100);
        expect(b.isLeader).toBe(false);
        // Nothing renews and nothing is released, as when the process freezes or the network drops.
        hanging.freeze();
        const frozenAt = Date.now();
        let overlaps = 0;
        while (!b.isLeader && Date.now() - frozenAt < 3_000) {
          if (a.isLeader && b.isLeader) overlaps++;
          await sleep(5);
        }
        expect(b.isLeader).toBe(true);
        expect(a.isLeader).toBe(false);
        expect(overlaps).toBe(0);
        expect(Date.now() - frozenAt).toBeLessThan(500 + 250);
        // a said so itself, on time, although its renewal call never returned.
        expect(changes).toEqual(['a:true', 'a:false', 'b:true']);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    it('when an elector is stopped and restarted at once, then it runs a single renewal loop', async () => {
      const engine = await adapter.open();
      const { engine: counted, counter } = counting(engine);
      const elector = new LeaderElector({
        engine: counted,
        name: 'leader:restart',
        holderId: 'a',
        ttlMs: 300,
      });
      elector.start();
      const stopping = elector.stop();
      elector.start();
      await stopping;
      try {
        counter.acquires = 0;
        await sleep(520);
        // One loop renews every 100 ms: 5 or 6 times in 520 ms; a second loop would double that.
        expect(counter.acquires).toBeGreaterThanOrEqual(4);
        expect(counter.acquires).toBeLessThanOrEqual(7);
        expect(elector.isLeader).toBe(true);
      } finally {
        await elector.stop();
      }
    });
  });

  describe('pub/sub', () => {
    it('when messages are published, then every subscriber on every node gets them in order, until it unsubscribes', async () => {
      const engine = await adapter.open();
      const other = await adapter.peer(engine);
      const gotHere: string[] = [];
      const gotThere: string[] = [];
      const offHere = await engine.subscribe('ch:news', (m) => gotHere.push(m));
      const offThere = await other.subscribe('ch:news', (m) => gotThere.push(m));
      for (let i = 0; i < 20; i++) await engine.publish('ch:news', `m${i}`);
      const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
      await until(() => gotHere.length >= 20 && gotThere.length >= 20, 2_000);
      expect(gotHere).toEqual(expected);
      expect(gotThere).toEqual(expected);

      await offThere();
      await other.publish('ch:news', 'after');
      await until(() => gotHere.length > 20, 1_000);
      await sleep(50);
      expect(gotHere.at(-1)).toBe('after');
      expect(gotThere).toHaveLength(20);
      await offHere();
    });

    it('when two handlers share a channel on one node and one unsubscribes, then the other keeps receiving', async () => {
      const engine = await adapter.open();
      const other = await adapter.peer(engine);
      const first: string[] = [];
      const second: string[] = [];
      const pendingFirst = engine.subscribe('ch:shared', (m) => first.push(m));
      // Resolved means receiving, for the second subscriber of a channel as for the first.
      const offSecond = await engine.subscribe('ch:shared', (m) => second.push(m));
      await other.publish('ch:shared', 'one');
      const offFirst = await pendingFirst;
      await until(() => first.length === 1 && second.length === 1, 1_000);
      expect([first, second]).toEqual([['one'], ['one']]);

      await offFirst();
      await other.publish('ch:shared', 'two');
      await until(() => second.length === 2, 1_000);
      await sleep(50);
      expect([first, second]).toEqual([['one'], ['one', 'two']]);
      await offSecond();
    });

    it('when publish is called, then delivery happens later, never inside publish', async () => {
      const engine = await adapter.open();
      let delivered = false;
      const off = await engine.subscribe('ch:async', () => (delivered = true));
      const publishing = engine.publish('ch:async', 'x');
      expect(delivered).toBe(false);
      await publishing;
      await until(() => delivered, 1_000);
      expect(delivered).toBe(true);
      await off();
    });

    it('when two engines use different prefixes, then their keys and channels do not meet', async () => {
      const one = await adapter.open();
      const two = await adapter.open();
      await one.incr('shared-name');
      expect(await two.getCounter('shared-name')).toBe(0);
      const got: string[] = [];
      const mine: string[] = [];
      const off = await two.subscribe('shared-channel', (m) => got.push(m));
      const offMine = await one.subscribe('shared-channel', (m) => mine.push(m));
      await one.publish('shared-channel', 'hello');
      await until(() => mine.length === 1, 1_000);
      await sleep(50);
      expect(mine).toEqual(['hello']);
      expect(got).toEqual([]);
      await Promise.all([off(), offMine()]);
    });
  });
});
