// ConfigEntities -> CompiledConfig: builds the router, consumer directory, balancers and plugin instances once,
// so the request path only reads frozen, precomputed data.
import { ENTITIES, KINDS, eachKeyedSecret, type ConfigEntities, type Kind, type RowOf } from '../schema/entity-catalogue.ts';
import type { CompiledConfig, CompiledService, PluginRuntime, UpstreamTarget } from './compiled.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { PluginModule } from '../plugins/contract.ts';
import type { Static, TSchema } from '@sinclair/typebox';
import { applyDefaults } from '../schema/defaults.ts';
import { defaultServicePort } from '../schema/entities/service.ts';
import { fits, misfit } from '../schema/fits.ts';
import type { RouterRoute } from '../gateway/router/types.ts';
import { buildRouterSteps } from '../gateway/router/build-router.ts';
import type { Router } from '../gateway/router/types.ts';
import { consumerDirectorySteps, type ConsumerDirectory } from './consumer-directory.ts';
import { eachStep, runInSlices, type Steps } from './steps.ts';
import { createWeightedRoundRobin } from '../gateway/balancer/weighted-round-robin.ts';
import { resolvePlugins, sortByPriority, type ScopedPlugin } from './plugin-scopes.ts';
import { PersistentState } from './persistent-state.ts';
import { pino, type Logger } from 'pino';
import type { BlockList } from 'node:net';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import type { SqlClient } from '../store/sql-client.ts';
import { ConfigError } from './config-error.ts';

const silentLogger = pino({ level: 'silent' });

type ServiceRow = RowOf<'services'>;
type UpstreamRow = RowOf<'upstreams'>;
type TargetRow = RowOf<'targets'>;
type PluginRow = RowOf<'plugins'>;

/** Kong's default target port when a target names none. */
const DEFAULT_TARGET_PORT = 8000;

/** What compileConfig needs besides the entities in database mode. */
export interface CompileOptions {
  /** Checks presented secrets against rows stored as keyed hashes (key-auth's `key_hash`); required when any row has one. */
  codec?: SecretCodec;
  /** The database (database mode): plugins keep cluster-wide state there, e.g. rate-limiting's `cluster` counters. */
  sql?: SqlClient;
  /**
   * Accept keyed hashes without a codec to check them against (`config validate` of a dump: such credentials
   * then match nothing in the config built, which is only checked, never served).
   */
  keyedHashesUnchecked?: boolean;
  /** Non-public networks plugins' own fetches may reach (PluginEnv.allowedPrivateNetworks). */
  allowedPrivateNetworks?: BlockList;
  /** The node's shared memory, by plugin name (PluginEnv.nodeMemory): one buffer per plugin that asks, for every worker. */
  nodeMemory?: ReadonlyMap<string, SharedArrayBuffer>;
  /** Only checked, never served (PluginEnv.trial). */
  trial?: boolean;
}

const HTTP_SUBSYSTEM: ReadonlySet<string> = new Set(['grpc', 'grpcs', 'http', 'https', 'ws', 'wss']);

/**
 * Builds in slices of a few milliseconds (config/steps.ts): a config of 100,000 paths and consumers takes far
 * longer than any request may wait, and the proxy and admin API share this event loop.
 */
export function compileConfig(
  entities: ConfigEntities,
  plugins: PluginRegistry,
  state = new PersistentState(),
  logger: Logger = silentLogger,
  options: CompileOptions = {},
): Promise<CompiledConfig> {
  return runInSlices(compileSteps(entities, plugins, state, logger, options));
}

/** What a build of the same routes, services, upstreams and targets can take over unchanged. */
export interface RoutingParts {
  readonly from: Pick<ConfigEntities, 'routes' | 'services' | 'upstreams' | 'targets'>;
  readonly router: Router;
  readonly serviceOfRoute: ReadonlyMap<string, CompiledService | null>;
}

/** What a build of the same consumers can take over unchanged. */
export interface ConsumerParts {
  readonly from: ConfigEntities['consumers'];
  readonly consumers: ConsumerDirectory;
}

