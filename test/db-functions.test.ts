import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TicketStatus } from '../src/inventory/ticket-status.js';
import { workerDatabases } from './worker-databases.js';

/**
 * db/functions holds the current body of every database function, one file each (db/functions/README.md).
 * The migrations are what a database really runs, so the two are compared in a migrated database: each
 * file is run in a scratch schema of its own transaction (rolled back), and PostgreSQL's own rendering
 * of every function made there must equal that of the function the migrations installed — same
 * signature, settings and body, to the character.
 */
const FUNCTIONS_DIR = fileURLToPath(new URL('../db/functions', import.meta.url));

const { embedded, scaled } = workerDatabases();
const databases = [
  { name: 'embedded', url: embedded },
  ...(scaled ? [{ name: 'DATABASE_URL', url: scaled }] : []),
];

/**
 * The functions of a schema, by signature, as `pg_get_functiondef` renders them, without the schema
 * name it puts before the function's. Functions that belong to an extension (pg_trgm's) are not ours.
 */
async function functionsIn(client: pg.ClientBase, schema: string): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; signature: string; definition: string }>(
    `SELECT p.proname AS name, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
            pg_get_functiondef(p.oid) AS definition
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                       WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
    [schema],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.signature,
      r.definition.replace(`FUNCTION ${schema}.${r.name}(`, `FUNCTION ${r.name}(`),
    ]),
  );
}

/** A ticket's statuses, as numbers in ascending order. */
const TICKET_STATUSES = Object.values(TicketStatus).sort((a, b) => a - b);

/** The whole numbers a piece of SQL writes in a list or after a comparison with `status`, ascending, once each. */
function statusNumbers(sql: string): number[] {
  const found = new Set<number>();
  for (const m of sql.matchAll(/\bstatus\s*(?:=|<>|!=)\s*(\d+)|\bstatus\s+IN\s*\(([\d\s,]+)\)/gi))
    for (const n of (m[1] ?? m[2]!).split(',')) found.add(Number(n.trim()));
  return [...found].sort((a, b) => a - b);
}

// SQL cannot import src/inventory/ticket-status.ts, so this holds the two together. Only the tickets
// table keeps its status as a number (orders' and payments' are text), so any number a function
// compares `status` with or sets it to is a ticket's.
describe("a ticket's status in SQL", () => {
  it('when db/functions compare or set a status to a number, then to the numbers of TicketStatus, each of them', async () => {
    const files = (await readdir(FUNCTIONS_DIR)).filter((f) => f.endsWith('.sql'));
    const used = new Set<number>();
    for (const file of files) {
      const sql = (await readFile(join(FUNCTIONS_DIR, file), 'utf8')).replace(/--.*$/gm, '');
      for (const n of statusNumbers(sql)) {
        expect(TICKET_STATUSES, `${file} uses ticket status ${n}`).toContain(n);
        used.add(n);
      }
    }
    expect([...used].sort((a, b) => a - b)).toEqual(TICKET_STATUSES);
  });
});

describe.each(databases)('the database functions ($name)', ({ url }) => {
  it("when the migrations have run, then the tickets table's CHECK allows exactly the statuses of TicketStatus", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ definition: string }>(
        `SELECT pg_get_constraintdef(c.oid) AS definition
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.conrelid = 'tickets'::regclass AND c.contype = 'c' AND a.attname = 'status'`,
      );
      expect(rows).toHaveLength(1);
      // PostgreSQL renders `status IN (0, 1, 2)` as `CHECK ((status = ANY (ARRAY[0, 1, 2])))`.
      const allowed = /ARRAY\[([\d\s,]+)\]/.exec(rows[0]!.definition)?.[1] ?? '';
      expect(
        allowed
          .split(',')
          .map((n) => Number(n.trim()))
          .sort((a, b) => a - b),
        rows[0]!.definition,
      ).toEqual(TICKET_STATUSES);
    } finally {
      await client.end();
    }
  });

  it('when the migrations have run, then the database has exactly the functions of db/functions, each as its file says', async () => {
    const files = (await readdir(FUNCTIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    expect(files.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const scratch = `db_functions_${randomUUID().replaceAll('-', '')}`;
    try {
      await client.query('BEGIN');
      const migrated = await functionsIn(client, 'public');
      await client.query(`CREATE SCHEMA ${scratch}`);
      // Unqualified names are created in the scratch schema; the tables they name are still found.
      await client.query(`SET LOCAL search_path = ${scratch}, public`);
      const madeBy: Record<string, string[]> = {};
      let before = new Set<string>();
      for (const file of files) {
        await client.query(await readFile(join(FUNCTIONS_DIR, file), 'utf8'));
        const now = Object.keys(await functionsIn(client, scratch));
        madeBy[file] = now.filter((signature) => !before.has(signature)).map((s) => s.split('(')[0]!);
        before = new Set(now);
      }
      // One file per function, named after it.
      for (const file of files) {
        expect(madeBy[file], `${file} must create the function it is named after, and only that`).toEqual([
          basename(file, '.sql'),
        ]);
      }
      const fromFiles = await functionsIn(client, scratch);
      // A difference here: a file changed without a migration that installs it (or the reverse), a
      // function with no file, or a file whose function no migration creates or one dropped.
      expect(fromFiles, 'db/functions and the functions the migrations install differ').toEqual(migrated);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });
});
