import { setFree } from '../../contract/bitset.js';
import type { HoldRefusal } from './refusals.js';
import type { HoldView } from './view.js';

/** Best-available tries again with other seats when the ones it picked were taken meanwhile. */
export const PICK_ATTEMPTS = 4;
/**
 * A standing area's places are all alike, so a buyer who lost a race for some is as well served by any
 * others: they are picked again while the node's picture shows any free, up to this many times (each
 * try strikes out what the gate named, so the tries end sooner when the area is nearly full).
 */
export const STANDING_ATTEMPTS = 16;

/** A hold placed (or found again under its key), or why not. */
export type HoldResult = { hold: HoldView } | HoldRefusal;

/** How one request picks and places: its pick from the map, its placing, and its answer when none are left. */
export interface PickingRequest {
  performanceId: string;
  /** A private copy of the seat map: seats found taken on one attempt are struck out for the next. */
  available: Uint8Array;
  pick: (available: Uint8Array, attempt: number) => number[] | null;
  /** How many picks before a refusal stands (PICK_ATTEMPTS unless the request says). */
  attempts?: number;
  place: (seatNos: number[], first: boolean) => Promise<HoldResult>;
  /** The answer when nothing is left to pick (perhaps because a first try of this very request took it). */
  noneLeft: () => Promise<HoldResult>;
}

/**
 * The seats this node's picking requests (best available by grade, places of a standing area) have
 * picked and are still placing, per performance. A crowd arriving together reads the same map, so
 * without this each request picks from the same few best runs and the gate turns all but a handful
 * away (docs/incidents.md, "A crowd that picked the same best seats"). With it a node's requests pick
 * around each other; other nodes' picks still meet at the gate, and the loser picks again around the
 * seats the gate named, up to PICK_ATTEMPTS times.
 */
export class Picking {
  private readonly picking = new Map<string, Set<number>>();

  async pickAndPlace(request: PickingRequest): Promise<HoldResult> {
    const { performanceId, available, pick, place, noneLeft, attempts = PICK_ATTEMPTS } = request;
    for (let attempt = 1; ; attempt++) {
      // From here to the claim nothing awaits, so no other request of this node picks the same seats.
      const picking = this.picking.get(performanceId) ?? new Set<number>();
      for (const seat of picking) setFree(available, seat, false);
      const seatNos = pick(available, attempt);
      if (!seatNos) return noneLeft();
      for (const seat of seatNos) picking.add(seat);
      this.picking.set(performanceId, picking);
      let result: HoldResult;
      try {
        result = await place(seatNos, attempt === 1);
      } finally {
        for (const seat of seatNos) picking.delete(seat);
        if (picking.size === 0) this.picking.delete(performanceId);
      }
      if (!('refused' in result) || result.refused !== 'taken' || attempt >= attempts) return result;
      for (const seat of result.seatNos) setFree(available, seat, false);
    }
  }
}