/**
 * The pure parts of the last build (no plugin state in them), offered to the next one: a build over the very
 * same entity lists (the admin write path checks the entities, then builds those same ones) reuses them.
 * Lists are compared by identity only: a list read or loaded anew is rebuilt, so reuse can never be stale.
 */
export interface CompileReuse {
  routing?: RoutingParts;
  consumers?: ConsumerParts;
  /** Shared values whose builds named the lists they read (PluginEnv.shared's `reads`), with those lists. */
  shared?: Map<string, SharedValue>;
  /** The lists of keyed-hash credentials the last build checked (checkKeyHashes: the same lists pass again). */
  keyHashes?: readonly (readonly unknown[])[];
}

interface SharedValue {
  value: unknown;
  /** The lists the value was built from, in the order of `reads`. */
  from: readonly (readonly unknown[])[];
}

function sameRouting(a: RoutingParts['from'], b: ConfigEntities): boolean {
  return a.routes === b.routes && a.services === b.services && a.upstreams === b.upstreams && a.targets === b.targets;
}

/** compileConfig as pausable steps; `reuse` is read for parts to take over and updated with this build's. */
export function* compileSteps(
  entities: ConfigEntities,
  plugins: PluginRegistry,
  state: PersistentState,
  logger: Logger,
  options: CompileOptions,
  reuse: CompileReuse = {},
): Steps<CompiledConfig> {
  const keyedLists = KINDS.filter((kind) => ENTITIES[kind].hashed?.scheme === 'keyed').map((kind) => entities[kind]);
  const keysChecked = reuse.keyHashes?.length === keyedLists.length && reuse.keyHashes.every((list, i) => list === keyedLists[i]);
  if (options.keyedHashesUnchecked !== true && !keysChecked) yield* checkKeyHashes(entities, options.codec, logger);
  let consumerParts = reuse.consumers;
  if (consumerParts?.from !== entities.consumers) {
    consumerParts = { from: entities.consumers, consumers: yield* consumerDirectorySteps(entities.consumers) };
  }
  let routing = reuse.routing;
  if (routing === undefined || !sameRouting(routing.from, entities)) routing = yield* routingSteps(entities);
  const { consumers } = consumerParts;
  const { router, serviceOfRoute } = routing;
  const shared = new Map<string, unknown>();
  const sharedBefore = reuse.shared;
  const sharedNow = new Map<string, SharedValue>();

  const scoped: ScopedPlugin[] = [];
  for (const row of entities.plugins) {
    // Kong's should_process_plugin: a plugin runs in the HTTP subsystem when any of its protocols belongs to it,
    // whichever of them the request used; a stream-only plugin never runs here.
    if (!row.enabled || !row.protocols.some((p) => HTTP_SUBSYSTEM.has(p))) continue;
    const module = plugins.get(row.name);
    if (!module) throw new Error(`plugin '${row.name}' is not installed`);
    const runtime: PluginRuntime = {
      id: row.id,
      name: row.name,
      priority: module.priority,
      handler: module.create(pluginConfig(module, row), {
        instanceId: row.id,
        consumers,
        entities,
        shared: (key, build, reads) => sharedValue(shared, key, build, reads && { kinds: reads, entities, before: sharedBefore, now: sharedNow }),
        codec: options.codec,
        logger: logger.child({ plugin: row.name, plugin_id: row.id }),
        persistent: (key, init, dispose) => state.get(`${row.id}:${key}`, init, dispose),
        sql: options.sql,
        allowedPrivateNetworks: options.allowedPrivateNetworks,
        nodeMemory: options.nodeMemory?.get(row.name),
        trial: options.trial,
      }),
    };
    scoped.push({ runtime, routeId: row.routeId, serviceId: row.serviceId, consumerId: row.consumerId });
    yield; // a first instance of a kind may index all its credentials
  }
  state.retain(new Set(scoped.map((p) => p.runtime.id)));
  reuse.routing = routing;
  reuse.consumers = consumerParts;
  reuse.shared = sharedNow;
  if (options.keyedHashesUnchecked !== true) reuse.keyHashes = keyedLists;
  const globalPlugins = Object.freeze(sortByPriority(scoped.filter((p) => !p.routeId && !p.serviceId && !p.consumerId).map((p) => p.runtime)));
  const consumersWithPlugins = new Set<string>();
  for (const p of scoped) if (p.consumerId) consumersWithPlugins.add(p.consumerId);

  // Memoised per route, and per route+consumer only for consumers that have plugins of their own.
  const byRoute = new Map<string, readonly PluginRuntime[]>();
  const byRouteConsumer = new Map<string, readonly PluginRuntime[]>();
  return {
    router,
    consumers,
    globalPlugins,
    serviceFor: (route) => serviceOfRoute.get(route.id) ?? null,
    pluginsFor(route, consumer) {
      const serviceId = serviceOfRoute.get(route.id)?.id ?? null;
      if (consumer && consumersWithPlugins.has(consumer.id)) {
        const key = `${route.id}|${consumer.id}`;
        let list = byRouteConsumer.get(key);
        if (!list) byRouteConsumer.set(key, (list = resolvePlugins(scoped, route.id, serviceId, consumer.id)));
        return list;
      }
      let list = byRoute.get(route.id);
      if (!list) byRoute.set(route.id, (list = resolvePlugins(scoped, route.id, serviceId, null)));
      return list;
    },
  };
}

