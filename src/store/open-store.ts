// Opens the database store: embedded PGlite in the data folder by default, PostgreSQL when a DATABASE_URL is
// given; same SQL and migrations either way. Writes are one transaction each, serialised cluster-wide by an
// advisory lock, audited, versioned and announced to every node; a write returns only once committed.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { adminTokens } from './admin-tokens.ts';
import { appendAudit, listAudit } from './audit-log.ts';
import { configChannel, watchChanges } from './change-feed.ts';
import { createPgliteClient } from './drivers/pglite-client.ts';
import { createPostgresClient, type PgPoolSettings } from './drivers/postgres-client.ts';
import { KINDS, type ConfigEntities, type Kind } from '../schema/entity-catalogue.ts';
import { recordKeys, verifyKeys } from './key-checks.ts';
import { getEntity, listEntities, type ReadContext } from './entity-repository.ts';
import { CONFIG_WRITE_LOCK } from './locks.ts';
import { runMigrations } from './migrate.ts';
import { fillLookalikeKeys } from './lookalike-keys.ts';
import { loadChanges, loadEntities, readVersion, takeSnapshot } from './snapshot.ts';
import type { SqlClient } from './sql-client.ts';
import { conflict, isRetryable } from './store-errors.ts';
import type { Actor, Snapshot, Store, WriteOp, WriteOptions, WriteResult } from './store.ts';
import { TABLES } from './tables.ts';
import { createUnsealedCache } from './unsealed-cache.ts';
import { applyOp } from './write-ops.ts';

export interface OpenStoreOptions {
  /** PostgreSQL connection string; PGlite when absent. */
  databaseUrl?: string;
  /** Portcullis data folder: PGlite keeps its files in `<dataDir>/pglite`. In memory when absent too. */
  dataDir?: string;
  /** Schema to use instead of `public` (isolates tests sharing one database). */
  pgSchema?: string;
  /** PostgreSQL only: connections for queries (one more for LISTEN) and the wait for one. */
  pgPool?: PgPoolSettings;
  codec: SecretCodec;
  plugins: PluginRegistry;
  logger: Logger;
}

/** Sub-folder of the data folder PGlite owns. */
export const PGLITE_SUBDIR = 'pglite';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const sql =
    options.databaseUrl !== undefined
      ? await createPostgresClient({
          connectionString: options.databaseUrl,
          schema: options.pgSchema,
          poolSize: options.pgPool?.size,
          poolTimeoutMs: options.pgPool?.timeoutMs,
          logger: options.logger,
        })
      : await createPgliteClient({ dataDir: options.dataDir === undefined ? undefined : join(options.dataDir, PGLITE_SUBDIR), schema: options.pgSchema });
  try {
    await runMigrations(sql, options.logger);
    await fillLookalikeKeys(sql, options.logger);
  } catch (err) {
    await sql.close().catch(() => {});
    throw err;
  }
  return createStore(sql, options);
}

