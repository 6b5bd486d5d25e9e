import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/harness.js';
import { KnownIds } from './known-ids.js';

/** KnownIds over a table the test controls, counting the reads it makes. */
function setUp(rows: number[]) {
  const clock = new TestClock();
  const table = new Set(rows.map(String));
  const asked: string[] = [];
  const ids = new KnownIds({
    clock,
    idsAfter: async (after) => {
      asked.push(after);
      return [...table].filter((id) => BigInt(id) > BigInt(after)).sort((a, b) => Number(a) - Number(b));
    },
  });
  return { clock, table, asked, ids };
}

describe('KnownIds', () => {
  it('when ids are asked for, then those that exist may, and unknown ones below the highest are refused without a read', async () => {
    const { ids, asked } = setUp([1, 2, 5]);
    expect(await ids.mayExist('5')).toBe(true);
    expect(asked).toEqual(['0']); // one full read
    expect(await ids.mayExist('1')).toBe(true);
    expect(await ids.mayExist('3')).toBe(false);
    expect(await ids.mayExist('4')).toBe(false);
    expect(asked).toEqual(['0']);
  });

  it('when ids above the highest are asked for in a flood, then new ones are looked for at most once a second, less often while none come', async () => {
    const { ids, asked, table, clock } = setUp([1, 2]);
    await ids.mayExist('1');
    for (let i = 0; i < 100; i++) expect(await ids.mayExist(String(1_000 + i))).toBe(false);
    expect(asked).toEqual(['0']); // loaded just now: the load was the look
    clock.advance(1_000);
    expect(await ids.mayExist('9999')).toBe(false);
    expect(asked).toEqual(['0', '2']);
    clock.advance(1_000); // the look found nothing: the next waits 2 s
    expect(await ids.mayExist('9999')).toBe(false);
    expect(asked).toHaveLength(2);
    clock.advance(1_000);
    table.add('3');
    expect(await ids.mayExist('3')).toBe(true);
    expect(asked).toEqual(['0', '2', '2']);
  });

  it('when a change is announced or a read finds a row gone, then the id is known or forgotten at once', async () => {
    const { ids } = setUp([1, 2]);
    await ids.mayExist('1');
    ids.found('7'); // created on another node, announced
    expect(await ids.mayExist('7')).toBe(true);
    expect(await ids.mayExist('6')).toBe(false);
    ids.gone('2'); // deleted: the caller read it and found nothing
    expect(await ids.mayExist('2')).toBe(false);
  });

  it('when a minute has passed, then all ids are read again (a missed message is mended), keeping ids announced meanwhile', async () => {
    const { ids, asked, table, clock } = setUp([1, 2, 3]);
    await ids.mayExist('1');
    table.delete('2');
    clock.advance(60_000);
    // Known ids are answered from what the node has while the reload runs; the reload drops 2.
    expect(await ids.mayExist('2')).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(['0', '0']);
    expect(await ids.mayExist('2')).toBe(false);
  });
});
