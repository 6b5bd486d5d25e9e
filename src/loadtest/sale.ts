import { runBuyer } from './buyer.js';
import { SaleRun, type SaleOptions, type SaleReport } from './run.js';

/**
 * A flash sale, simulated end to end against one base URL (a node or the balancer in front of many):
 * every buyer joins the waiting room at once, waits — on an event stream while one of `streams`
 * slots is free, else by polling at the pace its ETA suggests, moving to a stream when a slot frees —
 * is admitted, holds seats with the queue pass, and pays with an Idempotency-Key, retrying what a
 * real client would retry (a broken connection, a 5xx from a node going away, a checkout still in
 * progress elsewhere) a bounded number of times. Everything stops at `deadline`.
 *
 * The outcome of every buyer is kept so that a caller can check what only the clients can see: nobody
 * admitted twice, admission in arrival order, the streams of a lost node resumed elsewhere.
 */

export async function runSale(opts: SaleOptions): Promise<SaleReport> {
  const run = new SaleRun(opts);
  const progress = setInterval(() => opts.onProgress?.(run.progress()), 1_000);
  try {
    return run.report(await Promise.all(opts.buyers.map((buyer) => runBuyer(run, buyer))));
  } finally {
    clearInterval(progress);
  }
}