/** A Store over a migrated SqlClient (openStore's second half; the store owns `sql` from here). */
export function createStore(sql: SqlClient, options: Pick<OpenStoreOptions, 'codec' | 'plugins' | 'logger' | 'pgSchema'>): Store {
  const ctx: ReadContext = {
    codec: options.codec,
    plugins: options.plugins,
    unsealed: createUnsealedCache(options.codec),
    tablesAsJson: sql.driver === 'pglite',
  };
  const channel = configChannel(options.pgSchema);
  /**
   * The entities at one committed version (the last this node read or wrote), never modified: a write that
   * starts from that version reads only the rows it changed for its check, instead of every table (100,000
   * consumers) while it holds the cluster-wide lock. Any other version (another node wrote) reads everything.
   */
  let known: Snapshot | undefined;
  const remember = (snapshot: Snapshot) => {
    if (known === undefined || snapshot.version > known.version) known = snapshot;
  };

  async function writeOnce(ops: readonly WriteOp[], opts: WriteOptions): Promise<{ result: WriteResult; checked?: Snapshot }> {
    return sql.transaction(async (tx) => {
      await tx.query(CONFIG_WRITE_LOCK);
      const base = known;
      // Under the lock: no other write can commit until this one has.
      const startVersion = opts.check && base ? await readVersion(tx) : undefined;
      const now = Math.floor(Date.now() / 1000);
      const records: WriteResult['records'] = [];
      const changed = new Map<Kind, Set<string>>();
      const touch = (kind: Kind, id: string) => {
        let ids = changed.get(kind);
        if (ids === undefined) changed.set(kind, (ids = new Set()));
        ids.add(id);
      };
      for (const op of ops) {
        const applied = await applyOp(tx, { ...ctx, now }, op);
        records.push(applied.after);
        if (!applied.changed) continue;
        touch(applied.kind, applied.id);
        for (const child of applied.cascaded ?? []) touch(child.kind, child.id);
        await appendAudit(tx, {
          actor: opts.actor,
          requestId: opts.requestId,
          action: applied.action,
          kind: applied.kind,
          entityId: applied.id,
          before: applied.auditBefore,
          after: applied.auditAfter,
        });
        // As Kong posts its cascade's events: the parent's delete first, then each child's.
        for (const child of applied.cascaded ?? []) {
          await appendAudit(tx, {
            actor: opts.actor,
            requestId: opts.requestId,
            action: 'delete',
            kind: child.kind,
            entityId: child.id,
            before: child.auditBefore,
            after: null,
          });
        }
      }
      let entities: ConfigEntities | undefined;
      if (opts.check) {
        entities = base !== undefined && base.version === startVersion ? await loadChanges(tx, ctx, base.entities, changed) : await loadEntities(tx, ctx);
        await opts.check(entities);
      }
      const bumped = (await tx.query<{ version: number }>('UPDATE config_state SET version = version + 1 RETURNING version')).rows.at(0);
      if (bumped === undefined) throw new Error('config_state has no row (migrations create it)');
      const version = bumped.version;
      // Delivered at COMMIT, and only if it commits.
      await tx.query('SELECT pg_notify($1, $2)', [channel, String(version)]);
      return { result: { version, records }, checked: entities && { version, entities } };
    });
  }

  /** A committed write: what it checked is the store at its version. */
  function committed({ result, checked }: { result: WriteResult; checked?: Snapshot }): WriteResult {
    if (checked !== undefined) remember(checked);
    return result;
  }

  return {
    mode: 'database',
    driver: sql.driver,
    sql,
    get: (kind, idOrKey, parent) => getEntity(sql, ctx, kind, idOrKey, parent),
    list: (kind, options) => listEntities(sql, ctx, kind, options),
    async snapshot() {
      const snapshot = await takeSnapshot(sql, ctx);
      remember(snapshot);
      return snapshot;
    },
    version: () => readVersion(sql),

    async write(ops, opts) {
      try {
        return committed(await writeOnce(ops, opts));
      } catch (err) {
        if (!isRetryable(err)) throw err;
      }
      try {
        return committed(await writeOnce(ops, opts));
      } catch (err) {
        throw isRetryable(err) ? conflict() : err;
      }
    },

    watch: (onChange) => watchChanges(sql, channel, onChange),
    audit: { list: (options) => listAudit(sql, options) },
    adminTokens: adminTokens(sql, options.logger),

    async rekeySecrets(actor: Actor) {
      return sql.transaction(async (tx) => {
        await tx.query(CONFIG_WRITE_LOCK);
        await verifyKeys(tx, options.codec, 'refusing to re-key'); // a keyring that differs from the store's must not re-wrap anything
        let count = 0;
        for (const kind of KINDS) {
          const rows = (await tx.query<{ id: string; secrets: string }>(`SELECT id, secrets FROM ${TABLES[kind].table} WHERE secrets IS NOT NULL`)).rows;
          for (const row of rows) {
            if (options.codec.keyIdOf(row.secrets) === options.codec.activeKeyId) continue;
            await tx.query(`UPDATE ${TABLES[kind].table} SET secrets = $1 WHERE id = $2`, [options.codec.rewrap(row.secrets), row.id]);
            count++;
          }
        }
        // Everything sealed is under the active key now: the record becomes this keyring.
        await recordKeys(tx, options.codec, true);
        await appendAudit(tx, {
          actor,
          action: 'rekey',
          kind: 'secrets',
          entityId: null,
          before: null,
          after: { rewrapped: count, key_id: options.codec.activeKeyId },
        });
        return count;
      });
    },

    close: () => sql.close(),
  };
}
