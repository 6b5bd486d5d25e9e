import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

/**
 * db/functions holds the current body of every database function, one file each (db/functions/README.md).
 * The migrations are what a database really runs, so the two are compared in a migrated database: each
 * file is run in a scratch schema of its own transaction (rolled back), and PostgreSQL's own rendering
 * of every function made there must equal that of the function the migrations installed — same
 * signature, settings and body, to the character.
 */
const FUNCTIONS_DIR = fileURLToPath(new URL('../db/functions', import.meta.url));

const databases = [
  { name: 'embedded', url: inject('embeddedDatabaseUrl') },
  ...(inject('scaledDatabaseUrl') ? [{ name: 'DATABASE_URL', url: inject('scaledDatabaseUrl') }] : []),
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

describe.each(databases)('the database functions ($name)', ({ url }) => {
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
