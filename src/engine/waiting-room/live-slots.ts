/**
 * A Fenwick tree over queue slots (1 = a live entry), so that "how many live entries are ahead of me"
 * is O(log n) however many have left or been admitted, as ZRANK is in Redis.
 */
export class LiveSlots {
  private tree = new Int32Array(1024);
  private live = new Uint8Array(1024);

  set(slot: number, alive: boolean): void {
    if (slot >= this.live.length) this.grow(slot + 1);
    const delta = (alive ? 1 : 0) - (this.live[slot] ?? 0);
    if (delta === 0) return;
    this.live[slot] = alive ? 1 : 0;
    for (let i = slot + 1; i <= this.tree.length; i += i & -i) this.tree[i - 1]! += delta;
  }

  isLive(slot: number): boolean {
    return this.live[slot] === 1;
  }

  /** Live slots strictly before `slot`. */
  countBefore(slot: number): number {
    let sum = 0;
    for (let i = Math.min(slot, this.tree.length); i > 0; i -= i & -i) sum += this.tree[i - 1]!;
    return sum;
  }

  private grow(minimum: number): void {
    let size = this.live.length;
    while (size < minimum) size *= 2;
    const live = new Uint8Array(size);
    live.set(this.live);
    this.live = new Uint8Array(size);
    this.tree = new Int32Array(size);
    live.forEach((alive, slot) => alive && this.set(slot, true));
  }
}
