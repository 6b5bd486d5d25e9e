import { describe, expect, it } from 'vitest';
import { InOrder } from './in-order.js';

const tick = () => new Promise((r) => setTimeout(r, 5));
const kept = (inOrder: InOrder<unknown>) => (inOrder as unknown as { last: Map<string, unknown> }).last;

describe('calls in order by id', () => {
  it('when calls share an id, then each starts after the one before settles, failed or not; other ids run side by side', async () => {
    const inOrder = new InOrder<string>();
    const log: string[] = [];
    const call =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      inOrder.run('a', call('a1', true)),
      inOrder.run('a', call('a2')),
      inOrder.run('b', call('b1')),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([
      'failed',
      'a2',
      'b1',
    ]);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('when an id’s last call has settled, then nothing is kept for it, though an earlier call settles after a later one was queued', async () => {
    const inOrder = new InOrder<number>();
    const first = inOrder.run('k', async () => (await tick(), 1));
    const second = inOrder.run('k', async () => 2);
    expect(await first).toBe(1);
    // The first call's clean-up must not drop the second, still queued under the id.
    expect(kept(inOrder).size).toBe(1);
    expect(await second).toBe(2);
    expect(kept(inOrder).size).toBe(0);
    await expect(inOrder.run('k', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(kept(inOrder).size).toBe(0);
  });
});
