// A throw-away database on the shared PostgreSQL (127.0.0.1:5432) for a cluster test: its own database and
// one login role per node (all acting as one owner role), so a test can cut one node off the database
// (NOLOGIN + terminate its LISTEN backend) without touching the others. Everything is dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.PORTCULLIS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL cannot be used, or undefined when it can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${ADMIN_URL} is unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface ClusterDatabase {
  name: string;
  /** Connection string for one node (its own login role). */
  url(node: string): string;
  /** Allow or refuse new connections of one node's role (its open connections stay). */
  setLogin(node: string, allowed: boolean): Promise<void>;
  /** Terminates the node's LISTEN connection; returns how many backends were terminated. */
  terminateListen(node: string): Promise<number>;
  drop(): Promise<void>;
}

export async function createClusterDatabase(nodes: readonly string[]): Promise<ClusterDatabase> {
  const name = `portcullis_t_${randomBytes(6).toString('hex')}`;
  const owner = `${name}_owner`;
  const role = (node: string) => `${name}_${node}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE ${owner} NOLOGIN`);
  for (const node of nodes) {
    await admin.query(`CREATE ROLE ${role(node)} LOGIN IN ROLE ${owner}`);
    // Every node acts as the owner role, so tables one node's migration creates are every node's.
    await admin.query(`ALTER ROLE ${role(node)} SET role = '${owner}'`);
  }
  await admin.query(`CREATE DATABASE ${name} OWNER ${owner}`);
  const base = new URL(ADMIN_URL);
  return {
    name,
    url(node) {
      const url = new URL(base);
      url.username = role(node);
      url.password = '';
      url.pathname = `/${name}`;
      return url.toString();
    },
    async setLogin(node, allowed) {
      await admin.query(`ALTER ROLE ${role(node)} ${allowed ? 'LOGIN' : 'NOLOGIN'}`);
    },
    async terminateListen(node) {
      const res = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND query ILIKE 'LISTEN%'`,
        [name, role(node)],
      );
      return res.rowCount ?? 0;
    },
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        for (const node of nodes) await admin.query(`DROP ROLE IF EXISTS ${role(node)}`);
        await admin.query(`DROP ROLE IF EXISTS ${owner}`);
      } finally {
        await admin.end().catch(() => {});
      }
    },
  };
}
