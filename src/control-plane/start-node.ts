// One gateway node: picks the mode (DB-less with a config file; database mode on PostgreSQL with a database
// URL, else on embedded PGlite in the data folder), opens what that mode needs, starts the proxy and the admin
// API, and keeps the served config current. close() stops everything gracefully.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { compileConfig } from '../config/compile.ts';
import { startGateway, type Gateway, type ListenSpec } from '../gateway/server.ts';
import type { ClientTimeouts } from '../gateway/client-timeouts.ts';
import type { KongHeaders } from '../gateway/kong-headers.ts';
import { BUNDLED_PLUGINS_DIR, loadPluginRegistry, type PluginRegistry } from '../plugins/registry.ts';
import { loadKeyring, type LoadedKeyring } from '../secrets/keyring.ts';
import { createSecretCodec } from '../secrets/envelope-codec.ts';
import { openStore, PGLITE_SUBDIR } from '../store/open-store.ts';
import type { PgPoolSettings } from '../store/drivers/postgres-client.ts';
import { checkSecretKeys } from '../store/key-checks.ts';
import { emptyEntities } from '../schema/entity-shapes.ts';
import type { Store } from '../store/store.ts';
import { startAdminServer, type AdminServer } from '../admin/server.ts';
import { allAdminRoutes } from '../admin/routes/index.ts';
import { createMemoryAudit } from '../admin/memory-audit.ts';
import type { AdminContext } from '../admin/admin-route.ts';
import { createConfigBuilder, type ConfigBuilder } from './config-builder.ts';
import { createDatabaseSync, type DatabaseSync } from './database-sync.ts';
import { createFileConfig, type FileConfig } from './file-config.ts';
import { databaseAdminContext, dbLessAdminContext, envTokenAuth, type NodeIdentity } from './admin-context.ts';
import { seedIfEmpty } from './seed.ts';
import { parseAllowedNetworks } from '../plugins/jwt/jwks-address-policy.ts';
import { splitList } from '../net/ip-ranges.ts';
import type { AddressInfo } from 'node:net';
import type { SqlClient } from '../store/sql-client.ts';
import { DEFAULT_CLIENT_TIMEOUTS } from '../gateway/client-timeouts.ts';
import { DEFAULT_KONG_HEADERS } from '../gateway/kong-headers.ts';
import { startWorkerPool, type WorkerInfo } from '../workers/supervisor.ts';
import { nodeSharedMemory } from '../workers/node-memory.ts';

export const DEFAULT_ADMIN_LISTEN = { host: '127.0.0.1', port: 8001 };
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_POLL_INTERVAL_MS = 5000;

export interface StartNodeOptions {
  /** DB-less mode: serve this declarative file (the admin API is read-only but for POST /config). */
  configFile?: string;
  /** Database mode on PostgreSQL; without it (and without configFile) embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite's data folder (and its generated secret key file); default ./data. */
  dataDir?: string;
  /** PostgreSQL schema instead of `public` (several clusters, or tests, on one database). */
  pgSchema?: string;
  /** PostgreSQL: this node's connections for queries (one more for LISTEN) and how long a write waits for one. */
  pgPool?: PgPoolSettings;
  listen: readonly ListenSpec[];
  adminListen?: { host: string; port: number };
  trustedProxies?: readonly string[];
  /** Extra identity header names removed from client requests (`--identity-headers`). */
  identityHeaders?: readonly string[];
  /** Loopback/private networks JWKS fetches may reach (`--jwks-allow-private`); else PORTCULLIS_JWKS_ALLOW_PRIVATE, else none. */
  jwksAllowPrivate?: readonly string[];
  /** Client header, body-idle and keep-alive timeouts (defaults: 10 s, 10 s, 60 s). */
  clientTimeouts?: Partial<ClientTimeouts>;
  /** Kong's `headers` / `headers_upstream` settings (`--headers`, `--headers-upstream`); Kong's defaults when absent. */
  kongHeaders?: KongHeaders;
  /** Database mode: full version check interval, the fallback to LISTEN/NOTIFY (Kong: db_update_frequency). */
  pollIntervalMs?: number;
  /** Database mode: declarative file written into an empty database on first start. */
  seedFile?: string;
  /** Adjusts the seed file's entities before they are written. */
  seedEdit?: (entities: ConfigEntities) => void;
  /** Secret key file (else PORTCULLIS_SECRET_KEY(S) / PORTCULLIS_KEY_FILE, else `<dataDir>/secret-keys` on PGlite). */
  keyFile?: string;
  nodeId?: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  plugins?: PluginRegistry;
  /** Plugin folders beside the bundled one (`--plugin-dir`); ignored when `plugins` is given. */
  pluginDirs?: readonly string[];
  /**
   * Proxy worker threads (`--workers`): 1 (the default) serves from this thread as ever; more serve from that
   * many threads on the same addresses while this thread keeps the store, the admin API and the config builds.
   */
  workers?: number;
  /** Log level the worker threads' own loggers use (default: PORTCULLIS_LOG_LEVEL, else info). */
  logLevel?: string;
  /** Human progress lines for the slow first start (PGlite creating its database, seeding); the CLI prints them on stderr. */
  progress?: (line: string) => void;
}

