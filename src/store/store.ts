// The store contract: what the admin API, the control plane and the CLI rely on, whichever driver is below
// (embedded PGlite, PostgreSQL) or none (DB-less: a read-only view over the loaded file). Records are in the
// admin API's shape (Kong's): foreign keys as `{ "id": … }`, defaults filled, secrets absent.
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { Kind } from '../schema/entity-catalogue.ts';
import type { SqlClient } from './sql-client.ts';

/** An entity as the admin API shows it: Kong field names, foreign keys as `{ id }` or null, no secret fields. */
export type EntityRecord = Record<string, unknown> & { id: string };

/**
 * An entity as written: like EntityRecord but secret fields (schema `x-secret`) present in plaintext; the
 * store encrypts or hashes them before they reach SQL. Validation, defaults and id generation happen above
 * the store (same code as the declarative loader); the store enforces uniqueness and foreign keys.
 */
export type EntityInput = Record<string, unknown> & { id: string };

export interface ListOptions {
  /** Page size, 1..1000 (the admin layer applies Kong's default of 100). */
  size: number;
  /** Opaque cursor from the previous page's `offset`. */
  offset?: string;
  /** Kong's `?tags=a,b` (all) and `?tags=a/b` (any). */
  tags?: { values: readonly string[]; match: 'all' | 'any' };
  /** Only children of one parent, e.g. `{ field: 'service', id }` for `/services/{id}/routes`. */
  parent?: { field: string; id: string };
}

export interface Page {
  data: EntityRecord[];
  /** Cursor of the next page; null on the last. */
  offset: string | null;
}

export interface Actor {
  /** Admin token id (or `system` for seeding, `cli` for local commands). */
  id: string;
  name: string;
  role: AdminRole;
}

export type AdminRole = 'read-only' | 'admin';

export type WriteOp =
  | { op: 'insert'; kind: Kind; record: EntityInput }
  /** Insert or replace by id (PUT). Fields absent from `record` are reset (PUT semantics); created_at is kept. */
  | { op: 'upsert'; kind: Kind; record: EntityInput }
  /**
   * Replace an existing entity by id with the full new record (PATCH merges above the store). A secret field
   * absent from `record` keeps its stored value.
   */
  | { op: 'update'; kind: Kind; record: EntityInput }
  /** Delete by id; children cascade or refuse as their definitions say (schema/entity-catalogue.ts). Deleting a missing id is not an error. */
  | { op: 'delete'; kind: Kind; id: string };

export interface WriteOptions {
  actor: Actor;
  requestId?: string;
  /**
   * Runs inside the transaction with the whole configuration as it would be after the write (secrets
   * decrypted); throw (a GatewayError) to refuse the write and leave the store unchanged. The admin API
   * passes a full compile here so a config the gateway cannot build never commits.
   */
  check?: (entities: ConfigEntities) => void | Promise<void>;
}

export interface WriteResult {
  /** Config version after the commit (monotonic, cluster-wide). */
  version: number;
  /** After-image of each op in order (null for a delete). */
  records: (EntityRecord | null)[];
}

export interface Snapshot {
  version: number;
  /** Secrets decrypted (jwt secrets, plugin passwords); API keys as `key_hash` only. */
  entities: ConfigEntities;
}

export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  actor: { id: string; name: string };
  request_id: string | null;
  action: 'create' | 'update' | 'delete' | 'replace-config' | 'token-create' | 'token-delete' | 'rekey';
  kind: Kind | 'config' | 'admin_tokens' | 'secrets';
  entity_id: string | null;
  /** Admin-shaped records with secret fields replaced by "[REDACTED]". */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AdminTokenRecord {
  id: string;
  name: string;
  role: AdminRole;
  created_at: number;
  last_used_at: number | null;
}

/** What every mode offers: reads. DB-less mode implements only this (over the loaded file). */
export interface ReadableStore {
  readonly mode: 'database' | 'db-less';
  /** By id, or by the kind's endpoint key (name, username, …); within `parent` when given. */
  get(kind: Kind, idOrKey: string, parent?: { field: string; id: string }): Promise<EntityRecord | undefined>;
  list(kind: Kind, options: ListOptions): Promise<Page>;
  snapshot(): Promise<Snapshot>;
}

/** Whether `store` takes writes: the database store does; DB-less mode's file store only reads. */
export function isWritableStore(store: ReadableStore): store is Store {
  return store.mode === 'database' && 'write' in store && typeof store.write === 'function';
}

export interface Store extends ReadableStore {
  readonly mode: 'database';
  readonly driver: 'pglite' | 'postgres';
  /** The connection underneath, for features that keep their own tables (cluster rate-limit counters). */
  readonly sql: SqlClient;
  /** All ops in one transaction: all commit or none do; bumps the version, writes audit rows, notifies nodes. */
  write(ops: readonly WriteOp[], options: WriteOptions): Promise<WriteResult>;
  version(): Promise<number>;
  /** Calls `onChange` when another write commits anywhere in the cluster, and after a reconnect (catch-up). */
  watch(onChange: (version: number | null) => void): Promise<() => Promise<void>>;
  audit: {
    list(options: { size: number; offset?: string; kind?: string; entityId?: string }): Promise<{ data: AuditEntry[]; offset: string | null }>;
  };
  adminTokens: {
    /** Returns the plaintext token once; only its hash is stored. */
    create(name: string, role: AdminRole, actor: Actor): Promise<{ token: string; record: AdminTokenRecord }>;
    /** One indexed lookup by the token's SHA-256 (no secret compared in JavaScript); undefined when unknown. */
    verify(token: string): Promise<Actor | undefined>;
    list(): Promise<AdminTokenRecord[]>;
    delete(id: string, actor: Actor): Promise<boolean>;
    count(): Promise<number>;
  };
  /** Re-wraps every secret not under the active key; returns how many values were re-encrypted. */
  rekeySecrets(actor: Actor): Promise<number>;
  close(): Promise<void>;
}
