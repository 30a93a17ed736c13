// A throwaway PostgreSQL database per test file on the shared server (127.0.0.1:5432): created with a random
// name, dropped at the end. postgresSkip() says whether the server is there: a skip reason when it is not,
// or a failure when CI=true (CI must run these tests, never skip them). connectAsAdmin(), databaseUrl() and
// uniqueDatabaseName() are the parts for a database set up differently (test/cluster/shared-postgres.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { skipUnlessCi } from './required-on-ci.ts';

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

interface Access {
  user: string;
  database: string;
}
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
  return skipUnlessCi(`PostgreSQL not reachable on ${HOST}:${PORT}: ${found.message}`);
}

/** The probed user/database; throws when PostgreSQL is unreachable (check postgresSkip() first). */
async function reachable(): Promise<Access> {
  const found = await probe();
  if (found instanceof Error) throw new Error(`PostgreSQL unreachable on ${HOST}:${PORT}: ${found.message}`);
  return found;
}

/** A connected client on the maintenance database as the probed user, to create and drop things (the caller ends it). */
export async function connectAsAdmin(): Promise<pg.Client> {
  const { user, database } = await reachable();
  const client = new pg.Client({ host: HOST, port: PORT, user, database });
  await client.connect();
  return client;
}

/** Connection string for `database` on the shared server as `user` (trust auth: no password). */
export function databaseUrl(database: string, user: string): string {
  return `postgres://${encodeURIComponent(user)}@${HOST}:${PORT}/${database}`;
}

/** `<prefix>_<random>`: a name no other test file uses. */
export function uniqueDatabaseName(prefix = 'portcullis_t'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Creates `<prefix>_<random>`, owned by the probed user; throws when PostgreSQL is unreachable. */
export async function createTestDatabase(prefix = 'portcullis_t'): Promise<TestDatabase> {
  const { user } = await reachable();
  const name = uniqueDatabaseName(prefix);
  const admin = async (sql: string) => {
    const client = await connectAsAdmin();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    name,
    url: databaseUrl(name, user),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
