/**
 * bench/capacity — how many node processes, Redis shards and PostgreSQL cores a sale needs, from the
 * simulation in capacity-model.ts (measured costs per operation; docs/capacity.md explains the model
 * and checks it against a real `tmomi loadtest`). Prints one row per node count.
 *
 *   npm run bench:capacity                                   # 1,000,000 buyers, 100,000 seats
 *   npm run bench:capacity -- --nodes 1,2,4 --buyers 2000 --seats 500 --pick 0 --pay 0
 *
 * A "node" here is one Tmomi process, which runs its JavaScript on one core: a machine with N cores
 * runs N of them (`tmomi cluster --nodes N`, or one container each).
 */
import { parseArgs } from 'node:util';
import { simulate, type Scenario } from './capacity-model.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '4,8,16,32,64' },
    buyers: { type: 'string', default: '1000000' },
    seats: { type: 'string', default: '100000' },
    'burst-share': { type: 'string', default: '0.5' },
    'burst-seconds': { type: 'string', default: '1' },
    'tail-mean': { type: 'string', default: '120' },
    'admit-per-second': { type: 'string', default: '200' },
    'max-active': { type: 'string', default: '20000' },
    'max-quantity': { type: 'string', default: '4' },
    pick: { type: 'string', default: '20' },
    pay: { type: 'string', default: '40' },
    abandon: { type: 'string', default: '0.1' },
    'hold-ttl': { type: 'string', default: '300' },
    payment: { type: 'string', default: '1.5' },
    'push-every': { type: 'string', default: '1' },
    'shard-cores': { type: 'string', default: '1' },
    'postgres-cores': { type: 'string', default: '8' },
    limit: { type: 'string', default: '3600' },
    seed: { type: 'string', default: '1' },
  },
});
const n = (name: keyof typeof values) => Number(values[name]);

const base: Omit<Scenario, 'nodes'> = {
  buyers: n('buyers'),
  seats: n('seats'),
  burstShare: n('burst-share'),
  burstSeconds: n('burst-seconds'),
  tailMeanSeconds: n('tail-mean'),
  admitPerSecond: n('admit-per-second'),
  maxActive: n('max-active'),
  maxQuantity: n('max-quantity'),
  pickSeconds: n('pick'),
  paySeconds: n('pay'),
  abandon: n('abandon'),
  holdTtlSeconds: n('hold-ttl'),
  paymentSeconds: n('payment'),
  pushEverySeconds: n('push-every'),
  coresPerNode: 1,
  shardCores: n('shard-cores'),
  postgresCores: n('postgres-cores'),
  limitSeconds: n('limit'),
  seed: n('seed'),
};

const s = (seconds: number) => (seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0));
const when = (at: number | undefined) => (at === undefined ? '—' : `${s(at)} s`);
const pct = (share: number) => `${Math.round(share * 100)} %`;
console.log(
  `${base.buyers.toLocaleString()} buyers (${pct(base.burstShare)} in ${base.burstSeconds} s, the rest over ` +
    `~${base.tailMeanSeconds} s), ${base.seats.toLocaleString()} seats, admitting ${base.admitPerSecond}/s ` +
    `up to ${base.maxActive.toLocaleString()} at once, 1–${base.maxQuantity} tickets each, picking ~${base.pickSeconds} s, ` +
    `paying ~${base.paySeconds} s, ${pct(base.abandon)} walk away; Redis shard ${base.shardCores} core, ` +
    `PostgreSQL ${base.postgresCores} cores\n`,
);
console.log(
  "| nodes | 99 % sold after | all sold after | admitted | wait p50 / p90 / p99 | buyers' wait p50 / p99 | join answered p50 / p99 / max | places pushed on time | busiest second: nodes / shard / PostgreSQL CPU | peak joins/s | peak holds/s | peak checkouts/s | PostgreSQL connections (pool 20) |",
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const nodes of String(values.nodes).split(',').map(Number)) {
  const o = simulate({ ...base, nodes });
  console.log(
    `| ${nodes} | ${when(o.mostSoldAt)} | ${o.soldOutAt === undefined ? `not in ${base.limitSeconds} s (${o.seatsSold} sold)` : `${s(o.soldOutAt)} s`} | ` +
      `${o.admitted.toLocaleString()} | ${s(o.wait.p50)} / ${s(o.wait.p90)} / ${s(o.wait.p99)} s | ` +
      `${s(o.boughtWait.p50)} / ${s(o.boughtWait.p99)} s | ` +
      `${s(o.joinLatency.p50)} / ${s(o.joinLatency.p99)} / ${s(o.joinLatency.max)} s | ${pct(o.pushShare)} | ` +
      `${pct(o.peak.node)} / ${pct(o.peak.shard)} / ${pct(o.peak.postgres)} | ${o.rates.joins.toLocaleString()} | ` +
      `${o.rates.holds.toLocaleString()} | ${o.rates.checkouts.toLocaleString()} | ${(nodes * 20).toLocaleString()} |`,
  );
}
