// The AdminContext the admin server runs over, for either mode: database mode reads and writes the store and
// verifies admin tokens there; DB-less mode serves a read-only view of the file, takes POST /config, and
// knows its tokens from the environment (or one generated at start and printed once).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AdminAuth, AdminContext, AuditReader } from '../admin/admin-route.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { generateAdminToken } from '../store/admin-tokens.ts';
import type { Actor, ReadableStore, Store } from '../store/store.ts';
import type { ConfigBuilder } from './config-builder.ts';
import type { DatabaseSync } from './database-sync.ts';
import type { FileConfig } from './file-config.ts';

export interface NodeIdentity {
  id: string;
  hostname: string;
  version: string;
  startedAt: number;
}

interface CommonOptions {
  plugins: PluginRegistry;
  builder: ConfigBuilder;
  logger: Logger;
  node: NodeIdentity;
}

export function databaseAdminContext(options: CommonOptions & { store: Store; sync: DatabaseSync }): AdminContext {
  const { store, sync, builder } = options;
  return {
    mode: 'database',
    store,
    plugins: options.plugins,
    auth: { verify: (token) => store.adminTokens.verify(token) },
    audit: store.audit,
    logger: options.logger,
    node: options.node,
    checkConfig: (entities) => builder.check(entities),
    applyLocally: (version, committed) => sync.catchUp(version, committed),
    configState: () => builder.state(),
  };
}

export function dbLessAdminContext(options: CommonOptions & { file: FileConfig; auth: AdminAuth; audit: AuditReader }): AdminContext {
  const { file, builder } = options;
  return {
    mode: 'db-less',
    // A getter: POST /config and SIGHUP swap the view, and routes must read the one served now.
    get store(): ReadableStore {
      return file.store();
    },
    plugins: options.plugins,
    auth: options.auth,
    audit: options.audit,
    logger: options.logger,
    node: options.node,
    checkConfig: (entities) => builder.check(entities),
    // Nothing to apply: DB-less has no store writes besides POST /config, which swaps synchronously.
    applyLocally: async () => {},
    replaceConfig: (document, actor) => file.replace(document, actor),
    configState: () => builder.state(),
  };
}

export interface EnvTokenAuth extends AdminAuth {
  /** Set when no admin token was configured and one was made up for this run: print it once. */
  generated?: string;
}

/**
 * DB-less tokens: `PORTCULLIS_ADMIN_TOKEN` (admin role) and `PORTCULLIS_ADMIN_READONLY_TOKEN` (read-only);
 * without an admin token one is generated for this process. Compared by SHA-256 digest in constant time.
 */
export function envTokenAuth(env: NodeJS.ProcessEnv): EnvTokenAuth {
  const digest = (token: string) => createHash('sha256').update(token).digest();
  const configured = env.PORTCULLIS_ADMIN_TOKEN?.trim() || undefined;
  const adminToken = configured ?? generateAdminToken();
  const generated = configured === undefined ? adminToken : undefined;
  const tokens: { digest: Buffer; actor: Actor }[] = [
    { digest: digest(adminToken), actor: { id: 'env-admin', name: configured ? 'PORTCULLIS_ADMIN_TOKEN' : 'generated admin token', role: 'admin' } },
  ];
  const readOnly = env.PORTCULLIS_ADMIN_READONLY_TOKEN?.trim() || undefined;
  if (readOnly) tokens.push({ digest: digest(readOnly), actor: { id: 'env-read-only', name: 'PORTCULLIS_ADMIN_READONLY_TOKEN', role: 'read-only' } });
  return {
    generated,
    verify(token) {
      const presented = digest(token);
      let found: Actor | undefined;
      // Every entry compared, so timing does not tell which (if any) matched.
      for (const t of tokens) if (timingSafeEqual(t.digest, presented) && !found) found = t.actor;
      return Promise.resolve(found);
    },
  };
}
