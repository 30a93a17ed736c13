// Runs the numbered SQL files of each owner's migrations/ folder in order, each once, recorded in
// `schema_migrations` by owner and version: core's (store/migrations/) first, then each bundled plugin's
// (plugins/<name>/migrations/, in plugins/daos.ts order), as Kong runs core's then each plugin's. All pending
// files run in one transaction under an advisory lock: two nodes starting together never race, and a failing
// file leaves the schema as it was.
import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { splitStatements } from './sql-script.ts';
import { MIGRATION_LOCK } from './locks.ts';
import { PLUGIN_DAOS } from '../plugins/daos.ts';

const CORE = 'core';
const CORE_MIGRATIONS = new URL('./migrations/', import.meta.url);
const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  /** `core`, or the plugin that owns the migration. */
  owner: string;
  version: string;
  name: string;
  sql: string;
}

/** Every owner's migrations, in the order they run. */
export async function loadMigrations(): Promise<Migration[]> {
  const out = await loadFolder(CORE, CORE_MIGRATIONS);
  for (const daos of PLUGIN_DAOS) out.push(...(await loadFolder(daos.plugin, daos.migrations)));
  return out;
}

async function loadFolder(owner: string, dir: URL): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const match = FILE.exec(file);
    if (match === null) continue;
    const [, version = '', name = ''] = match;
    if (out.some((m) => m.version === version)) throw new Error(`two migrations numbered ${version} in ${dir.pathname}`);
    out.push({ owner, version, name, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  return out;
}

/**
 * Applies pending migrations; returns those applied now as `owner/version_name` (empty when the schema was up
 * to date).
 */
export async function runMigrations(sql: SqlClient, logger?: Logger, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return sql.transaction(async (tx) => {
    await tx.query(MIGRATION_LOCK);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      owner text NOT NULL DEFAULT '${CORE}',
      version text NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT schema_migrations_owner_version PRIMARY KEY (owner, version)
    )`);
    await upgradeMigrationTable(tx);
    const done = new Set(
      (await tx.query<{ owner: string; version: string }>('SELECT owner, version FROM schema_migrations')).rows.map((r) => `${r.owner}/${r.version}`),
    );
    const applied: string[] = [];
    for (const migration of all) {
      const id = `${migration.owner}/${migration.version}`;
      if (done.has(id)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (owner, version, name) VALUES ($1, $2, $3)', [migration.owner, migration.version, migration.name]);
      applied.push(`${id}_${migration.name}`);
      logger?.info({ migration: `${id}_${migration.name}` }, 'store: migration applied');
    }
    return applied;
  });
}

/**
 * Databases made before migrations had owners kept one row per version, all of them core's (the plugins'
 * tables were core's then; their own migrations create them only where missing). Gives those rows their owner.
 */
async function upgradeMigrationTable(tx: SqlQueryable): Promise<void> {
  const { rows } = await tx.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'schema_migrations' AND column_name = 'owner' AND table_schema = current_schema()",
  );
  if (rows[0]?.n === 1) return;
  await tx.query(`ALTER TABLE schema_migrations ADD COLUMN owner text NOT NULL DEFAULT '${CORE}'`);
  await tx.query('ALTER TABLE schema_migrations DROP CONSTRAINT schema_migrations_pkey');
  await tx.query('ALTER TABLE schema_migrations ADD CONSTRAINT schema_migrations_owner_version PRIMARY KEY (owner, version)');
}
