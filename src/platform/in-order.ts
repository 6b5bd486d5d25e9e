/**
 * Runs the calls made under one id one after another, each once the one before it under the same id
 * has settled (whether it succeeded or not); calls under different ids run side by side. Nothing is
 * kept for an id once its last call has settled.
 */
export class InOrder<T> {
  private readonly last = new Map<string, Promise<T>>();

  async run(id: string, call: () => Promise<T>): Promise<T> {
    const before = this.last.get(id);
    const mine = (async () => {
      await before?.catch(() => undefined);
      return call();
    })();
    this.last.set(id, mine);
    try {
      return await mine;
    } finally {
      if (this.last.get(id) === mine) this.last.delete(id);
    }
  }
}
