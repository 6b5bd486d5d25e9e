// Checks a Tmomi draw from its published values alone (docs/fairness.md): the seed against the
// commitment published before registration, the list of hashes against its published hash, and that
// the list is in ascending order, so that every place is fixed by the seed and the user id and by
// nothing else. Deliberately self-contained (node:crypto only): it shares no code with the server, so
// a mistake there is not repeated here.
//
//   npx tsx scripts/verify-draw.ts <fairness URL | JSON file | JSON text>
//       [--me <…/fairness/me as URL with --token, JSON file or JSON text>] [--token <access token>]
//       [--users <id,id,…>]   recompute the whole order from these user ids (everyone registered)
//
// Prints what it checked as JSON; exits 0 when everything holds, 1 when anything does not.
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface Fairness {
  algorithm: string;
  version: number;
  commitment: string;
  seed: string | null;
  entries: string[] | null;
  listHash: string | null;
}
interface Mine {
  userId: string;
  place: number | null;
  hash: string | null;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { me: { type: 'string' }, token: { type: 'string' }, users: { type: 'string' } },
});

async function load<T>(source: string): Promise<T> {
  if (/^https?:\/\//.test(source)) {
    const headers: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
    const res = await fetch(source, { headers });
    if (!res.ok) throw new Error(`${source} answered ${res.status}`);
    return (await res.json()) as T;
  }
  return JSON.parse(source.trimStart().startsWith('{') ? source : await readFile(source, 'utf8')) as T;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hashOf = (seed: Buffer, userId: string) => createHmac('sha256', seed).update(userId).digest('hex');

const source = positionals[0];
if (!source) {
  console.error('usage: verify-draw.ts <fairness URL | JSON file | JSON text> [--me …] [--users …]');
  process.exit(2);
}
const record = await load<Fairness>(source);
const checks: Record<string, boolean> = {};
const report: Record<string, unknown> = { algorithm: `${record.algorithm} v${record.version}` };

if (record.algorithm !== 'tmomi-draw' || record.version !== 1) {
  checks.knownAlgorithm = false;
} else if (record.seed === null || record.entries === null || record.listHash === null) {
  report.drawn = false;
  checks.drawn = false;
} else {
  const seed = Buffer.from(record.seed, 'hex');
  const entries = record.entries;
  checks.seedMatchesCommitment = sha256(seed) === record.commitment;
  checks.listMatchesListHash = sha256(entries.map((e) => `${e}\n`).join('')) === record.listHash;
  // Ascending and distinct: the order is the hashes' order, so no place could have been given by hand.
  checks.listInHashOrder = entries.every((e, i) => i === 0 || entries[i - 1]! < e);
  report.entries = entries.length;
  if (values.me) {
    const me = await load<Mine>(values.me);
    const mine = hashOf(seed, me.userId);
    const place = entries.indexOf(mine) + 1;
    checks.myHashIsHmacOfMyId = me.hash === mine;
    checks.myPlaceIsMyHashsRank = place > 0 && place === me.place;
    report.me = { userId: me.userId, place: place || null, hash: mine };
  }
  if (values.users) {
    const users = values.users.split(',').filter(Boolean);
    const order = users
      .map((userId) => ({ userId, hash: hashOf(seed, userId) }))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    checks.usersGiveTheList = order.length === entries.length && order.every((o, i) => o.hash === entries[i]);
    report.order = order.map((o) => o.userId);
  }
}
const verified = Object.values(checks).every(Boolean) && Object.keys(checks).length > 0;
console.log(JSON.stringify({ verified, checks, ...report }, null, 2));
process.exit(verified ? 0 : 1);
