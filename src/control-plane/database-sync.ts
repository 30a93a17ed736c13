// Database mode: keeps this node's gateway on the store's latest version. Notifications (LISTEN/NOTIFY) are
// debounced into one rebuild; a periodic version check (Kong's db_update_frequency, 5 s) catches anything a
// lost notification missed; a reconnect triggers an immediate catch-up. Rebuilds run one at a time, so a
// rebuild for version N can never replace a newer one.
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { Snapshot, Store } from '../store/store.ts';
import type { ConfigBuilder } from './config-builder.ts';

export interface DatabaseSyncOptions {
  store: Store;
  builder: ConfigBuilder;
  /** Puts a freshly built config into service (gateway.swap). */
  swap(config: CompiledConfig, version: number): void;
  logger: Logger;
  /** Full check of store.version() every so often, in case a notification was lost. Default 5000 ms. */
  pollIntervalMs?: number;
  /** Notifications arriving within this window make one rebuild. Default 20 ms. */
  debounceMs?: number;
}

export interface DatabaseSync {
  /** Builds the current version (the gateway needs one to start), then listens and polls. */
  start(): Promise<CompiledConfig | undefined>;
  /**
   * Rebuilds now unless already at `version` or newer; resolves once this node serves it (or the build failed).
   * `committed`: the entities this node's own write checked inside its transaction, i.e. exactly the store at
   * `version` (config writes are serialised by the cluster-wide lock); built instead of a fresh snapshot when
   * the store is still at `version`.
   */
  catchUp(version?: number, committed?: ConfigEntities): Promise<void>;
  /** Version this node serves (null before the first successful build). */
  served(): number | null;
  close(): Promise<void>;
}

export function createDatabaseSync(options: DatabaseSyncOptions): DatabaseSync {
  const { store, builder, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const debounceMs = options.debounceMs ?? 20;
  let served: number | null = null;
  /** A version whose build failed: not retried until the store moves on (it would fail again, deterministically). */
  let failed: number | null = null;
  let unwatch: (() => Promise<void>) | undefined;
  let poller: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;
  let storeDown = false;
  /** The newest version a local write handed over with its entities, until a pass uses or outdates it. */
  let offered: Snapshot | undefined;

  // Single-flight: `requested` counts asks, `completed` the asks a finished pass covered. A pass reads the
  // version when it starts, so it covers every ask made before it started.
  let requested = 0;
  let completed = 0;
  let running = false;
  const waiters: { ask: number; resolve: () => void }[] = [];

  function request(): Promise<void> {
    const ask = ++requested;
    const done = new Promise<void>((resolve) => waiters.push({ ask, resolve }));
    if (!running) void drain();
    return done;
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (completed < requested && !closed) {
        const covers = requested;
        await pass();
        completed = covers;
        for (let i = waiters.length - 1; i >= 0; i--) {
          const waiter = waiters.at(i);
          if (waiter !== undefined && waiter.ask <= completed) {
            waiters.splice(i, 1);
            waiter.resolve();
          }
        }
      }
    } finally {
      running = false;
      if (closed) for (const w of waiters.splice(0)) w.resolve();
    }
  }

  /** One rebuild if the store moved on; never throws (a store outage is logged and retried by the poller). */
  async function pass(): Promise<void> {
    try {
      const version = await store.version();
      if (storeDown) {
        storeDown = false;
        logger.info({ version }, 'store reachable again');
      }
      const offer = offered;
      if (offer !== undefined && offer.version <= version) offered = undefined;
      if (served !== null && version <= served) return;
      if (version === failed) return;
      // A write that committed after the offered one makes it stale: read the store then.
      const snapshot = offer?.version === version ? offer : await store.snapshot();
      if (served !== null && snapshot.version <= served) return;
      const started = performance.now();
      let config: CompiledConfig;
      try {
        config = await builder.build(snapshot.entities, snapshot.version);
      } catch {
        failed = snapshot.version; // logged by the builder
        return;
      }
      options.swap(config, snapshot.version);
      builder.served(snapshot.version);
      logger.info({ version: snapshot.version, previous: served, build_ms: Math.round(performance.now() - started) }, 'configuration applied');
      served = snapshot.version;
      failed = null;
    } catch (err) {
      if (!storeDown)
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the store; serving the current configuration and retrying');
      storeDown = true;
    }
  }

  function onChange(version: number | null): void {
    if (closed) return;
    if (version === null) {
      // Reconnected: notifications sent while we were away are lost; look now.
      logger.info('store connection re-established; catching up');
      void request();
      return;
    }
    if (served !== null && version <= served) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void request(), debounceMs);
  }

  return {
    async start() {
      let config: CompiledConfig | undefined;
      try {
        const snapshot = await store.snapshot();
        try {
          config = await builder.build(snapshot.entities, snapshot.version);
          builder.served(snapshot.version);
          served = snapshot.version;
        } catch {
          failed = snapshot.version; // logged by the builder; the caller starts with an empty config
        }
      } catch (err) {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the configuration from the store');
        throw err;
      }
      unwatch = await store.watch(onChange);
      poller = setInterval(() => void request(), pollIntervalMs);
      poller.unref();
      return config;
    },
    async catchUp(version, committed) {
      if (version !== undefined && served !== null && served >= version) return;
      if (version !== undefined && committed !== undefined && (offered === undefined || offered.version < version)) {
        offered = { version, entities: committed };
      }
      await request();
    },
    served: () => served,
    async close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poller);
      await unwatch?.().catch(() => undefined);
    },
  };
}