/** Services, the routes the router serves (those of enabled services, and service-less ones), and the router. */
function* routingSteps(entities: ConfigEntities): Steps<RoutingParts> {
  const services = new Map<string, CompiledService>();
  const balancing = upstreamIndex(entities);
  yield* eachStep(entities.services, (row) => {
    if (row.enabled) services.set(row.id, compileService(row, balancing));
  });
  // routes of a disabled service are left out, as Kong leaves them out of the router
  const routes: RouterRoute[] = [];
  const serviceOfRoute = new Map<string, CompiledService | null>();
  yield* eachStep(entities.routes, (r) => {
    const service = r.serviceId === null ? null : services.get(r.serviceId);
    if (service === undefined) return;
    routes.push(r);
    serviceOfRoute.set(r.id, service);
  });
  const router = yield* buildRouterSteps(routes);
  return { from: { routes: entities.routes, services: entities.services, upstreams: entities.upstreams, targets: entities.targets }, router, serviceOfRoute };
}

/**
 * Secrets kept as keyed hashes (API keys) need the codec to be checked at all; those hashed under a key the
 * keyring no longer holds can never match again (a hash cannot be re-keyed without the plaintext), which the
 * operator should hear about.
 */
function* checkKeyHashes(entities: ConfigEntities, codec: SecretCodec | undefined, logger: Logger): Steps<void> {
  const hashed: { kind: Kind; id: string; hash: string }[] = [];
  yield* eachStep(eachKeyedSecret(entities), ({ kind, id, hash }) => {
    if (hash !== undefined) hashed.push({ kind, id, hash });
  });
  if (hashed.length === 0) return;
  if (codec === undefined) {
    throw new ConfigError(
      hashed.map(({ kind, id }) => ({
        path: `${kind}.${id}.${ENTITIES[kind].hashed?.field ?? 'key'}`,
        message: 'stored as a hash, but no secret codec was given to check it against',
      })),
    );
  }
  const known = new Set(codec.keyIds);
  const kidOf = (hash: string) => {
    try {
      return codec.keyIdOf(hash);
    } catch {
      return undefined; // malformed: can never match either
    }
  };
  const orphans: typeof hashed = [];
  yield* eachStep(hashed, (row) => {
    if (!known.has(kidOf(row.hash) ?? '')) orphans.push(row);
  });
  for (const [kind, rows] of Map.groupBy(orphans, (row) => row.kind)) {
    logger.warn(
      { kind, credentials: rows.map((row) => row.id) },
      `${kind} hashed under a secret key no longer in the keyring can never authenticate: restore that key or issue new ones`,
    );
  }
}

