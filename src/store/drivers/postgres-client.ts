// SqlClient over PostgreSQL (`pg`): a pool of at most `poolSize` connections for queries and transactions,
// plus one dedicated connection for LISTEN that comes back by itself after a loss (restart, failover, idle
// kill) and then tells its listeners to catch up on what they missed. So a node holds at most poolSize + 1
// connections: the budget the README's sizing rule counts. A caller waits up to `poolTimeoutMs` for a free
// connection (or for the server to have a slot again), then gets STORE_BUSY.
import pg from 'pg';
import type { Logger } from 'pino';
import type { SqlClient, SqlQueryable, SqlResult, SqlValue } from '../sql-client.ts';
import { BudgetTimeout, ConnectionBudget } from './connection-budget.ts';
import { busy, isTooManyConnections, unavailable } from './connection-errors.ts';
import { isGatewayError } from '../../errors/gateway-error.ts';
import { errorText } from '../error-fields.ts';
import { quoteIdent } from './identifiers.ts';

export interface PostgresClientOptions {
  connectionString: string;
  /** Schema to create and put first on the search_path of every connection (test isolation). */
  schema?: string;
  /** Connections for queries and transactions (the LISTEN connection is one more); default DEFAULT_POOL_SIZE. */
  poolSize?: number;
  /** How long a query waits for a free connection, or for a slot on a full server; default DEFAULT_POOL_TIMEOUT_MS. */
  poolTimeoutMs?: number;
  logger?: Logger;
}

/** `portcullis start --pg-pool-size / --pg-pool-timeout`: this node's share of the server's connections. */
export interface PgPoolSettings {
  size?: number;
  timeoutMs?: number;
}

/** Small on purpose: every node, and every CLI command beside them, takes from the server's max_connections. */
export const DEFAULT_POOL_SIZE = 5;
export const DEFAULT_POOL_TIMEOUT_MS = 5000;

/**
 * A connection idle this long goes back to the server: on slots shared by several nodes, an idle connection one
 * node keeps is one another node's write waits for. Reconnecting costs milliseconds; a busy pool never idles.
 */
