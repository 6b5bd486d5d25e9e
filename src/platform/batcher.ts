/**
 * Gathers the calls made while earlier ones are still running and hands them to `run` together, so
 * that a database round trip and commit serve many requests at once (docs/decisions/006).
 *
 * No timer: at most `maxInFlight` runs go at a time, and calls arriving while all of them are busy wait
 * for the next free one, which takes up to `maxBatch` of them. When the load is light a call runs on the
 * next turn of the event loop, alone, with no added wait; the busier the database, the larger the
 * batches. (DataLoader batches per tick but has no such bound, so under load it would send as many
 * small batches as ticks.)
 *
 * `run` returns one result per input, in order. When it throws for a batch of several, each input is
 * run again alone, so that one bad input (or a deadlock) cannot fail the others; `run` must therefore
 * undo a failed batch whole, as one transaction does. A single input's error is its own.
 */
export interface BatcherOptions {
  maxBatch: number;
  maxInFlight: number;
  onBatch?: (size: number) => void;
}

export class Batcher<In, Out> {
  private waiting: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly opts: BatcherOptions,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // One turn of the event loop lets the calls made by requests parsed in the same turn join in.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
        void this.start(this.waiting.splice(0, this.opts.maxBatch));
      }
    });
  }

  private async start(batch: typeof this.waiting): Promise<void> {
    this.inFlight++;
    this.opts.onBatch?.(batch.length);
    try {
      const outs = await this.run(batch.map((b) => b.input)).catch((err: unknown) => err as Error);
      if (!(outs instanceof Error) && outs.length === batch.length) {
        batch.forEach((b, i) => b.resolve(outs[i]!));
      } else if (batch.length === 1) {
        batch[0]!.reject(outs instanceof Error ? outs : new Error('batch returned no result'));
      } else {
        // One after another, within this run's slot, so a failed batch never floods the pool.
        for (const b of batch) {
          await this.run([b.input]).then(([out]) => b.resolve(out!), b.reject);
        }
      }
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

/**
 * Splits a batch into rounds in which no two items share a key, keeping the order of the items that
 * do: each item goes one round after the last earlier item it shares a key with. Returns, per round,
 * the indexes of its items. (A set-based statement decides a round's items independently, so two holds
 * of one buyer, or for one seat, must not meet in one round.)
 */
export function conflictFreeRounds<T>(
  items: readonly T[],
  keysOf: (item: T) => Iterable<string>,
): number[][] {
  const lastRound = new Map<string, number>();
  const rounds: number[][] = [];
  items.forEach((item, index) => {
    const keys = [...keysOf(item)];
    let round = 0;
    for (const key of keys) round = Math.max(round, (lastRound.get(key) ?? -1) + 1);
    for (const key of keys) lastRound.set(key, round);
    (rounds[round] ??= []).push(index);
  });
  return rounds;
}

/** One item's result from `inRounds`: its value, or the error that stopped it. */
export type RoundResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs a batch round after round (see `conflictFreeRounds`), each round one call of `run` — one
 * transaction, committed before the next round starts. Never throws, since an earlier round may have
 * committed: a failed round is run again item by item, and an item that still fails carries its error.
 */
export async function inRounds<T, R>(
  items: readonly T[],
  keysOf: (item: T) => Iterable<string>,
  run: (items: T[]) => Promise<R[]>,
): Promise<RoundResult<R>[]> {
  const results = new Array<RoundResult<R>>(items.length);
  const attempt = async (indexes: number[]) => {
    const values = await run(indexes.map((i) => items[i]!));
    indexes.forEach((i, k) => (results[i] = { ok: true, value: values[k]! }));
  };
  for (const round of conflictFreeRounds(items, keysOf)) {
    await attempt(round).catch(async (error: unknown) => {
      if (round.length === 1) results[round[0]!] = { ok: false, error };
      else
        for (const i of round)
          await attempt([i]).catch((err: unknown) => (results[i] = { ok: false, error: err }));
    });
  }
  return results;
}

/**
 * Runs a batch as one call of `run` per group (the items of one performance, whose engine keys live on
 * one shard), all groups at once, keeping each group's items in order. Never throws: a group whose
 * call fails gives its error to its own items only — not run again, since the call may have acted.
 */
export async function inGroups<T, R>(
  items: readonly T[],
  groupOf: (item: T) => string,
  run: (group: string, items: T[]) => Promise<R[]>,
): Promise<RoundResult<R>[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = groupOf(item);
    const indexes = groups.get(key);
    if (indexes) indexes.push(index);
    else groups.set(key, [index]);
  });
  const results = new Array<RoundResult<R>>(items.length);
  await Promise.all(
    [...groups].map(([key, indexes]) =>
      run(
        key,
        indexes.map((i) => items[i]!),
      ).then(
        (values) => indexes.forEach((i, k) => (results[i] = { ok: true, value: values[k]! })),
        (error: unknown) => indexes.forEach((i) => (results[i] = { ok: false, error })),
      ),
    ),
  );
  return results;
}

/**
 * A `Batcher` whose batches go out as one call of `run` per group (`inGroups`): the engine's scripts,
 * one per performance. Each caller gets its own item's result, or its group's error.
 */
export function groupedBatcher<T, R>(
  groupOf: (item: T) => string,
  run: (group: string, items: T[]) => Promise<R[]>,
  opts: BatcherOptions,
): (item: T) => Promise<R> {
  const batcher = new Batcher<T, RoundResult<R>>((items) => inGroups(items, groupOf, run), opts);
  return (item) => batcher.call(item).then(unwrap);
}

/** The value of an `inRounds` result, or its error thrown. */
export function unwrap<R>(result: RoundResult<R>): R {
  if (!result.ok) throw result.error;
  return result.value;
}
