import { describe, expect, it } from 'vitest';
import { Batcher, conflictFreeRounds, inGroups } from './batcher.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher', () => {
  it('when calls arrive while every run is busy, then the next run takes them together, up to maxBatch', async () => {
    const seen: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(
      async (inputs) => {
        seen.push(inputs);
        if (seen.length === 1) await gate;
        return inputs.map((n) => n * 10);
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const first = batcher.call(1);
    await tick();
    const rest = [2, 3, 4, 5].map((n) => batcher.call(n));
    await tick();
    expect(seen).toEqual([[1]]); // the others wait for the one run allowed
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(seen).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('when a batch of several fails, then each input is run alone and only the bad one fails', async () => {
    const seen: number[][] = [];
    const batcher = new Batcher<number, string>(
      async (inputs) => {
        seen.push(inputs);
        if (inputs.includes(2)) throw new Error('bad input 2');
        return inputs.map(String);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.call(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      '1',
      'bad input 2',
      '3',
    ]);
    expect(seen).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('when the load is light, then each call runs at once, alone', async () => {
    const seen: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (inputs) => {
        seen.push(inputs);
        return inputs;
      },
      { maxBatch: 10, maxInFlight: 2 },
    );
    expect(await batcher.call(1)).toBe(1);
    expect(await batcher.call(2)).toBe(2);
    expect(seen).toEqual([[1], [2]]);
  });
});

describe('conflictFreeRounds', () => {
  it('when items share keys, then they go to later rounds in their order, and the others stay in the first', () => {
    const items = [['a', 'b'], ['c'], ['b'], ['d', 'a'], ['b'], ['e']];
    expect(conflictFreeRounds(items, (keys) => keys)).toEqual([[0, 1, 5], [2, 3], [4]]);
  });
});

describe('inGroups', () => {
  it('when items belong to several groups, then each group is one call in order, and a failed call fails only its own items', async () => {
    const calls: [string, string[]][] = [];
    const results = await inGroups(
      ['a1', 'b1', 'a2', 'c1', 'b2'],
      (item) => item[0]!,
      async (group, items) => {
        calls.push([group, items]);
        if (group === 'b') throw new Error('b is down');
        return items.map((item) => item.toUpperCase());
      },
    );
    expect(calls).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1', 'b2']],
      ['c', ['c1']],
    ]);
    expect(results.map((r) => (r.ok ? r.value : (r.error as Error).message))).toEqual([
      'A1',
      'b is down',
      'A2',
      'C1',
      'b is down',
    ]);
  });
});
