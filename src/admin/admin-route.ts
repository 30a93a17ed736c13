// The admin API's building block: a route is a method, a path pattern and a handler over AdminContext.
// server.ts owns HTTP (auth, body parsing, errors); files under routes/ export arrays of AdminRoute.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { Actor, AdminRole, AuditEntry, ReadableStore, Store } from '../store/store.ts';
import type { BodyType } from './read-body.ts';
import type { WorkerInfo } from '../workers/supervisor.ts';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  method: AdminMethod;
  /** Path without the query, percent-decoded per segment. */
  path: string;
  /** Named segments of the pattern (`/services/:service/routes` -> `{ service }`). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON (or form-encoded, as Kong accepts) body; undefined when there is none. */
  body: unknown;
  /** How the body came encoded: form values are strings until read by the entity's schema (requestBody). */
  bodyType: BodyType | undefined;
  actor: Actor;
  requestId: string;
  raw: IncomingMessage;
}

export interface AdminResponse {
  status: number;
  /** Serialised as JSON; omitted for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Who may call with a token: admin tokens in database mode, configured ones in DB-less mode. */
export interface AdminAuth {
  verify(token: string): Promise<Actor | undefined>;
}

/** In DB-less mode changes are not in a database; this keeps the audit trail for `/audit` anyway. */
export interface AuditReader {
  list(options: { size: number; offset?: string; kind?: string; entityId?: string }): Promise<{ data: AuditEntry[]; offset: string | null }>;
}

export interface AdminContext {
  mode: 'database' | 'db-less';
  /** Database mode: the full store. DB-less: a read-only view over the file currently served. */
  store: ReadableStore | Store;
  plugins: PluginRegistry;
  auth: AdminAuth;
  audit: AuditReader;
  logger: Logger;
  node: { id: string; hostname: string; version: string; startedAt: number };
  /** Rejects with a GatewayError (ADMIN_CONFIG_REFUSED, with fields) when the gateway could not build `entities`. */
  checkConfig(entities: ConfigEntities): Promise<void>;
  /**
   * Database mode: after a commit, rebuild this node's config now (others follow by notification).
   * `committed`: the entities checked inside that write's transaction, which are the store at `version`.
   */
  applyLocally(version: number, committed?: ConfigEntities): Promise<void>;
  /** DB-less mode: validate, compile and swap a whole declarative document (POST /config); returns entities served. */
  replaceConfig?(document: Record<string, unknown>, actor: Actor): Promise<ConfigEntities>;
  /** Version and build state of the config this node serves, for /status. */
  configState(): { version: number | null; builtAt: number; lastError: string | null };
  /** Open connections on this node's proxy listeners, for /status (set once the proxy listens). */
  proxyConnections?(): Promise<number>;
  /** The proxy's worker threads (`--workers N`), for /status; absent when the node serves from one thread. */
  workers?(): Promise<WorkerInfo[]>;
}

export interface AdminRoute {
  method: AdminMethod;
  /** `/services/:service/routes`; `:name` matches one path segment. */
  pattern: string;
  /** True when the route changes state: refused for read-only tokens (403) and, but for POST /config, in DB-less mode (405). */
  write: boolean;
  handle(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse>;
  /** One line for docs/admin-api.md (`npm run docs`). */
  summary?: string;
  /** Documents a role the handler demands beyond what `write` implies (reading /admin-tokens needs admin). */
  role?: AdminRole;
  /** Documents the modes the handler serves when not what `write` implies (POST /config: DB-less only). */
  modes?: readonly ('database' | 'db-less')[];
}