const IDLE_CLOSE_MS = 2000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/** Retrying a server that refused for want of slots: soon (a slot frees when any write ends), never in a tight loop. */
const REFUSED_RETRY_MIN_MS = 25;
const REFUSED_RETRY_MAX_MS = 500;
const REFUSED_WARN_EVERY_MS = 10_000;

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

  const waitMs = options.poolTimeoutMs ?? DEFAULT_POOL_TIMEOUT_MS;
  /** Connections whose socket failed: never given to another caller. */
  const lost = new WeakSet<pg.Client>();

  // Said once per REFUSED_WARN_EVERY_MS with how often since: an oversubscribed server refuses on every write.
  let refusedSince = 0;
  let warnedAt = -Infinity;
  function warnRefused(): void {
    refusedSince++;
    if (performance.now() - warnedAt < REFUSED_WARN_EVERY_MS) return;
    warnedAt = performance.now();
    logger?.warn(
      { refused: refusedSince, pool_size: budget.size },
      'store: the database server refused connections (too many connections); waiting for a slot: nodes × (pool size + 1) exceeds what max_connections leaves them (README: sizing)',
    );
    refusedSince = 0;
  }

  const budget: ConnectionBudget<pg.Client> = new ConnectionBudget<pg.Client>(
    options.poolSize ?? DEFAULT_POOL_SIZE,
    {
      /** Connects before `deadline`: a server refusing for want of slots (53300) is asked again, with pauses, until then. */
      async open(deadline) {
        for (let attempt = 0; ; attempt++) {
          const client = new pg.Client(config);
          // Always listened to: an 'error' nobody hears would crash the process. Idle, the connection is dropped;
          // in use, the statement under way fails and the holder gives it back broken.
          client.on('error', (err) => {
            lost.add(client);
            if (budget.discard(client)) logger?.warn({ err: { message: err.message, code: errorText(err, 'code') } }, 'store: idle database connection lost');
          });
          try {
            await client.connect();
            return client;
          } catch (err) {
            client.end().catch(() => {});
            const left = deadline - performance.now();
            if (!isTooManyConnections(err)) return unavailable(err);
            if (left <= 0) throw busy(`the database server had no free connection slot within ${waitMs} ms (53300)`);
            if (attempt === 0) warnRefused();
            // Jittered so that several nodes refused at once do not come back at once; one last try at the deadline.
            const pause = Math.min(REFUSED_RETRY_MAX_MS, REFUSED_RETRY_MIN_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
            await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
          }
        }
      },
      close: (client) => client.end().catch(() => {}),
    },
    IDLE_CLOSE_MS,
  );

  /**
   * Runs `fn` on one connection of the budget, waiting for one up to the pool timeout (then STORE_BUSY). A
   * connection whose socket failed, or that `fn` marks broken, is closed rather than reused.
   */
  async function withConnection<T>(fn: (client: pg.Client, broken: () => void) => Promise<T>): Promise<T> {
    let client: pg.Client;
    try {
      client = await budget.acquire(waitMs);
    } catch (err) {
      if (err instanceof BudgetTimeout) throw busy(`all ${budget.size} database connections of this node stayed busy for ${waitMs} ms`);
      return unavailable(err);
    }
    const marked = { broken: false };
    try {
      return await fn(client, () => {
        marked.broken = true;
      });
    } finally {
      budget.release(client, marked.broken || lost.has(client));
    }
  }

  try {
    const facts = await withConnection((client) => run<ServerFacts>(client, SERVER_FACTS_SQL));
    const first = facts.rows.at(0);
    if (first !== undefined) warnAboutBudget(first, budget.size, logger);
  } catch (err) {
    await budget.end();
    throw err;
  }

  async function run<R>(q: pg.Client, sql: string, params?: readonly SqlValue[]): Promise<SqlResult<R>> {
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
    query: <R>(sql: string, params?: readonly SqlValue[]) =>
      withConnection(async (client, broken) => {
        try {
          return await run<R>(client, sql, params);
        } catch (err) {
          // A connection-class failure (run turned it into a GatewayError) leaves the connection unusable.
          if (isGatewayError(err)) broken();
          throw err;
        }
      }),
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> =>
      withConnection(async (client, broken) => {
        try {
          await run(client, 'BEGIN');
          const result = await fn({ query: <R>(sql: string, params?: readonly SqlValue[]) => run<R>(client, sql, params) });
          await run(client, 'COMMIT');
          return result;
        } catch (err) {
          // A connection that could not roll back is in an unknown state: destroy it rather than reuse it.
          await client.query('ROLLBACK').catch(broken);
          throw err;
        }
      }),
    listen: (channel, onNotify, onReconnect) => feed.add(channel, { onNotify, onReconnect }),
    async close() {
      if (closed) return;
      closed = true;
      await feed.close();
      await budget.end();
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
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      try {
        const client = await this.connected();
        await client.query(`LISTEN ${quoted}`);
      } catch (err) {
        if (!(isGatewayError(err) && err.code === 'STORE_BUSY')) {
          this.channels.delete(channel);
          unavailable(err);
        }
        // A full server is no reason not to start: the version poll covers until a slot frees and the
        // reconnect, as after a loss, LISTENs and tells the listener to catch up.
        this.logger?.warn('store: no connection slot for LISTEN yet (too many connections); polling until one frees');
        this.scheduleReconnect();
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

/** What the first connection learns about the server: enough to tell an operator their budget cannot hold. */
interface ServerFacts {
  superuser: boolean;
  max_connections: number;
  reserved: number;
}

const SERVER_FACTS_SQL = `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS reserved`;

/**
 * Said once at start: a node connecting as a superuser may take the slots PostgreSQL keeps for the operator
 * (the psql lock-out), and a pool that alone exceeds what the server allows can never be filled.
 */
function warnAboutBudget(facts: ServerFacts, poolSize: number, logger: Logger | undefined): void {
  const open = facts.max_connections - facts.reserved;
  if (facts.superuser) {
    logger?.warn(
      { max_connections: facts.max_connections, superuser_reserved_connections: facts.reserved },
      'store: this node connects to PostgreSQL as a superuser, so it can use the connection slots reserved for the operator: connect nodes as an ordinary role (README: sizing)',
    );
  }
  if (poolSize + 1 > open) {
    logger?.warn(
      { pool_size: poolSize, max_connections: facts.max_connections, superuser_reserved_connections: facts.reserved },
      `store: pool size + 1 (LISTEN) = ${poolSize + 1} exceeds the ${open} connections max_connections leaves ordinary roles: lower --pg-pool-size (README: sizing)`,
    );
  }
}
