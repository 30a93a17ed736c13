// SqlClient over embedded PGlite (PostgreSQL compiled to WASM, in-process) keeping its files in a data folder.
// PGlite is one connection: a statement issued while a transaction is open would run inside it, so every
// query and transaction here waits its turn in one queue.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable, SqlResult, SqlValue } from '../sql-client.ts';
import { unavailable } from './connection-errors.ts';
import { quoteIdent } from './identifiers.ts';

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
    // int8 as number: counters and unix timestamps stay far below 2^53.
    db = await PGlite.create(options.dataDir ?? 'memory://', { parsers: { [types.INT8]: (v: string) => Number(v) } });
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
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) => exclusive(async () => {
      try {
        return await db.transaction((tx) => fn({ query: <R>(sql: string, params?: readonly SqlValue[]) => run<R>(tx, sql, params) }));
      } catch (err) {
        return unavailable(err);
      }
    }),
    // In-process: notifications never get lost, so onReconnect has nothing to signal.
    listen: (channel, onNotify) => exclusive(async () => {
      const unlisten = await db.listen(channel, onNotify);
      return () => exclusive(async () => { if (!closed) await unlisten(); });
    }),
    close: () => exclusive(async () => {
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

/**
 * Two processes on one PGlite folder would corrupt it: a lock file with our pid keeps a second one out. A
 * lock left by a process that no longer runs (a crash) is taken over.
 */
function lockDataDir(dir: string): () => void {
  // Beside the folder, not in it: PGlite wants the folder to itself.
  mkdirSync(dirname(dir), { recursive: true });
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`the data folder ${dir} is in use by another portcullis process (pid ${pid})`);
      }
      if (pid === process.pid) throw new Error(`the data folder ${dir} is already open in this process`);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the data folder ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
