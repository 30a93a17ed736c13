// SqlClient over PostgreSQL (`pg`): a pool for queries and transactions, plus one dedicated connection for
// LISTEN that comes back by itself after a loss (restart, failover, idle kill) and then tells its listeners
// to catch up on what they missed.
import pg from 'pg';
import type { Logger } from 'pino';
import type { SqlClient, SqlQueryable, SqlResult, SqlValue } from '../sql-client.ts';
import { unavailable } from './connection-errors.ts';
import { errorText } from '../error-fields.ts';
import { quoteIdent } from './identifiers.ts';

export interface PostgresClientOptions {
  connectionString: string;
  /** Schema to create and put first on the search_path of every connection (test isolation). */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  logger?: Logger;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/** int8 as number (counters and unix timestamps stay far below 2^53); every other type as pg parses it. */
const types: pg.CustomTypesConfig = {
  // unknown, not a type: pg's own parsers are typed `any`, and pg calls whichever this returns
  getTypeParser: (oid, format): unknown => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)),
};

interface Listener {
  onNotify: (payload: string) => void;
  onReconnect?: () => void;
}

export async function createPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const config: pg.ClientConfig = {
    connectionString: options.connectionString,
    types,
    application_name: 'portcullis',
    connectionTimeoutMillis: 10_000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteIdent(options.schema)}` }),
  };
  const logger = options.logger;

  if (options.schema !== undefined) {
    // Before the pool: its connections name the schema on their search_path, so it must exist.
    const setup = new pg.Client({ ...config, options: undefined });
    try {
      await setup.connect();
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    } catch (err) {
      unavailable(err);
    } finally {
      await setup.end().catch(() => {});
    }
  }

  const pool = new pg.Pool({ ...config, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool drops it.
  pool.on('error', (err) => {
    logger?.warn({ err: { message: err.message, code: errorText(err, 'code') } }, 'store: idle database connection lost');
  });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    unavailable(err);
  }

  async function run<R>(q: pg.Pool | pg.PoolClient, sql: string, params?: readonly SqlValue[]): Promise<SqlResult<R>> {
    try {
      // Casts kept: pg only reads `params` (its type just isn't readonly), and a row's type is the caller's
      // statement's, which no check here could know (SqlQueryable.query<R> is the boundary that names it).
      const result = await q.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], affectedRows: result.rowCount ?? 0 };
    } catch (err) {
      return unavailable(err);
    }
  }

  const feed = new ListenConnection(config, logger);
  let closed = false;
  return {
    driver: 'postgres',
    query: <R>(sql: string, params?: readonly SqlValue[]) => run<R>(pool, sql, params),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return unavailable(err);
      }
      let broken: Error | undefined;
      // pg-pool drops its error listener while a client is checked out: a connection lost between two
      // statements would be an unhandled 'error' event (a process crash). The next statement fails instead.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await run(client, 'BEGIN');
        const result = await fn({ query: <R>(sql: string, params?: readonly SqlValue[]) => run<R>(client, sql, params) });
        await run(client, 'COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error('ROLLBACK failed');
        });
        throw err;
      } finally {
        // A connection that could not roll back is in an unknown state: destroy it rather than reuse it.
        client.off('error', onError);
        client.release(broken);
      }
    },
    listen: (channel, onNotify, onReconnect) => feed.add(channel, { onNotify, onReconnect }),
    async close() {
      if (closed) return;
      closed = true;
      await feed.close();
      await pool.end();
    },
  };
}

/** The LISTEN connection: one client for every channel, re-established with backoff after a loss. */
class ListenConnection {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly channels = new Map<string, Set<Listener>>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private readonly config: pg.ClientConfig;
  private readonly logger: Logger | undefined;

  constructor(config: pg.ClientConfig, logger: Logger | undefined) {
    this.config = config;
    this.logger = logger;
  }

  async add(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const quoted = quoteIdent(channel);
    const client = await this.connected();
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      try {
        await client.query(`LISTEN ${quoted}`);
      } catch (err) {
        this.channels.delete(channel);
        unavailable(err);
      }
    }
    set.add(listener);
    return async () => {
      const current = this.channels.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${quoted}`).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    client.on('notification', (msg) => {
      for (const listener of this.channels.get(msg.channel) ?? []) listener.onNotify(msg.payload ?? '');
    });
    // 'error' then 'end' (or 'end' alone) on a lost connection: either way, start over once.
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (this.closed) return;
      this.logger?.warn({ err: err && { message: err.message, code: errorText(err, 'code') } }, 'store: LISTEN connection lost; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => {
      onLost();
    });
    try {
      await client.connect();
    } catch (err) {
      lost = true;
      client.end().catch(() => {});
      return unavailable(err);
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('store closed');
    }
    this.client = client;
    return client;
  }

  private scheduleReconnect(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempts);
    this.attempts++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, delay);
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.connected();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      const client = this.client;
      this.client = undefined;
      client?.end().catch(() => {});
      this.scheduleReconnect();
      return;
    }
    this.attempts = 0;
    this.logger?.info('store: LISTEN connection re-established');
    // Notifications sent while we were away are gone: listeners re-read what they need.
    for (const set of this.channels.values()) for (const listener of set) listener.onReconnect?.();
  }
}
