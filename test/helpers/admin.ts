// A real admin API for tests: a PGlite store in a temp folder with a real secret codec, an admin and a
// read-only token, the admin server on 127.0.0.1:0, and a real gateway each commit is compiled into, so a
// test can write through the admin API and then send traffic through the proxy.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AdminContext, AdminRoute } from '../../src/admin/admin-route.ts';
import { startAdminServer, type AdminServer } from '../../src/admin/server.ts';
import { entityRoutes } from '../../src/admin/routes/entities.ts';
import { compileConfig } from '../../src/config/compile.ts';
import type { ConfigEntities } from '../../src/schema/entity-catalogue.ts';
import { PersistentState } from '../../src/config/persistent-state.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { startGateway, type Gateway } from '../../src/gateway/server.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { emptyEntities } from '../../src/schema/entity-shapes.ts';
import type { PluginRegistry } from '../../src/plugins/registry.ts';
import { plugins } from './gateway.ts';
import type { JsonBody } from './json.ts';

export interface AdminResponse {
  status: number;
  headers: Headers;
  text: string;
  body: JsonBody;
}

export interface RequestOptions {
  /** Sent as JSON unless a string (sent as is, with `contentType`). */
  body?: unknown;
  contentType?: string;
  /** Defaults to the admin token; null sends none. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestAdmin {
  /** Admin API base URL. */
  url: string;
  /** Proxy base URL. */
  proxyUrl: string;
  store: Store;
  context: AdminContext;
  adminToken: string;
  readOnlyToken: string;
  server: AdminServer;
  gateway: Gateway;
  request(method: string, path: string, options?: RequestOptions): Promise<AdminResponse>;
  /** What the database holds now, for "a failed write changed nothing" assertions. */
  snapshotEntities(): Promise<ConfigEntities>;
  close(): Promise<void>;
}

/**
 * `databaseUrl`: run on that PostgreSQL database (see pg-database.ts) instead of PGlite in a temp folder.
 * `plugins`: another registry than the bundled plugins (a test's own plugin besides them).
 */
export async function startTestAdmin(
  options: { routes?: AdminRoute[]; maxBodyBytes?: number; databaseUrl?: string; plugins?: PluginRegistry } = {},
): Promise<TestAdmin> {
  const registry = options.plugins ?? (await plugins());
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const dataDir = options.databaseUrl === undefined ? await mkdtemp(join(tmpdir(), 'portcullis-admin-')) : undefined;
  const codec = createSecretCodec(keyringFromKeys([{ id: 'test', key: randomBytes(32) }]));
  const store = await openStore({ databaseUrl: options.databaseUrl, dataDir, codec, plugins: registry, logger });
  const system = { id: 'system', name: 'test setup', role: 'admin' as const };
  const { token: adminToken } = await store.adminTokens.create('test-admin', 'admin', system);
  const { token: readOnlyToken } = await store.adminTokens.create('test-reader', 'read-only', system);

  const state = new PersistentState();
  const gateway = await startGateway(await compileConfig(emptyEntities(), registry, state, logger, { codec }), {
    listen: [{ host: '127.0.0.1', port: 0 }],
    logger,
  });
  let served: number | null = null;
  let builtAt = Date.now();

  const context: AdminContext = {
    mode: 'database',
    store,
    plugins: registry,
    auth: { verify: (token) => store.adminTokens.verify(token) },
    audit: store.audit,
    logger,
    node: { id: 'test-node', hostname: 'localhost', version: '0.0.0-test', startedAt: Date.now() },
    async checkConfig(entities) {
      try {
        // a state of its own: a refused config must not prune the live plugins' counters
        await compileConfig(entities, registry, new PersistentState(), logger, { codec, sql: store.sql, trial: true });
      } catch (err) {
        throw new GatewayError('ADMIN_CONFIG_REFUSED', { detail: (err as Error).message });
      }
    },
    async applyLocally(version) {
      if (served !== null && version <= served) return;
      const snapshot = await store.snapshot();
      gateway.swap(await compileConfig(snapshot.entities, registry, state, logger, { codec, sql: store.sql }));
      served = snapshot.version;
      builtAt = Date.now();
    },
    configState: () => ({ version: served, builtAt, lastError: null }),
  };

  const routes = options.routes ?? entityRoutes;
  const server = await startAdminServer({ listen: { host: '127.0.0.1', port: 0 }, context, routes, maxBodyBytes: options.maxBodyBytes });
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    proxyUrl: `http://127.0.0.1:${gateway.addresses()[0]!.port}`,
    store,
    context,
    adminToken,
    readOnlyToken,
    server,
    gateway,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? adminToken : opts.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] = opts.contentType ?? (typeof opts.body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json');
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    },
    snapshotEntities: async () => (await store.snapshot()).entities,
    async close() {
      await server.close();
      await gateway.close(100);
      await store.close();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts an admin refusal: status, problem+json, catalogue code; returns the body for more checks. */
export function expectProblem(res: AdminResponse, status: number, code: string, label = ''): JsonBody {
  const at = label === '' ? '' : `${label}: `;
  if (res.status !== status || res.body?.code !== code) {
    throw new Error(`${at}expected ${status} ${code}, got ${res.status}: ${res.text}`);
  }
  if (res.headers.get('content-type') !== 'application/problem+json') throw new Error(`${at}content-type ${res.headers.get('content-type')}`);
  return res.body;
}
