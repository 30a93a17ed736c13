// Redis connections for the redis policy: one client per distinct connection settings in this process, shared
// by every plugin instance that names them and leased by reference count; closed shortly after the last lease
// goes. Clients fail fast while Redis is unreachable (no offline queue, no retried commands) and reconnect in
// the background, so a dead Redis costs a request an error, never a wait.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

/** Kong's `config.redis` record, as the redis policy needs it (host and port are required by then). */
export interface RedisSettings {
  host: string;
  port: number;
  database: number;
  username: string | null;
  password: string | null;
  /** Milliseconds to connect and for any command. */
  timeout: number;
  ssl: boolean;
  ssl_verify: boolean;
  server_name: string | null;
}

export interface RedisLease {
  /** Resolves with the client once it can take a command; rejects at once while Redis is known unreachable. */
  ready(): Promise<Redis>;
  /** Hands the lease back; the client closes when no lease is left (after a grace for in-flight requests). */
  release(): void;
}

/** In-flight requests of a config just replaced still hold the old client for a moment. */
const CLOSE_GRACE_MS = 2000;
/** Background reconnects: quick first retries, then once a second while Redis stays away. */
const retryStrategy = (times: number) => Math.min(50 * times, 1000);

interface Entry {
  client: Redis;
  leases: number;
  closeTimer: NodeJS.Timeout | null;
  /** Ready at least once, or failed to connect at least once: from then on a client not ready fails fast. */
  settled: boolean;
  /** The first connection, while it is being made. */
  connecting: Promise<Redis> | null;
}

const entries = new Map<string, Entry>();

/** Leases the shared client for `settings`, connecting it on first use. */
export function leaseRedisClient(settings: RedisSettings, scripts: Record<string, { lua: string }>): RedisLease {
  // Hashed: the map key would otherwise hold the password in clear.
  const key = createHash('sha256')
    .update(JSON.stringify([settings, Object.keys(scripts).sort()]))
    .digest('hex');
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = { client: connect(settings, scripts), leases: 0, closeTimer: null, settled: false, connecting: null };
    const e = entry;
    e.client.on('ready', () => (e.settled = true));
    // Errors surface through the commands that fail (logged by the plugin); without a listener ioredis prints them.
    e.client.on('error', () => (e.settled = true));
    entries.set(key, entry);
  }
  const e = entry;
  e.leases += 1;
  if (e.closeTimer !== null) {
    clearTimeout(e.closeTimer);
    e.closeTimer = null;
  }
  let released = false;
  return {
    ready: () => ready(e, settings.timeout),
    release() {
      if (released) return;
      released = true;
      if (--e.leases > 0) return;
      e.closeTimer = setTimeout(() => {
        entries.delete(key);
        e.client.disconnect();
      }, CLOSE_GRACE_MS);
      e.closeTimer.unref();
    },
  };
}

/** Clients open in this process (leased, or closing after their last lease). */
export function openRedisClients(): number {
  return entries.size;
}

/** Closes every client now, leased or not (process shutdown, tests). */
export function closeAllRedisClients(): void {
  for (const entry of entries.values()) {
    if (entry.closeTimer !== null) clearTimeout(entry.closeTimer);
    entry.client.disconnect();
  }
  entries.clear();
}

function connect(settings: RedisSettings, scripts: Record<string, { lua: string }>): Redis {
  return new Redis({
    host: settings.host,
    port: settings.port,
    db: settings.database,
    username: settings.username ?? undefined,
    password: settings.password ?? undefined,
    tls: settings.ssl ? { rejectUnauthorized: settings.ssl_verify, servername: settings.server_name ?? settings.host } : undefined,
    connectTimeout: settings.timeout,
    commandTimeout: settings.timeout,
    // Fail fast: a command while disconnected errors at once instead of waiting in a queue, and a command
    // whose connection drops is failed, never resent (it may have counted already).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy,
    // RESP2 and no CLIENT SETINFO: any Redis Kong works with (HELLO needs 6, SETINFO 7.2).
    protocol: 2,
    disableClientInfo: true,
    connectionName: 'portcullis-rate-limiting',
    scripts,
  });
}

/** The client when it can take a command; the first connection is waited for (bounded by the timeout). */
function ready(entry: Entry, timeoutMs: number): Promise<Redis> {
  const client = entry.client;
  if (client.status === 'ready') return Promise.resolve(client);
  if (entry.settled || client.status === 'end') return Promise.reject(new Error(`Redis not connected (${client.status})`));
  // Every request arriving during the first connection waits on the same promise.
  entry.connecting ??= new Promise<Redis>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', done);
      entry.connecting = null;
      if (err) reject(err);
      else resolve(client);
    };
    const onReady = () => {
      done();
    };
    const timer = setTimeout(() => {
      done(new Error(`Redis connection timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('ready', onReady);
    client.once('error', done);
  });
  return entry.connecting;
}
