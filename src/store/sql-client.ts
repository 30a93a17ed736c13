// The smallest SQL surface both drivers (embedded PGlite, PostgreSQL via `pg`) offer: parameterised queries
// ($1, $2 …), transactions and LISTEN/NOTIFY. Everything above it (store, cluster counters) speaks only this.

export type SqlValue = string | number | boolean | null | bigint | Date | readonly unknown[] | Record<string, unknown>;

export interface SqlResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted by the statement (0 for a SELECT on PGlite). */
  affectedRows: number;
}

export interface SqlQueryable {
  /** One statement, parameters bound as $1…$n (never interpolated). jsonb comes back parsed, int8 as number. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<SqlResult<R>>;
}

export interface SqlClient extends SqlQueryable {
  readonly driver: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`. On PostgreSQL a dedicated connection carries it and is re-established after a
   * loss; `onReconnect` then fires so the caller can catch up on what it missed while disconnected.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
