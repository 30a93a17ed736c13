// Keep-alive connection pools, one per upstream origin and connect timeout, shared across config swaps.
import { Pool } from 'undici';
import type { CompiledService, UpstreamTarget } from '../../config/compiled.ts';

export interface PoolOptions {
  /** Max sockets per origin. */
  connections: number;
  keepAliveTimeout: number;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly options: PoolOptions;
  /** Each compiled service's pools by target object: a request finds its pool without building a key string. */
  private byService = new WeakMap<CompiledService, Map<UpstreamTarget, Pool>>();

  constructor(options: Partial<PoolOptions> = {}) {
    this.options = { connections: 512, keepAliveTimeout: 60_000, ...options };
  }

  get(protocol: string, host: string, port: number, connectTimeout: number): Pool {
    const key = `${protocol}://${host}:${port}|${connectTimeout}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const h = host.includes(':') ? `[${host}]` : host;
      pool = new Pool(`${protocol}://${h}:${port}`, {
        connections: this.options.connections,
        pipelining: 1,
        keepAliveTimeout: this.options.keepAliveTimeout,
        connect: { timeout: connectTimeout },
        // The gateway enforces its own header limits on the client side; upstream headers may be larger.
        maxHeaderSize: 64 * 1024,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** The pool for one of `service`'s targets (the same pool `get` answers for its origin and connect timeout). */
  forTarget(service: CompiledService, target: UpstreamTarget): Pool {
    let byTarget = this.byService.get(service);
    if (byTarget === undefined) {
      byTarget = new Map();
      this.byService.set(service, byTarget);
    }
    let pool = byTarget.get(target);
    if (pool === undefined) {
      pool = this.get(service.protocol, target.host, target.port, service.connectTimeout);
      byTarget.set(target, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    this.byService = new WeakMap();
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy()));
  }
}
