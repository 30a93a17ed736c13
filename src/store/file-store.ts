// DB-less mode's store: a read-only view over the ConfigEntities loaded from a declarative file, with the
// database store's admin shapes, id order, pagination and tag filters, so the admin API reads alike.
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { KINDS, ENTITIES, foreignKeyOf, rowsOf, type ConfigEntities, type Kind } from '../schema/entity-catalogue.ts';
import type { RowView } from '../schema/entity-definition.ts';
import { checkPageSize, decodeOffset, encodeOffset, tagsMatch } from './pagination.ts';
import { publicRecord } from './records.ts';
import { toAdminRecord } from '../schema/entity-shapes.ts';
import { rowForeignField } from '../schema/entity-definition.ts';
import type { EntityRecord, ReadableStore } from './store.ts';
import { TABLES, isUuid } from './tables.ts';

export interface FileStoreOptions {
  /** Needed to keep plugin config secrets (e.g. a Redis password) out of reads; entity secrets are known without it. */
  plugins?: PluginRegistry;
  /** Lets a lookup by API key find key-auth rows the file gives as `key_hash` only. */
  codec?: SecretCodec;
  /** Version reported by snapshot() (bump it on each reload); 0 by default. */
  version?: number;
  /** Unix seconds stamped as created_at/updated_at on entities the file gives none (Kong does the same); now by default. */
  loadedAt?: number;
}

interface Entry {
  /** What reads return. */
  record: EntityRecord;
  /** The row as loaded (for key lookups and parent filters). */
  row: RowView;
}

export function createFileStore(entities: ConfigEntities, options: FileStoreOptions = {}): ReadableStore {
  const plugins = options.plugins ?? new Map();
  const loadedAt = options.loadedAt ?? Math.floor(Date.now() / 1000);
  const version = options.version ?? 0;
  const byKind = new Map<Kind, Entry[]>();
  for (const kind of KINDS) {
    const entries = rowsOf(entities, kind).map((row) => {
      const admin = toAdminRecord(kind, row);
      admin.id = admin.id.toLowerCase();
      admin.created_at ??= loadedAt;
      admin.updated_at ??= admin.created_at;
      return { row, record: publicRecord(kind, admin, plugins) };
    });
    // The database store's order: by id.
    entries.sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
    byKind.set(kind, entries);
  }

  const entriesOf = (kind: Kind): Entry[] => byKind.get(kind) ?? [];
  const inParent = (kind: Kind, entry: Entry, parent: { field: string; id: string } | undefined) => {
    if (!parent) return true;
    if (foreignKeyOf(kind, parent.field) === undefined) throw new Error(`${kind} has no parent field '${parent.field}'`);
    const id = entry.row[rowForeignField(parent.field)];
    return typeof id === 'string' && id.toLowerCase() === parent.id.toLowerCase();
  };

  return {
    mode: 'db-less',

    // Synchronous underneath; a failure still arrives as a rejection, as the database store's does.
    get: (kind, idOrKey, parent) =>
      new Promise((resolve) => {
        const entries = entriesOf(kind).filter((e) => inParent(kind, e, parent));
        const key = ENTITIES[kind].endpointKey;
        // a key kept as its keyed hash (a dumped file) matches the hashes of what the path names
        const keyed = TABLES[kind].keyedHash;
        let hashes: string[] | undefined;
        const hashed = (e: Entry) => {
          const hash = keyed === undefined || keyed.field !== key ? undefined : e.row[keyed.column];
          return typeof hash === 'string' && (hashes ??= options.codec?.apiKeyHashes(idOrKey) ?? []).includes(hash);
        };
        const found =
          (isUuid(idOrKey) ? entries.find((e) => e.record.id === idOrKey.toLowerCase()) : undefined) ??
          (key === undefined ? undefined : entries.find((e) => e.row[key] === idOrKey || hashed(e)));
        resolve(found && structuredClone(found.record));
      }),

    list: (kind, options) =>
      new Promise((resolve) => {
        checkPageSize(options.size);
        const after = decodeOffset(options.offset);
        const matching = entriesOf(kind).filter(
          (e) =>
            inParent(kind, e, options.parent) &&
            (options.tags === undefined || options.tags.values.length === 0 || tagsMatch(e.record.tags, options.tags)) &&
            (after === undefined || e.record.id > after),
        );
        const page = matching.slice(0, options.size);
        // a page cut short has a last entry: the next page starts after it
        const last = matching.length > options.size ? page.at(-1) : undefined;
        resolve({
          data: page.map((e) => structuredClone(e.record)),
          offset: last === undefined ? null : encodeOffset(last.record.id),
        });
      }),

    snapshot: () =>
      new Promise((resolve) => {
        resolve({ version, entities: structuredClone(entities) });
      }),
  };
}
