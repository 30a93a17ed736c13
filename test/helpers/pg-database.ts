// A throwaway PostgreSQL database per test file on the shared server (127.0.0.1:5432): created with a random
// name, dropped at the end. postgresSkip() says whether the server is there: a skip reason when it is not,
// or a failure when CI=true (CI must run these tests, never skip them).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  name: string;
  /** Connection string for the new database. */
  url: string;
  /** Drops the database (closing any connection still open on it). */
  drop(): Promise<void>;
}

const HOST = process.env.PGHOST_TEST ?? '127.0.0.1';
const PORT = Number(process.env.PGPORT_TEST ?? 5432);
const USERS = [...new Set(['postgres', process.env.USER].filter((u): u is string => !!u))];
const MAINTENANCE_DBS = ['test', 'postgres'];

interface Access { user: string; database: string }
let access: Promise<Access | Error> | undefined;

/** The first user/database pair that connects (trust auth), or the last error. */
function probe(): Promise<Access | Error> {
  return (access ??= (async () => {
    let last: Error = new Error('no user to try');
    for (const user of USERS) {
      for (const database of MAINTENANCE_DBS) {
        const client = new pg.Client({ host: HOST, port: PORT, user, database, connectionTimeoutMillis: 3000 });
        try {
          await client.connect();
          return { user, database };
        } catch (err) {
          last = err as Error;
        } finally {
          await client.end().catch(() => {});
        }
      }
    }
    return last;
  })());
}

/** False when PostgreSQL is reachable; a skip reason when not; throws when not and CI=true. */
export async function postgresSkip(): Promise<string | false> {
  const found = await probe();
  if (!(found instanceof Error)) return false;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required on CI but unreachable on ${HOST}:${PORT}: ${found.message}`);
  return `PostgreSQL not reachable on ${HOST}:${PORT}: skipped (with CI=true this fails)`;
}

/** Creates `<prefix>_<random>`; throws when PostgreSQL is unreachable (check postgresSkip() first). */
export async function createTestDatabase(prefix = 'portcullis_t'): Promise<TestDatabase> {
  const found = await probe();
  if (found instanceof Error) throw new Error(`PostgreSQL unreachable on ${HOST}:${PORT}: ${found.message}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ host: HOST, port: PORT, user: found.user, database: found.database });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://${encodeURIComponent(found.user)}@${HOST}:${PORT}/${name}`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
