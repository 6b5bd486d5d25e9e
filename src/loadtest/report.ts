// What a simulated sale leaves behind: each buyer's record, and the figures and checks made from them.

export type Outcome = 'bought' | 'sold-out' | 'closed' | 'expired' | 'failed' | 'timed-out';

export interface StreamConnection {
  node: string;
  status: number;
  end: 'admitted' | 'closed' | 'expired' | 'reconnect' | 'ended' | 'broken' | 'timeout';
}

export interface BuyerRecord {
  id: string;
  /** Every admission this buyer was told of (pass id = arrival sequence); more than one is a bug. */
  passIds: Set<number>;
  expiresAt: string | undefined;
  admittedAfterMs: number | undefined;
  outcome: Outcome | undefined;
  /** Why the queue closed, or what failed. */
  reason: string | undefined;
  orderIds: string[];
  seats: number[];
  connections: StreamConnection[];
  /**
   * The buyer's last steps past the queue, and any slow or failed queue call, as `+12.3s hold 409
   * SEAT_UNAVAILABLE 250ms`; each stream it followed, what it saw when it looked again after a refusal,
   * and its end: what a failed (or last) buyer's report shows, to tell where its time went.
   */
  trail: string[];
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
}

/**
 * Events per second over the middle 80 % of them (10th to 90th percentile of their instants): a few
 * stragglers — an order retried after its hold ran out, a buyer admitted again after a refund reopened
 * the room — would otherwise stretch the window and make the rate say more about them than the sale.
 */
export function ratePerSecond(instants: number[]): number {
  if (instants.length < 2) return 0;
  const sorted = [...instants].sort((a, b) => a - b);
  const tail = sorted.length >= 20 ? Math.floor(sorted.length * 0.1) : 0;
  const from = sorted[tail]!;
  const to = sorted[sorted.length - 1 - tail]!;
  return to > from ? ((sorted.length - 2 * tail - 1) * 1000) / (to - from) : 0;
}

/** How many buyers ended each way for each reason given (`failed: hold 400 VALIDATION_FAILED`). */
export function reasons(buyers: BuyerRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of buyers) {
    if (!b.reason) continue;
    const key = `${b.outcome}: ${b.reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * What the clients saw that must not happen: a buyer admitted twice (two different passes), two buyers
 * with the same admission, or admission out of arrival order. The pass id is the arrival sequence and
 * the pass expiry follows the admission time, so sorted by sequence the expiries must never go back.
 */
export function admissionViolations(buyers: BuyerRecord[]): string[] {
  const problems: string[] = [];
  const twice = buyers.filter((b) => b.passIds.size > 1);
  if (twice.length > 0) problems.push(`${twice.length} buyers admitted more than once: ${twice[0]!.id} …`);
  const admitted = buyers.filter((b) => b.passIds.size === 1);
  const seqs = admitted.map((b) => [...b.passIds][0]!);
  if (new Set(seqs).size !== seqs.length) problems.push('two buyers hold the same admission');
  const bySeq = admitted.map((b, i) => ({ seq: seqs[i]!, expiresAt: Date.parse(b.expiresAt ?? '') }));
  bySeq.sort((a, b) => a.seq - b.seq);
  // The expiry is stamped by the admitting node's clock at one-second resolution or finer; allow for that.
  const outOfOrder = bySeq.filter((x, i) => i > 0 && x.expiresAt < bySeq[i - 1]!.expiresAt - 1_000);
  if (outOfOrder.length > 0)
    problems.push(
      `${outOfOrder.length} admissions out of arrival order, first at sequence ${outOfOrder[0]!.seq}`,
    );
  return problems;
}