/**
 * A plugin row's config as its schema's type: defaults filled in (a config stored before a field existed), then
 * checked, so a config that does not fit (a hand-edited database) fails the build instead of a request.
 */
function pluginConfig(module: PluginModule, row: PluginRow): Static<TSchema> {
  const config = structuredClone(row.config);
  applyDefaults(module.configSchema, config);
  if (!fits(module.configSchema, config)) {
    throw new ConfigError([{ path: `plugins.${row.id}.config`, message: misfit(module.configSchema, config) }]);
  }
  return config;
}

/** One value per key per compiled config, built on first use, or taken from the last build when `reads` allows. */
function sharedValue<T>(
  values: Map<string, unknown>,
  key: string,
  build: () => T,
  reads?: { kinds: readonly Kind[]; entities: ConfigEntities; before: ReadonlyMap<string, SharedValue> | undefined; now: Map<string, SharedValue> },
): T {
  // Casts kept: a key names one kind of shared value (plugins choose keys per type), which a Map of mixed
  // values cannot express; the value under it was built by a `build` returning the same T.
  if (values.has(key)) return values.get(key) as T;
  let value: T;
  if (reads === undefined) {
    value = build();
  } else {
    const from = reads.kinds.map((kind) => reads.entities[kind]);
    const earlier = reads.before?.get(key);
    const same = earlier !== undefined && earlier.from.length === from.length && earlier.from.every((list, i) => list === from[i]);
    value = same ? (earlier.value as T) : build();
    reads.now.set(key, { value, from });
  }
  values.set(key, value);
  return value;
}

/** Upstreams by name (the first of a name, as a list search finds it) and targets by upstream, in list order. */
interface UpstreamIndex {
  byName: Map<string, UpstreamRow>;
  targets: Map<string, TargetRow[]>;
}

// Looked up per service: searching both lists for each one made the compile O(services × targets).
function upstreamIndex(entities: ConfigEntities): UpstreamIndex {
  const byName = new Map<string, UpstreamRow>();
  for (const u of entities.upstreams) if (!byName.has(u.name)) byName.set(u.name, u);
  const targets = new Map<string, TargetRow[]>();
  for (const t of entities.targets) {
    const list = targets.get(t.upstreamId);
    if (list) list.push(t);
    else targets.set(t.upstreamId, [t]);
  }
  return { byName, targets };
}

function compileService(row: ServiceRow, balancing: UpstreamIndex): CompiledService {
  const port = row.port ?? defaultServicePort(row.protocol);
  const upstream = balancing.byName.get(row.host);
  let targets: UpstreamTarget[];
  if (upstream) {
    targets = (balancing.targets.get(upstream.id) ?? []).map((t) => {
      const { host, port } = splitHostPort(t.target, DEFAULT_TARGET_PORT);
      return { host, port, weight: t.weight, hostHeader: upstream.host_header ?? hostHeader(host, port, row.protocol) };
    });
  } else {
    targets = [{ host: row.host, port, weight: 100, hostHeader: hostHeader(row.host, port, row.protocol) }];
  }
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol === 'wss' ? 'https' : row.protocol === 'ws' ? 'http' : row.protocol,
    host: row.host,
    port,
    path: row.path ?? null,
    retries: row.retries,
    connectTimeout: row.connect_timeout,
    readTimeout: row.read_timeout,
    writeTimeout: row.write_timeout,
    balancer: createWeightedRoundRobin(targets),
  };
}

function splitHostPort(target: string, defaultPort: number): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  const host = v6?.[1];
  if (host !== undefined) {
    const port = v6?.[2];
    return { host, port: port ? Number(port) : defaultPort };
  }
  const i = target.lastIndexOf(':');
  if (i > 0 && target.indexOf(':') === i) return { host: target.slice(0, i), port: Number(target.slice(i + 1)) };
  return { host: target, port: defaultPort };
}

function hostHeader(host: string, port: number, protocol: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const tls = protocol === 'https' || protocol === 'wss';
  return (!tls && port === 80) || (tls && port === 443) ? h : `${h}:${port}`;
}
