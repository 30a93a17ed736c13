// Runs the numbered SQL files of migrations/ in order, each once, recorded in `schema_migrations`. All
// pending files run in one transaction under an advisory lock: two nodes starting together never race, and
// a failing file leaves the schema as it was.
import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { SqlClient } from './sql-client.ts';
import { splitStatements } from './sql-script.ts';
import { MIGRATION_LOCK } from './locks.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const [, version, name] = FILE.exec(file)!;
    if (out.some((m) => m.version === version)) throw new Error(`two migrations numbered ${version} in ${dir.pathname}`);
    out.push({ version, name, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  return out;
}

/** Applies pending migrations; returns the versions applied now (empty when the schema was up to date). */
export async function runMigrations(sql: SqlClient, logger?: Logger, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return sql.transaction(async (tx) => {
    await tx.query(MIGRATION_LOCK);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
      logger?.info({ migration: `${migration.version}_${migration.name}` }, 'store: migration applied');
    }
    return applied;
  });
}
