// The frozen, precomputed form of a configuration: what the request path reads and nothing else.
import type { Router, RouterRoute } from '../gateway/router/types.ts';
import type { ConsumerDirectory, ConsumerRecord } from './consumer-directory.ts';
import type { PluginHandler } from '../plugins/contract.ts';
import type { Balancer } from '../gateway/balancer/weighted-round-robin.ts';

export interface UpstreamTarget {
  host: string;
  port: number;
  weight: number;
  /** Host header for this target when the route does not preserve the client's (Kong: the target's host). */
  hostHeader: string;
}

export interface CompiledService {
  id: string;
  name: string | undefined;
  /** How to connect: a `ws` service connects as `http`, a `wss` one as `https` (TLS, verified). */
  protocol: 'http' | 'https';
  /** Hostname or upstream name as configured. */
  host: string;
  port: number;
  path: string | null;
  retries: number;
  connectTimeout: number;
  readTimeout: number;
  writeTimeout: number;
  /** Picks among the upstream's targets, or the one host:port. */
  balancer: Balancer;
}

/** A plugin entity made ready to run. */
export interface PluginRuntime {
  id: string;
  name: string;
  priority: number;
  handler: PluginHandler;
}

export interface CompiledConfig {
  router: Router;
  consumers: ConsumerDirectory;
  /** Enabled global plugins, priority order: the only ones whose rewrite phase runs. */
  globalPlugins: readonly PluginRuntime[];
  serviceFor(route: RouterRoute): CompiledService | null;
  /** Plugins for a request, most specific scope first per plugin name, sorted by priority (desc). */
  pluginsFor(route: RouterRoute, consumer: ConsumerRecord | null): readonly PluginRuntime[];
}
