// A throwaway PostgreSQL database per test file on the shared server (127.0.0.1:5432): created with a random
// name, dropped at the end. When the server is unreachable: undefined (skip), or a failure when CI=true.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const HOST = process.env.PGHOST_TEST ?? '127.0.0.1';
const PORT = Number(process.env.PGPORT_TEST ?? 5432);
const CANDIDATE_USERS = [...new Set(['postgres', process.env.USER].filter((u): u is string => !!u))];

export const PG_SKIP_MESSAGE = `PostgreSQL not reachable on ${HOST}:${PORT}: skipped (with CI=true this fails)`;

export async function createTestDatabase(prefix = 'portcullis_t'): Promise<TestDatabase | undefined> {
  let lastError: unknown;
  for (const user of CANDIDATE_USERS) {
    for (const database of ['test', 'postgres']) {
      const admin = new pg.Client({ host: HOST, port: PORT, user, database, connectionTimeoutMillis: 3000 });
      try {
        await admin.connect();
      } catch (err) {
        lastError = err;
        await admin.end().catch(() => {});
        continue;
      }
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return {
        name,
        url: `postgres://${encodeURIComponent(user)}@${HOST}:${PORT}/${name}`,
        async drop() {
          const c = new pg.Client({ host: HOST, port: PORT, user, database });
          await c.connect();
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally {
            await c.end();
          }
        },
      };
    }
  }
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required on CI but unreachable on ${HOST}:${PORT}: ${String(lastError)}`);
  return undefined;
}
