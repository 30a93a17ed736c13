// Keep-alive connection pools, one per upstream origin and connect timeout, shared across config swaps.
import { Pool } from 'undici';

export interface PoolOptions {
  /** Max sockets per origin. */
  connections: number;
  keepAliveTimeout: number;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly options: PoolOptions;

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

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy()));
  }
}
