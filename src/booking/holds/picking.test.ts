import { describe, expect, it } from 'vitest';
import { Picking, type HoldResult, type PickingRequest } from './picking.js';

// Picking on its own (issue 23: its clean-up survived the booking suite, which only ever sees requests
// that succeed or fail through HTTP): the seats a request is placing are kept from this node's other
// requests while it places them, and given back — and forgotten — once it has its answer.
const PERF = 'p1';
const allFree = (seats: number) => new Uint8Array(Math.ceil(seats / 8)).fill(0xff);
/** Picks the lowest free seat, as best-available would from a one-seat-a-row venue. */
const lowest = (available: Uint8Array) => {
  for (let seat = 0; seat < available.length * 8; seat++)
    if ((available[seat >> 3]! >> (seat & 7)) & 1) return [seat];
  return null;
};
const placed = (seatNos: number[]): HoldResult =>
  ({ hold: { holdId: `h-${seatNos.join('-')}`, seatNos } }) as unknown as HoldResult;
const request = (over: Partial<PickingRequest>): PickingRequest => ({
  performanceId: PERF,
  available: allFree(8),
  pick: lowest,
  place: async (seatNos) => placed(seatNos),
  noneLeft: async () => ({ refused: 'taken', seatNos: [] }) as unknown as HoldResult,
  ...over,
});
const tracked = (picking: Picking) => (picking as unknown as { picking: Map<string, Set<number>> }).picking;

describe('picking around this node’s other requests', () => {
  it('when two requests pick at once, then the second picks around the seat the first is placing', async () => {
    const picking = new Picking();
    let release!: () => void;
    const first = picking.pickAndPlace(
      request({ place: (seatNos) => new Promise((r) => (release = () => r(placed(seatNos)))) }),
    );
    const second = await picking.pickAndPlace(request({}));
    release();
    expect([await first, second].map((r) => (r as { hold: { seatNos: number[] } }).hold.seatNos)).toEqual([
      [0],
      [1],
    ]);
  });

  it('when one of two requests in flight has its answer, then the next still picks around the other', async () => {
    const picking = new Picking();
    const slow = () => {
      let release!: () => void;
      const started = picking.pickAndPlace(
        request({ place: (seatNos) => new Promise((r) => (release = () => r(placed(seatNos)))) }),
      );
      return { started, release: () => release() };
    };
    const [a, b] = [slow(), slow()];
    b.release();
    await b.started;
    // Seat 0 is still being placed by the first request; seat 1 was given back.
    const next = await picking.pickAndPlace(request({}));
    a.release();
    await a.started;
    expect((next as { hold: { seatNos: number[] } }).hold.seatNos).toEqual([1]);
    expect(tracked(picking).size).toBe(0);
  });

  it('when a request has its answer — placed, refused or failed — then its seats are free to the next pick, and nothing of the performance is kept', async () => {
    const picking = new Picking();
    const refusedForLimit = await picking.pickAndPlace(
      request({ place: async () => ({ refused: 'limit' }) as unknown as HoldResult }),
    );
    expect(refusedForLimit).toEqual({ refused: 'limit' });
    expect(tracked(picking).size).toBe(0);
    await expect(
      picking.pickAndPlace(request({ place: () => Promise.reject(new Error('PostgreSQL is gone')) })),
    ).rejects.toThrow('PostgreSQL is gone');
    expect(tracked(picking).size).toBe(0);
    // Seat 0 was picked twice above and given back each time: it is the next pick again.
    const next = await picking.pickAndPlace(request({}));
    expect((next as { hold: { seatNos: number[] } }).hold.seatNos).toEqual([0]);
    expect(tracked(picking).size).toBe(0);
  });

  it('when the gate names the picked seats taken, then it picks others, at most as many times as asked, and only the first try is the one the rate limit counts', async () => {
    const picking = new Picking();
    const tried: [number[], boolean][] = [];
    const taken = await picking.pickAndPlace(
      request({
        attempts: 3,
        place: async (seatNos, first) => {
          tried.push([seatNos, first]);
          return { refused: 'taken', seatNos } as unknown as HoldResult;
        },
      }),
    );
    expect(tried).toEqual([
      [[0], true],
      [[1], false],
      [[2], false],
    ]);
    expect(taken).toEqual({ refused: 'taken', seatNos: [2] });
    expect(tracked(picking).size).toBe(0);
  });
});
