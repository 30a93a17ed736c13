// Entities -> CompiledConfig for this node: one shared PersistentState (counters survive rebuilds), the secret
// codec and SQL client passed through to plugins, and a record of the last build (served version, last error).
// A build that fails is logged and kept as lastError; the caller keeps serving what it had.
import type { Logger } from 'pino';
import type { BlockList } from 'node:net';
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import type { SqlClient } from '../store/sql-client.ts';
import { compileSteps, type CompileReuse } from '../config/compile.ts';
import { runInSlices } from '../config/steps.ts';
import { ConfigError } from '../config/config-error.ts';
import { PersistentState } from '../config/persistent-state.ts';
import { GatewayError } from '../errors/gateway-error.ts';

export interface ConfigBuilderOptions {
  plugins: PluginRegistry;
  logger: Logger;
  /** Database mode: API keys arrive hashed and jwt secrets decrypted; the codec hashes presented keys alike. */
  codec?: SecretCodec;
  /** Database mode: cluster-wide features (rate-limit counters) keep their tables here. */
  sql?: SqlClient;
  /** Non-public networks plugins' own fetches may reach (jwt's JWKS; `--jwks-allow-private`). */
  allowedPrivateNetworks?: BlockList;
  /** Node-wide shared memory by plugin name (worker threads: the same buffers in every worker). */
  nodeMemory?: ReadonlyMap<string, SharedArrayBuffer>;
}

export interface BuildState {
  /** Store version (database mode) or a local counter (DB-less) of the config served; null before the first. */
  version: number | null;
  builtAt: number;
  lastError: string | null;
}

export interface ConfigBuilder {
  /**
   * Compiles with the shared state, in slices that leave the event loop free; builds run one at a time, in call
   * order. On failure logs, records lastError and rejects with ADMIN_CONFIG_REFUSED.
   */
  build(entities: ConfigEntities, version: number): Promise<CompiledConfig>;
  /** Compiles with a throw-away state (no counters touched); rejects with ADMIN_CONFIG_REFUSED with fields on failure. */
  check(entities: ConfigEntities): Promise<void>;
  /** Marks `version` as served (after the caller swapped it in). */
  served(version: number): void;
  state(): BuildState;
  /** Releases resources plugins keep across builds (shutdown). */
  close(): void;
}

export function createConfigBuilder(options: ConfigBuilderOptions): ConfigBuilder {
  const shared = new PersistentState();
  const current: BuildState = { version: null, builtAt: 0, lastError: null };
  // A check followed by the build of the same entities (every admin write) builds the router and the
  // consumer directory once.
  const reuse: CompileReuse = {};
  const compile = (entities: ConfigEntities, state: PersistentState, trial: boolean) =>
    runInSlices(
      compileSteps(
        entities,
        options.plugins,
        state,
        options.logger,
        { codec: options.codec, sql: options.sql, allowedPrivateNetworks: options.allowedPrivateNetworks, nodeMemory: options.nodeMemory, trial },
        reuse,
      ),
    );
  // Builds share `shared`, whose retain() at the end of one must not run in the middle of another.
  let previous: Promise<unknown> = Promise.resolve();

  async function build(entities: ConfigEntities, version: number): Promise<CompiledConfig> {
    try {
      const config = await compile(entities, shared, false);
      current.lastError = null;
      return config;
    } catch (err) {
      current.lastError = describe(err);
      options.logger.error({ version, err: current.lastError }, 'configuration refused; still serving the previous one');
      throw refusal(err);
    }
  }

  return {
    build(entities, version) {
      const next = previous.then(
        () => build(entities, version),
        () => build(entities, version),
      );
      previous = next.catch(() => undefined);
      return next;
    },
    async check(entities) {
      const throwaway = new PersistentState();
      try {
        await compile(entities, throwaway, true);
      } catch (err) {
        throw refusal(err);
      } finally {
        throwaway.dispose(); // connections a plugin opened for this trial build
      }
    },
    served(version) {
      current.version = version;
      current.builtAt = Date.now();
    },
    state: () => ({ ...current }),
    close: () => {
      shared.dispose();
    },
  };
}

/** Any build failure as ADMIN_CONFIG_REFUSED, with the failing entity as the field when it can be told. */
export function refusal(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ConfigError) {
    const fields: Record<string, string> = {};
    for (const e of err.errors) fields[e.path || '@entity'] = e.message;
    return new GatewayError('ADMIN_CONFIG_REFUSED', { detail: describe(err), fields });
  }
  const message = describe(err);
  // The router's and the plugins' factories name the entity they choke on: "route <id>: why".
  const m = /^(route|service|plugin|upstream|consumer) ([^\s:]+): (.*)$/s.exec(message);
  const groups: readonly (string | undefined)[] = m ?? [];
  const [, kind, id, why] = groups;
  const fields = kind !== undefined && id !== undefined && why !== undefined ? { [`${kind}s.${id}`]: why } : { '@entity': message };
  return new GatewayError('ADMIN_CONFIG_REFUSED', { detail: message, fields, cause: err });
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return err.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
  return err instanceof Error ? err.message : String(err);
}
