import pg from 'pg';

/**
 * A fresh, empty database on the server `serverUrl` points at, for one test run or one benchmark, so
 * that runs never see each other's rows. `drop` removes it, cutting off any connection still open.
 */
export async function createScratchDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const onServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE ${name}`);
  return {
    url: onDatabase(serverUrl, name),
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** `url` with another database name. */
export const onDatabase = (url: string, name: string) =>
  Object.assign(new URL(url), { pathname: `/${name}` }).toString();
