// Worker threads use the node's one database pool: a worker's SqlClient posts each query (and each transaction's
// statements) to the main thread over a MessagePort, where the store's own client runs it. One pool per node
// however many workers, as PostgreSQL connections are a budget.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { SqlClient, SqlQueryable, SqlResult, SqlValue } from '../store/sql-client.ts';
import { fieldOf } from '../schema/object-node.ts';

type SqlAsk = { op: 'query'; sql: string; params: readonly SqlValue[]; tx: number | null } | { op: 'begin' } | { op: 'end'; tx: number; commit: boolean };
type SqlRequest = SqlAsk & { id: number };

type SqlReply = { id: number; ok: true; rows: unknown[]; affectedRows: number; tx?: number } | { id: number; ok: false; message: string; code?: string };

function isSqlRequest(m: unknown): m is SqlRequest {
  if (typeof fieldOf(m, 'id') !== 'number') return false;
  switch (fieldOf(m, 'op')) {
    case 'query': {
      const tx = fieldOf(m, 'tx');
      return typeof fieldOf(m, 'sql') === 'string' && Array.isArray(fieldOf(m, 'params')) && (tx === null || typeof tx === 'number');
    }
    case 'begin':
      return true;
    case 'end':
      return typeof fieldOf(m, 'tx') === 'number' && typeof fieldOf(m, 'commit') === 'boolean';
    default:
      return false;
  }
}

function isSqlReply(m: unknown): m is SqlReply {
  if (typeof fieldOf(m, 'id') !== 'number') return false;
  const ok = fieldOf(m, 'ok');
  if (ok === true) return Array.isArray(fieldOf(m, 'rows')) && typeof fieldOf(m, 'affectedRows') === 'number';
  return ok === false && typeof fieldOf(m, 'message') === 'string';
}

/** Main thread: answers one worker's queries with `sql`; returns the port to hand the worker, and a stop. */
export function serveSql(sql: SqlClient): { port: MessagePort; close(): void } {
  const { port1: mine, port2: theirs } = new MessageChannel();
  let nextTx = 0;
  /** Open transactions: the statements a worker sends inside one, and how to end it. */
  const open = new Map<number, { tx: SqlQueryable; end: (commit: boolean) => Promise<void> }>();
  const reply = (message: SqlReply) => {
    mine.postMessage(message);
  };
  const fail = (id: number, err: unknown) => {
    const code = fieldOf(err, 'code');
    reply({ id, ok: false, message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : undefined });
  };
  mine.on('message', (m: unknown) => {
    if (!isSqlRequest(m)) return;
    if (m.op === 'query') {
      const target = m.tx === null ? sql : open.get(m.tx)?.tx;
      if (target === undefined) {
        fail(m.id, new Error('the transaction has ended'));
        return;
      }
      target.query(m.sql, m.params).then(
        (r) => {
          reply({ id: m.id, ok: true, rows: r.rows, affectedRows: r.affectedRows });
        },
        (err: unknown) => {
          fail(m.id, err);
        },
      );
    } else if (m.op === 'begin') {
      const txId = ++nextTx;
      let begun = false;
      const finished = sql.transaction(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            begun = true;
            open.set(txId, {
              tx,
              end: (commit) => {
                if (commit) resolve();
                else reject(new Error('rolled back by the worker'));
                return finished;
              },
            });
            reply({ id: m.id, ok: true, rows: [], affectedRows: 0, tx: txId });
          }),
      );
      finished.catch((err: unknown) => {
        // BEGIN itself failing: the worker still waits for its answer (a rollback or COMMIT failure is answered by 'end').
        if (!begun) fail(m.id, err);
      });
    } else {
      const entry = open.get(m.tx);
      open.delete(m.tx);
      if (entry === undefined) {
        fail(m.id, new Error('the transaction has ended'));
        return;
      }
      entry.end(m.commit).then(
        () => {
          reply({ id: m.id, ok: true, rows: [], affectedRows: 0 });
        },
        (err: unknown) => {
          if (m.commit) fail(m.id, err);
          else reply({ id: m.id, ok: true, rows: [], affectedRows: 0 });
        },
      );
    }
  });
  mine.unref();
  return {
    port: theirs,
    close() {
      for (const entry of open.values()) entry.end(false).catch(() => undefined);
      open.clear();
      mine.close();
    },
  };
}

/** Worker thread: a SqlClient whose statements run on the main thread's store (no LISTEN: the main thread watches). */
export function sqlOverPort(port: MessagePort, driver: 'pglite' | 'postgres'): SqlClient {
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: SqlReply & { ok: true }) => void; reject: (err: Error) => void }>();
  port.on('message', (m: unknown) => {
    if (!isSqlReply(m)) return;
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (waiter === undefined) return;
    if (m.ok) waiter.resolve(m);
    else waiter.reject(Object.assign(new Error(m.message), { code: m.code }));
  });
  port.unref();
  const ask = (request: SqlAsk): Promise<SqlReply & { ok: true }> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      port.postMessage({ ...request, id });
    });
  const queryIn =
    (tx: number | null) =>
    async <R>(sql: string, params: readonly SqlValue[] = []): Promise<SqlResult<R>> => {
      const r = await ask({ op: 'query', sql, params, tx });
      return { rows: r.rows.filter((row): row is R => typeof row === 'object' && row !== null), affectedRows: r.affectedRows };
    };
  return {
    driver,
    query: queryIn(null),
    async transaction(fn) {
      const begun = await ask({ op: 'begin' });
      const tx = begun.tx ?? 0;
      try {
        const result = await fn({ query: queryIn(tx) });
        await ask({ op: 'end', tx, commit: true });
        return result;
      } catch (err) {
        await ask({ op: 'end', tx, commit: false });
        throw err;
      }
    },
    listen() {
      return Promise.reject(new Error('LISTEN is the main thread’s: a worker thread receives config changes from its supervisor'));
    },
    close() {
      for (const waiter of pending.values()) waiter.reject(new Error('the SQL bridge is closed'));
      pending.clear();
      port.close();
      return Promise.resolve();
    },
  };
}
