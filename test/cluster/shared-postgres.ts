// A throw-away database on the shared PostgreSQL (127.0.0.1:5432) for a cluster test: its own database and
// one login role per node (all acting as one owner role), so a test can cut one node off the database
// (NOLOGIN + terminate its LISTEN backend) without touching the others. Everything is dropped at the end.
// Whether the server is there: postgresSkip() in ../helpers/pg-database.ts, whose connection this uses.
import { connectAsAdmin, databaseUrl, uniqueDatabaseName } from '../helpers/pg-database.ts';

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
  const name = uniqueDatabaseName();
  const owner = `${name}_owner`;
  const role = (node: string) => `${name}_${node}`;
  const admin = await connectAsAdmin();
  await admin.query(`CREATE ROLE ${owner} NOLOGIN`);
  for (const node of nodes) {
    await admin.query(`CREATE ROLE ${role(node)} LOGIN IN ROLE ${owner}`);
    // Every node acts as the owner role, so tables one node's migration creates are every node's.
    await admin.query(`ALTER ROLE ${role(node)} SET role = '${owner}'`);
  }
  await admin.query(`CREATE DATABASE ${name} OWNER ${owner}`);
  return {
    name,
    url: (node) => databaseUrl(name, role(node)),
    async setLogin(node, allowed) {
      await admin.query(`ALTER ROLE ${role(node)} ${allowed ? 'LOGIN' : 'NOLOGIN'}`);
    },
    async terminateListen(node) {
      const res = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND query ILIKE 'LISTEN%'`, [
        name,
        role(node),
      ]);
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