/** The proxy as the node drives it: one in-thread gateway, or a pool of worker threads. */
export interface ProxyPlane {
  /** Bound addresses, in the order of `listen`. */
  addresses(): AddressInfo[];
  /** Puts a built config into service; resolves once every listener (every worker) serves it. */
  serve(config: CompiledConfig, entities: ConfigEntities): void | Promise<void>;
  connections(): Promise<number>;
  /** Worker threads, when the node runs them (for /status). */
  workers?: () => Promise<WorkerInfo[]>;
  close(graceMs?: number): Promise<void>;
}

export interface RunningNode {
  mode: 'database' | 'db-less';
  gateway: ProxyPlane;
  admin: AdminServer;
  /** Database mode only. */
  store?: Store;
  node: NodeIdentity;
  /** An admin token made by this start (first start on an empty database, or DB-less without one configured): print once. */
  adminToken?: string;
  /** Entities written into an empty database from the seed file. */
  seeded: number;
  /** Where secret keys came from (database mode). */
  keyring?: Pick<LoadedKeyring, 'source' | 'file' | 'generated'>;
  /** SIGHUP: DB-less re-reads the file; database mode checks the store now. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function startNode(options: StartNodeOptions): Promise<RunningNode> {
  const env = options.env ?? process.env;
  const plugins = options.plugins ?? (await loadPluginRegistry([BUNDLED_PLUGINS_DIR, ...(options.pluginDirs ?? [])]));
  const node: NodeIdentity = {
    id: options.nodeId ?? env.PORTCULLIS_NODE_ID ?? randomUUID(),
    hostname: hostname(),
    version: packageVersion(),
    startedAt: Date.now(),
  };
  const logger = options.logger.child({ node_id: node.id });
  return options.configFile !== undefined
    ? startDbLess(options, options.configFile, plugins, node, logger, env)
    : startDatabase(options, plugins, node, logger, env);
}

function jwksNetworks(options: StartNodeOptions, env: NodeJS.ProcessEnv) {
  return parseAllowedNetworks(options.jwksAllowPrivate ?? splitList(env.PORTCULLIS_JWKS_ALLOW_PRIVATE));
}

async function startDbLess(
  options: StartNodeOptions,
  file: string,
  plugins: PluginRegistry,
  node: NodeIdentity,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<RunningNode> {
  const builder = createConfigBuilder({ plugins, logger, allowedPrivateNetworks: jwksNetworks(options, env) });
  const audit = createMemoryAudit();
  const served = new Served();
  const fileConfig: FileConfig = createFileConfig({
    file,
    plugins,
    builder,
    swap: (c, entities) => served.swap(c, entities),
    audit,
    logger,
  });
  await fileConfig.load(); // a ConfigError here refuses the start, listing every problem
  const auth = envTokenAuth(env);
  const context = dbLessAdminContext({ plugins, builder, logger, node, file: fileConfig, auth, audit });
  let bound: { gateway: ProxyPlane; admin: AdminServer };
  try {
    bound = await listen(options, served, context, logger, { id: node.id, plugins, keys: [], sql: undefined });
  } catch (err) {
    builder.close();
    throw err;
  }
  const { gateway, admin } = bound;
  logger.info({ mode: 'db-less', config: file }, 'node started');
  return {
    mode: 'db-less',
    gateway,
    admin,
    node,
    adminToken: auth.generated,
    seeded: 0,
    reload: async () => {
      await fileConfig.reload();
    },
    async close() {
      await admin.close();
      await gateway.close();
      builder.close();
    },
  };
}

async function startDatabase(
  options: StartNodeOptions,
  plugins: PluginRegistry,
  node: NodeIdentity,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<RunningNode> {
  const dataDir = options.databaseUrl === undefined ? (options.dataDir ?? DEFAULT_DATA_DIR) : undefined;
  // PGlite: the key file is created beside the database on first start. PostgreSQL: every node needs the same
  // keys, so they come from the environment or a key file, never generated by one node.
  const keyring = loadKeyring({ env, keyFile: options.keyFile, dataDir });
  if (keyring.generated) logger.warn({ file: keyring.file }, 'generated a secret key file: back it up; stored secrets cannot be decrypted without it');
  const codec = createSecretCodec(keyring);
  // PGlite initialising a new folder is the slow part of a first start (seconds): say what is happening.
  const creating = dataDir !== undefined && !existsSync(join(dataDir, PGLITE_SUBDIR));
  const started = performance.now();
  if (creating) options.progress?.(`creating the database in ${dataDir} (first start: PGlite initialises it, a few seconds)...`);
  const store = await openStore({ databaseUrl: options.databaseUrl, dataDir, pgSchema: options.pgSchema, pgPool: options.pgPool, codec, plugins, logger });
  if (creating) options.progress?.(`database created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  let builder: ConfigBuilder | undefined;
  let sync: DatabaseSync | undefined;
  try {
    // Before anything is served or seeded: a node with the wrong keys must not join the cluster.
    await checkSecretKeys(store.sql, codec, logger);
    builder = createConfigBuilder({ plugins, logger, codec, sql: store.sql, allowedPrivateNetworks: jwksNetworks(options, env) });
    const checker = builder;
    if (options.seedFile !== undefined && creating) options.progress?.(`seeding it from ${options.seedFile}...`);
    const seed = await seedIfEmpty({
      store,
      plugins,
      logger,
      file: options.seedFile,
      edit: options.seedEdit,
      check: (entities) => checker.check(entities),
    });
    const served = new Served();
    sync = createDatabaseSync({
      store,
      builder,
      swap: (c, _version, entities) => served.swap(c, entities),
      logger,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    });
    const first = await sync.start();
    // A stored config that does not build (say, a plugin since removed) must not keep the admin API away:
    // serve nothing (404s) until it is fixed through the API, rather than refuse to start.
    if (served.current === undefined) {
      const empty = emptyEntities();
      const fallback = first ?? { config: await compileConfig(empty, plugins), entities: empty };
      await served.swap(fallback.config, fallback.entities);
    }
    const context: AdminContext = databaseAdminContext({ plugins, builder, logger, node, store, sync });
    const owned = { builder, sync };
    const { gateway, admin } = await listen(options, served, context, logger, { id: node.id, plugins, keys: keyring.keys, sql: store.sql });
    logger.info({ mode: 'database', driver: store.driver, version: sync.served(), data: dataDir }, 'node started');
    return {
      mode: 'database',
      gateway,
      admin,
      store,
      node,
      adminToken: seed.adminToken,
      seeded: seed.seeded,
      keyring: { source: keyring.source, file: keyring.file, generated: keyring.generated },
      // There is no file to re-read: say so, and check the store now (what the poll would do later).
      async reload() {
        const before = owned.sync.served();
        await owned.sync.catchUp();
        const after = owned.sync.served();
        logger.info(
          { version_before: before, version: after },
          `SIGHUP in database mode: no file to re-read (the database is the truth); checked the store now: ${after === before ? 'already serving' : 'now serving'} version ${after}`,
        );
      },
      async close() {
        await admin.close();
        await gateway.close();
        await owned.sync.close();
        owned.builder.close();
        await store.close();
      },
    };
  } catch (err) {
    await sync?.close().catch(() => {});
    builder?.close();
    await store.close().catch(() => {});
    throw err;
  }
}

/**
 * The config to serve, held until the proxy exists: a rebuild may finish between the first build and the
 * proxy binding its ports, and the proxy must start with the newest, not the first.
 */
class Served {
  current: { config: CompiledConfig; entities: ConfigEntities } | undefined;
  proxy: ProxyPlane | undefined;
  async swap(config: CompiledConfig, entities: ConfigEntities): Promise<void> {
    this.current = { config, entities };
    await this.proxy?.serve(config, entities);
  }
}

/** What worker threads need from the node beyond the options: its id, the keyring's keys, the store's client. */
interface WorkerNeeds {
  id: string;
  plugins: PluginRegistry;
  keys: readonly { id: string; key: Uint8Array }[];
  sql: SqlClient | undefined;
}

/** Binds the proxy then the admin API; if the admin API cannot bind, the proxy is closed again. */
async function listen(
  options: StartNodeOptions,
  served: Served,
  context: AdminContext,
  logger: Logger,
  needs: WorkerNeeds,
): Promise<{ gateway: ProxyPlane; admin: AdminServer }> {
  let proxy: ProxyPlane | undefined;
  try {
    const initial = served.current;
    if (initial === undefined) throw new Error('listen() called before a configuration was served');
    const started =
      (options.workers ?? 1) > 1 ? await startWorkers(options, initial.entities, logger, needs) : await startInThread(options, initial.config, logger);
    proxy = started;
    served.proxy = started;
    context.proxyConnections = () => started.connections();
    if (started.workers) context.workers = started.workers;
    // A config swapped in while the proxy was binding.
    const latest = served.current;
    if (latest !== undefined && latest !== initial) await started.serve(latest.config, latest.entities);
    const admin = await startAdminServer({ listen: options.adminListen ?? DEFAULT_ADMIN_LISTEN, context, routes: allAdminRoutes() });
    return { gateway: started, admin };
  } catch (err) {
    await proxy?.close(0).catch(() => {});
    throw err;
  }
}

async function startInThread(options: StartNodeOptions, config: CompiledConfig, logger: Logger): Promise<ProxyPlane> {
  const gateway: Gateway = await startGateway(config, {
    listen: options.listen,
    trustedProxies: options.trustedProxies,
    identityHeaders: options.identityHeaders,
    clientTimeouts: options.clientTimeouts,
    kongHeaders: options.kongHeaders,
    logger,
  });
  return {
    addresses: () => gateway.addresses(),
    serve: (next) => {
      gateway.swap(next);
    },
    connections: () => gateway.connections(),
    close: (graceMs) => gateway.close(graceMs),
  };
}

async function startWorkers(options: StartNodeOptions, entities: ConfigEntities, logger: Logger, needs: WorkerNeeds): Promise<ProxyPlane> {
  const env = options.env ?? process.env;
  const pool = await startWorkerPool(entities, {
    count: options.workers ?? 1,
    listen: options.listen,
    trustedProxies: options.trustedProxies ?? [],
    identityHeaders: options.identityHeaders ?? [],
    clientTimeouts: { ...DEFAULT_CLIENT_TIMEOUTS, ...options.clientTimeouts },
    kongHeaders: options.kongHeaders ?? DEFAULT_KONG_HEADERS,
    jwksAllowPrivate: options.jwksAllowPrivate ?? splitList(env.PORTCULLIS_JWKS_ALLOW_PRIVATE),
    pluginDirs: options.pluginDirs ?? [],
    keys: needs.keys,
    sql: needs.sql,
    nodeMemory: nodeSharedMemory(needs.plugins),
    nodeId: needs.id,
    logLevel: options.logLevel ?? env.PORTCULLIS_LOG_LEVEL ?? 'info',
    logger,
  });
  return {
    addresses: () => pool.addresses(),
    serve: (_config, next) => pool.serve(next),
    connections: () => pool.connections(),
    workers: () => pool.workers(),
    close: (graceMs) => pool.close(graceMs),
  };
}

let version: string | undefined;
function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
