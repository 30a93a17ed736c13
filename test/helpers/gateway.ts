// Starts a real gateway server on 127.0.0.1 from a Kong declarative config object, for tests over sockets.
import { pino } from 'pino';
import { loadPluginRegistry, type PluginRegistry } from '../../src/plugins/registry.ts';
import { compileDocument } from '../../src/config/load-config.ts';
import { PersistentState } from '../../src/config/persistent-state.ts';
import { startGateway as startGatewayServer, type Gateway } from '../../src/gateway/server.ts';
import type { ClientTimeouts } from '../../src/gateway/client-timeouts.ts';

let registry: Promise<PluginRegistry> | undefined;
export function plugins(): Promise<PluginRegistry> {
  return (registry ??= loadPluginRegistry());
}

export interface TestGateway {
  url: string;
  port: number;
  /** HTTPS listener port when started with `tls`. */
  tlsPort?: number;
  gateway: Gateway;
  /** Compile and swap in a new config, as a hot reload would. */
  reload(config: object): Promise<void>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  trustedProxies?: string[];
  maxHeaderSize?: number;
  clientTimeouts?: Partial<ClientTimeouts>;
  tls?: { cert: string; key: string };
}

export async function startGateway(config: object, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const registry = await plugins();
  const state = new PersistentState();
  const compiled = compileDocument(config, registry, state);
  const gateway = await startGatewayServer(compiled, {
    listen: options.tls ? [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: options.tls }] : [{ host: '127.0.0.1', port: 0 }],
    trustedProxies: options.trustedProxies,
    maxHeaderSize: options.maxHeaderSize,
    clientTimeouts: options.clientTimeouts,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const port = gateway.addresses()[0].port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tlsPort: options.tls ? gateway.addresses()[1].port : undefined,
    gateway,
    reload: async (next) => gateway.swap(compileDocument(next, registry, state)),
    close: () => gateway.close(200),
  };
}
