// SqlClient over embedded PGlite (PostgreSQL compiled to WASM, in-process) keeping its files in a data folder.
// PGlite is one connection: a statement issued while a transaction is open would run inside it, so every
// query and transaction here waits its turn in one queue.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable, SqlResult, SqlValue } from '../sql-client.ts';
import { unavailable } from './connection-errors.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { quoteIdent } from './identifiers.ts';
import { readTemplate, saveTemplate } from './pglite-template.ts';

export interface PgliteClientOptions {
  /** Folder for the database files (created when missing); in memory when absent (tests, throwaway runs). */
  dataDir?: string;
  /** Schema to create and use instead of `public` (test isolation). */
  schema?: string;
}

export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const release = options.dataDir === undefined ? () => {} : lockDataDir(options.dataDir);
  let db: PGlite;
  try {
    // A new cluster starts from the cached empty one when there is one (pglite-template.ts), else runs initdb.
    const fresh = options.dataDir === undefined || !existsSync(join(options.dataDir, 'PG_VERSION'));
    const template = fresh ? readTemplate() : undefined;
    // int8 as number: counters and unix timestamps stay far below 2^53.
    db = await PGlite.create(options.dataDir ?? 'memory://', { parsers: { [types.INT8]: (v: string) => Number(v) }, loadDataDir: template });
    if (fresh && template === undefined) await saveTemplate(db);
    if (options.schema !== undefined) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
      await db.query(`SET search_path TO ${quoteIdent(options.schema)}`);
    }
  } catch (err) {
    release();
    throw err;
  }

  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  }

  async function run<R>(q: Pick<PGlite, 'query'>, sql: string, params?: readonly SqlValue[]): Promise<SqlResult<R>> {
    try {
      // Cast kept: PGlite only reads `params` (its type just isn't readonly).
      const result = await q.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    } catch (err) {
      return unavailable(err);
    }
  }

  let closed = false;
  return {
    driver: 'pglite',
    query: <R>(sql: string, params?: readonly SqlValue[]) => exclusive(() => run<R>(db, sql, params)),
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) =>
      exclusive(async () => {
        try {
          return await db.transaction((tx) => fn({ query: <R>(sql: string, params?: readonly SqlValue[]) => run<R>(tx, sql, params) }));
        } catch (err) {
          return unavailable(err);
        }
      }),
    // In-process: notifications never get lost, so onReconnect has nothing to signal.
    listen: (channel, onNotify) =>
      exclusive(async () => {
        const unlisten = await db.listen(channel, onNotify);
        return () =>
          exclusive(async () => {
            if (!closed) await unlisten();
          });
      }),
    close: () =>
      exclusive(async () => {
        if (closed) return;
        closed = true;
        try {
          await db.close();
        } finally {
          release();
        }
      }),
  };
}
