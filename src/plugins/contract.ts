// The plugin contract: what a plugin folder exports and what the pipeline calls, phase by phase.
// Like Kong, a higher `priority` runs first within a phase; the pipeline knows phases, never plugin names.
import type { TSchema, Static } from '@sinclair/typebox';
import type { RequestContext } from '../gateway/context.ts';
import type { Logger } from 'pino';
import type { BlockList } from 'node:net';
import type { ConsumerDirectory } from '../config/consumer-directory.ts';
import type { SqlClient } from '../store/sql-client.ts';
import type { ConfigEntities, Kind } from '../schema/entity-catalogue.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';

export type PhaseResult = void | Promise<void>;

/** Response head as it arrives from the upstream (or from an exit), before it is sent to the client. */
export interface ResponseHead {
  status: number;
  /** Lower-case header names; mutate to change what the client receives. */
  headers: Record<string, string | string[]>;
}

export interface PluginHandler {
  /** Runs for global plugins only, before routing (the route is not known yet). */
  rewrite?(ctx: RequestContext): PhaseResult;
  /** Authentication, authorization, traffic control. Throw a GatewayError or call ctx.exit() to stop. */
  access?(ctx: RequestContext): PhaseResult;
  /** Adjust the response head (upstream's or an exit's) before it is written. Synchronous. */
  headerFilter?(ctx: RequestContext, head: ResponseHead): void;
  /**
   * Rewrite the upstream's whole response body: return a transform for the responses this plugin wants
   * (the head is final, after every headerFilter), undefined for the rest. Only responses some plugin
   * wants are buffered, up to a cap (larger ones stream through untouched); the proxy fixes Content-Length.
   * A transform that throws leaves the body as the upstream sent it.
   */
  bodyFilter?(ctx: RequestContext, head: ResponseHead): ((body: Buffer) => Buffer) | undefined;
  /** After the response is sent; never affects the client. */
  log?(ctx: RequestContext): void;
}

/** What a plugin instance may use besides its config, fixed for the life of one compiled config. */
export interface PluginEnv {
  /** Instance id (the plugin entity's id): stable across config rebuilds. */
  instanceId: string;
  consumers: ConsumerDirectory;
  /**
   * This config's entities by kind, frozen: a plugin reads its own credentials here (`entities.jwt_secrets`).
   * Rows come from a file with secrets as written, from the store with hashed secrets as their hash only.
   */
  entities: ConfigEntities;
  /**
   * A value built once per compiled config and shared by every instance that asks for `key` (an index over the
   * plugin's credentials): built on the first ask, dropped with the config. `reads`: the entity kinds `build`
   * reads, when it depends on nothing else that can change between builds (only those lists, the codec): the
   * next build then takes the value over while those lists are unchanged, instead of indexing 100,000
   * credentials again on every admin write.
   */
  shared<T>(key: string, build: () => T, reads?: readonly Kind[]): T;
  /** The keyring, to check a presented secret against keyed hashes (`codec.apiKeyHashes`); absent when DB-less. */
  codec?: SecretCodec;
  /** Structured logger bound to this plugin instance (never log secrets or tokens). */
  logger: Logger;
  /**
   * State that survives config rebuilds (counters, caches), keyed by instance id + key.
   * `init` runs once, the first time the key is asked for. With `dispose` the value is a resource (a
   * connection): it is disposed once a rebuild no longer asks for its key, or drops the instance.
   */
  persistent<T>(key: string, init: () => T, dispose?: (value: T) => void): T;
  /**
   * A trial build (an admin write's check): it is never served and its state is disposed once it is built, so
   * start no background work (a JWKS prefetch) from it. Builds pause between slices, so work merely deferred
   * to a timer would run before that disposal.
   */
  trial?: boolean;
  /** The database, in database mode only (cluster-wide state such as rate-limit counters); absent when DB-less. */
  sql?: SqlClient;
  /**
   * Loopback, private and link-local networks the operator lets the gateway's own fetches reach (jwt's JWKS:
   * `--jwks-allow-private`); none when absent, so such addresses are refused.
   */
  allowedPrivateNetworks?: BlockList;
  /**
   * The node's memory for this plugin (its module's `sharedMemoryBytes`), shared by every worker thread of the node:
   * state that must be exact per node, such as rate-limiting's `local` counters. Absent when the plugin asks for
   * none, or when nothing shares this process's state (one thread).
   */
  nodeMemory?: SharedArrayBuffer;
}

export interface PluginModule<S extends TSchema = TSchema> {
  name: string;
  priority: number;
  /** Kong's `no_consumer`: the plugin decides who the consumer is, so it cannot be scoped to one. */
  noConsumer?: boolean;
  /** The config schema: types, defaults, validation and docs from one place. */
  configSchema: S;
  /**
   * Checks that need more than the schema (cross-field rules). Returns error messages keyed by
   * config path (e.g. `config.limit_by`); empty when valid.
   */
  validate?(config: Static<S>): Record<string, string>;
  /**
   * Bytes of memory shared by every worker thread of a node; the node allocates one SharedArrayBuffer per plugin
   * that asks, once, surviving worker restarts, and hands it to every instance as `env.nodeMemory`.
   */
  sharedMemoryBytes?: number;
  /** Called once per plugin entity per compiled config: precompute here, keep the request path lean. */
  create(config: Static<S>, env: PluginEnv): PluginHandler;
}

/** Identity helper for plugin folders: keeps `config` typed from the schema. */
export function definePlugin<S extends TSchema>(module: PluginModule<S>): PluginModule<S> {
  return module;
}
