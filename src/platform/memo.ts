/**
 * The last value built per key, built again only when one of its inputs is no longer the same object
 * or value (===). The public reads keep their views here, so that a request whose inputs (a cached row,
 * counts, a sale state) have not changed gets the very same object back: its bytes and ETag are then
 * made once (representation.ts), not once per request.
 */
export class Memo<V> {
  private readonly entries = new Map<string, { inputs: readonly unknown[]; value: V }>();

  get(key: string, inputs: readonly unknown[], build: () => V): V {
    const entry = this.entries.get(key);
    if (entry && entry.inputs.length === inputs.length && entry.inputs.every((v, i) => v === inputs[i]))
      return entry.value;
    const value = build();
    this.entries.set(key, { inputs, value });
    return value;
  }
}
