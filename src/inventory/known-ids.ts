import type { Clock } from '../platform/clock.js';

/**
 * Newer ids than the highest known are looked for at most this often, however many requests ask; after
 * each look that found none, half as often, down to LOOK_FOR_NEW_MAX_MS (a flood of made-up ids then
 * costs a query every few seconds). Creations are announced, so a real new id rarely waits for a look.
 */
const LOOK_FOR_NEW_MS = 1_000;
const LOOK_FOR_NEW_MAX_MS = 8_000;
/**
 * All ids are read again this often: the backstop for a change message a node missed (an id deleted,
 * or created with a lower number than one already seen, when two creations commit out of order).
 */
const RELOAD_MS = 60_000;

/**
 * The ids of one catalog table, in memory, so that a request for an id that does not exist is answered
 * 404 without PostgreSQL: a flood of random ids (a scraper, an attack, a client bug) costs at most one
 * query a second, for ids above the highest known. A few bytes an id; a catalog has thousands of rows,
 * not billions. Changes announced by any node (CatalogChanges) mark their id as possibly existing, so
 * the next request for it reads PostgreSQL once and the caller says `found` or `gone`.
 */
export class KnownIds {
  private ids = new Set<string>();
  private max = 0n;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private lookedAt = Number.NEGATIVE_INFINITY;
  private lookEveryMs = LOOK_FOR_NEW_MS;
  private reading: Promise<void> | undefined;

  private foundWhileLoading: string[] = [];

  constructor(
    private readonly deps: {
      /** The ids above `after`, ascending (numbers as strings, like every id). */
      idsAfter: (after: string) => Promise<string[]>;
      clock: Clock;
    },
  ) {}

  /** False when the id surely does not exist; true when it may (the caller reads it, then says which). */
  mayExist(id: string): boolean | Promise<boolean> {
    const now = this.deps.clock.now();
    if (now - this.loadedAt >= RELOAD_MS) {
      // The first request waits for the ids; later ones use the ones they have while a reload runs.
      const reload = this.read(true);
      if (this.loadedAt === Number.NEGATIVE_INFINITY) return reload.then(() => this.ids.has(id));
    }
    if (this.ids.has(id)) return true;
    if (BigInt(id) <= this.max || now - this.lookedAt < this.lookEveryMs) return false;
    return this.read(false).then(() => this.ids.has(id));
  }

  /** The id exists (it was read, or created or changed: a change message names it). */
  found(id: string): void {
    if (this.reading) this.foundWhileLoading.push(id);
    this.ids.add(id);
    this.lookEveryMs = LOOK_FOR_NEW_MS;
    if (BigInt(id) > this.max) this.max = BigInt(id);
  }

  /** The id was read and is not there (deleted). */
  gone(id: string): void {
    this.ids.delete(id);
  }

  /** One read at a time: all ids (`full`), or the ones above the highest known. */
  private read(full: boolean): Promise<void> {
    this.reading ??= this.load(full).finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async load(full: boolean): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.foundWhileLoading = [];
    const ids = await this.deps.idsAfter(full ? '0' : this.max.toString());
    if (full) {
      // Ids announced while the read ran may be newer than what it saw: they stay.
      const announced = this.foundWhileLoading;
      this.ids = new Set(ids);
      for (const id of announced) this.ids.add(id);
      this.max = 0n;
      for (const id of this.ids) if (BigInt(id) > this.max) this.max = BigInt(id);
      this.loadedAt = startedAt;
    } else {
      for (const id of ids) this.found(id);
      this.lookEveryMs =
        ids.length > 0 ? LOOK_FOR_NEW_MS : Math.min(this.lookEveryMs * 2, LOOK_FOR_NEW_MAX_MS);
    }
    this.lookedAt = startedAt;
  }
}
