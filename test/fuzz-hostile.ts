import fc from 'fast-check';

// The hostile half of the fuzz test's requests: odd values, broken bodies and encodings, and the
// mutations that put one of them into an otherwise valid request.

/** Strings no schema should let through to the database or the engine unharmed. */
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  '\u200b\u200d\ufeff',
  'e\u0301\u0301\u0301',
  '🎫👩‍👩‍👧‍👦🏳️‍🌈',
  '한국어 공연',
  '%00',
  '%E0%A4%A',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'null',
  'NaN',
  '-0',
  '1e309',
  '0x10',
  '99999999999999999999999999',
  '__proto__',
  'constructor',
];
const ODD_NUMBERS = [
  1e308,
  -1e308,
  2 ** 53 + 2,
  -(2 ** 63),
  1.5,
  -1,
  0,
  -0,
  Number.MIN_VALUE,
  1e20,
  2 ** 31,
  -(2 ** 31) - 1,
];
/**
 * Characters that break text where they land: NUL and halves of a character (which PostgreSQL cannot
 * store), bidi and line controls, quotes and escapes. The first three are the likeliest.
 */
const POISONS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufffe',
  '\u0085',
  '\u2028',
  '\n',
  '%',
  '\\',
  '"',
  '🎫',
];

export const hostileString: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
    // Very long: past every maxLength, and at times past the body limit.
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('x', 'ы', '🎫'), fc.integer({ min: 300, max: 40_000 })),
    },
  )
  .map((s) => (typeof s === 'string' ? s : s[0].repeat(s[1])));

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.double(), fc.integer()) },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}, [[[[]]]], { '': '' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Bodies no JSON schema describes: broken, deep, poisoned, or not JSON at all. */
export const rawBody = fc.constantFrom(
  '{',
  '{"a":1e400}',
  '['.repeat(5_000),
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  'null',
  '"\\ud800"',
  '{}\u0000',
  '\ufeff{}',
  'email=a@example.com',
  '',
);

export const oddContentType = fc.constantFrom(
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json;;',
  'Application/JSON',
  '*/*',
  'application/',
);

/** Path segments that break routing on purpose: encodings that decode to nothing valid, dots, slashes. */
export const rawSegment = fc.constantFrom(
  '%',
  '%E0%A4%A',
  '%00',
  '%2F',
  '%FF%FE',
  '..',
  '.',
  ';',
  '%20',
  '1%00',
  '-1',
);

/** The parts of a request, before they are encoded: what a mutation works on. */
export interface Parts {
  path: Record<string, unknown>;
  /** A name left out is not sent. */
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: { json: unknown } | { raw: string } | undefined;
}

/** One defect: which value (counted over the request's values, in order), and what is done to it. */
export interface Mutation {
  /** Most defects land on a leaf (a string, a number …), the rest on any value, objects included. */
  leaf: boolean;
  slot: number;
  kind: 'poison' | 'replace' | 'drop' | 'add';
  poison: string;
  at: number;
  value: unknown;
  key: string;
}

// Positions unbiased: fast-check leans to small numbers, which would pick the first value again and again.
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  leaf: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  slot: fc.noBias(fc.nat({ max: 1_000_000 })),
  kind: fc.constantFrom('poison', 'poison', 'poison', 'replace', 'replace', 'drop', 'add'),
  poison: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...POISONS.slice(0, 3)) },
    { weight: 4, arbitrary: fc.constantFrom(...POISONS.slice(3)) },
  ),
  at: fc.noBias(fc.nat({ max: 1_000_000 })),
  value: hostileValue,
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'admin', 'role', ''), hostileString),
});

interface Slot {
  leaf: boolean;
  get(): unknown;
  set(value: unknown): void;
  drop(): void;
}

/** A copy of `parts` with the mutations applied, each to one of its values (a path, query, header or body value). */
export function mutate(parts: Parts, mutations: Mutation[]): Parts {
  const copy = structuredClone(parts);
  for (const m of mutations) {
    const all = slotsOf(copy);
    const leaves = all.filter((s) => s.leaf);
    const slots = m.leaf && leaves.length > 0 ? leaves : all;
    if (slots.length === 0) return copy;
    const slot = slots[m.slot % slots.length]!;
    const current = slot.get();
    // A copy of the value each time: two mutations may draw the same object (a constant), and adding it
    // inside itself made a circular body that could not be sent (seed 1557539784).
    const value = typeof m.value === 'object' && m.value !== null ? structuredClone(m.value) : m.value;
    if (m.kind === 'drop') slot.drop();
    else if (m.kind === 'replace') slot.set(value);
    else if (m.kind === 'add' && isObject(current))
      // An own property even for `__proto__`, as JSON.parse would make it.
      Object.defineProperty(current, m.key, { value, enumerable: true, writable: true });
    else {
      const text = typeof current === 'string' ? current : (JSON.stringify(current) ?? '');
      const at = m.at % (text.length + 1);
      slot.set(text.slice(0, at) + m.poison + text.slice(at));
    }
  }
  return copy;
}

function slotsOf(parts: Parts): Slot[] {
  const slots: Slot[] = [];
  for (const name of Object.keys(parts.path))
    slots.push({
      leaf: true,
      get: () => parts.path[name],
      set: (v) => (parts.path[name] = v),
      drop: () => (parts.path[name] = ''),
    });
  for (const where of [parts.query, parts.headers])
    for (const name of Object.keys(where))
      slots.push({
        leaf: true,
        get: () => where[name],
        set: (v) => (where[name] = v),
        drop: () => delete where[name],
      });
  const body = parts.body;
  if (body && 'json' in body) {
    slots.push({
      leaf: isLeaf(body.json),
      get: () => body.json,
      set: (v) => (body.json = v),
      drop: () => (parts.body = undefined),
    });
    walk(body.json, slots);
  }
  return slots;
}

function walk(value: unknown, slots: Slot[]): void {
  if (Array.isArray(value))
    value.forEach((item, i) => {
      slots.push({
        leaf: isLeaf(item),
        get: () => value[i],
        set: (v) => (value[i] = v),
        drop: () => value.splice(i, 1),
      });
      walk(item, slots);
    });
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) {
      slots.push({
        leaf: isLeaf(item),
        get: () => value[key],
        set: (v) => (value[key] = v),
        drop: () => delete value[key],
      });
      walk(item, slots);
    }
}

const isLeaf = (value: unknown) => typeof value !== 'object' || value === null;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
