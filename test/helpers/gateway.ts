// Starts a real gateway server on 127.0.0.1 from a Kong declarative config object, for tests over sockets.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { BUNDLED_PLUGINS_DIR, loadPluginRegistry, type PluginRegistry } from '../../src/plugins/registry.ts';
import { compileDocument } from '../../src/config/load-config.ts';
import { PersistentState } from '../../src/config/persistent-state.ts';
import { startGateway as startGatewayServer, type Gateway } from '../../src/gateway/server.ts';
import { parseAllowedNetworks } from '../../src/plugins/jwt/jwks-address-policy.ts';
import type { ClientTimeouts } from '../../src/gateway/client-timeouts.ts';
import { parseKongHeaders } from '../../src/gateway/kong-headers.ts';

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

/** Test-only plugins (test/fixtures/plugins), e.g. Kong's ctx-checker, for `pluginDirs`. */
export const FIXTURE_PLUGINS_DIR = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

export interface TestGatewayOptions {
  trustedProxies?: string[];
  identityHeaders?: string[];
  maxHeaderSize?: number;
  clientTimeouts?: Partial<ClientTimeouts>;
  tls?: { cert: string; key: string };
  /** Plugin folders beside the bundled ones (FIXTURE_PLUGINS_DIR). */
  pluginDirs?: string[];
  /** Networks JWKS fetches may reach (test JWKS servers listen on 127.0.0.1). */
  jwksAllowPrivate?: string[];
  /** Kong's `headers` and `headers_upstream` settings, as `--headers` / `--headers-upstream` take them. */
  headers?: string;
  headersUpstream?: string;
}

export async function startGateway(config: object, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const registry = options.pluginDirs ? await loadPluginRegistry([BUNDLED_PLUGINS_DIR, ...options.pluginDirs]) : await plugins();
  const state = new PersistentState();
  // JWKS servers in tests listen on 127.0.0.1, which the gateway refuses unless a test opts in.
  const compileOptions = { allowedPrivateNetworks: options.jwksAllowPrivate ? parseAllowedNetworks(options.jwksAllowPrivate) : undefined };
  const compiled = await compileDocument(config, registry, state, compileOptions);
  const gateway = await startGatewayServer(compiled, {
    listen: options.tls
      ? [
          { host: '127.0.0.1', port: 0 },
          { host: '127.0.0.1', port: 0, tls: options.tls },
        ]
      : [{ host: '127.0.0.1', port: 0 }],
    trustedProxies: options.trustedProxies,
    identityHeaders: options.identityHeaders,
    maxHeaderSize: options.maxHeaderSize,
    clientTimeouts: options.clientTimeouts,
    kongHeaders: parseKongHeaders(options.headers, options.headersUpstream),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const port = gateway.addresses()[0]!.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tlsPort: options.tls ? gateway.addresses()[1]!.port : undefined,
    gateway,
    reload: async (next) => gateway.swap(await compileDocument(next, registry, state, compileOptions)),
    close: () => gateway.close(200),
  };
}
