// Which counter store a rate-limiting instance counts in, per `policy`: this node's memory (shared by its worker
// threads, or this process's alone), the shared Redis (one connection per distinct settings, kept across
// rebuilds), or the database of a database-mode cluster.
import { createHash } from 'node:crypto';
import type { PluginEnv } from '../contract.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { CounterStore } from './counter-store.ts';
import { ClusterCounterStore } from './cluster-counter-store.ts';
import { LocalCounterStore } from './local-counter-store.ts';
import { RedisCounterStore } from './redis-counter-store.ts';
import { SharedCounterStore } from './shared-counter-store.ts';
import type { RedisSettings } from './redis-clients.ts';
import type { RateLimitingConfig } from './schema.ts';

export function counterStoreFor(config: RateLimitingConfig, env: PluginEnv): CounterStore {
  switch (config.policy) {
    case 'redis': {
      const { host, port } = config.redis;
      if (host === null || port === null) throw new Error('rate-limiting: the redis policy without host and port passed validate()');
      const settings: RedisSettings = { ...config.redis, host, port };
      // Hashed: the key would otherwise hold the password. New settings, new store; the old one is disposed.
      const fingerprint = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
      return env.persistent(
        `redis-counters ${fingerprint}`,
        () => new RedisCounterStore(settings, env.instanceId),
        (store) => {
          store.close();
        },
      );
    }
    case 'cluster':
      if (env.sql === undefined) {
        throw new ConfigError([
          {
            path: `plugins.${env.instanceId}.config.policy`,
            message: "policy 'cluster' keeps counters in the database, and DB-less mode has none: use 'redis' to share counters between nodes, or 'local'",
          },
        ]);
      }
      return new ClusterCounterStore(env.sql, env.instanceId);
    case 'local':
    default:
      // Counters outlive config rebuilds: in the node's memory, which outlives every config and every worker
      // (instances keyed by id), or in this process's, kept across rebuilds.
      if (env.nodeMemory !== undefined) return new SharedCounterStore(env.nodeMemory, env.instanceId);
      return env.persistent('local-counters', () => new LocalCounterStore());
  }
}
