// The diff engine, pure: the live entities and the wanted ones in, the changes a sync makes out. Entities
// match by id, else by natural key (names; consumer username/custom_id; upstream+target; consumer+group;
// plugin name+scope+instance_name; API key), parents first so children follow their matched parent's id.
import type { PluginRegistry } from '../../plugins/registry.ts';
import { KINDS } from '../../schema/entity-catalogue.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import type { Kind } from '../../schema/entity-catalogue.ts';
import { declaredSecretFields } from '../../secrets/secret-fields.ts';
import { comparable, rowsOf, sameValue, toBody, type EntityBody, type Row } from './entity-records.ts';
import { entityLabel, KIND_LABEL } from './entity-labels.ts';

export interface DiffOptions {
  /** Which plugin config fields are secrets (never compared, never shown). */
  plugins: PluginRegistry;
  /** decK's `--select-tag`: only live entities carrying every tag are managed; wanted ones get the tags added. */
  selectTags?: readonly string[];
  /**
   * For each plaintext API key in the wanted entities: the id of the live credential holding it, or null when
   * none does (the server knows, by hashing; the CLI asks it). A key missing here counts as changed.
   */
  keyOwners?: ReadonlyMap<string, string | null>;
}

export interface Change {
  action: 'create' | 'update' | 'delete';
  kind: Kind;
  /** decK's name for the kind: `service`, `key-auth`, `acl-group`, … */
  kindLabel: string;
  /** The entity's id on the server (the live id when matched by natural key). */
  id: string;
  label: string;
  /** What a PUT sends (create, update): admin shape, references by server id, secrets as the file gave them. */
  body?: EntityBody;
  /**
   * Updates that must keep a stored secret the file leaves out (a dumped jwt credential, a plugin's redis
   * password): a PUT would replace (or regenerate) it, so these are sent as a PATCH of every field instead,
   * the left-out secrets omitted and the fields the file no longer has set to null.
   */
  patch?: EntityBody;
  /** Comparable forms (no secrets), for display: before = live (update, delete), after = wanted (create, update). */
  before?: EntityBody;
  after?: EntityBody;
}

/** Creates and updates parents first (KINDS), then deletes children first: the order a sync applies. */
export function diffEntities(live: ConfigEntities, wanted: ConfigEntities, options: DiffOptions): Change[] {
  const tags = options.selectTags ?? [];
  const idMap = new Map<string, string>(); // wanted id -> server id, per kind
  const mapId = (kind: Kind, id: string) => idMap.get(`${kind}:${id}`) ?? id;
  const upserts: Change[] = [];
  const deletes: Change[] = [];

  for (const kind of KINDS) {
    const liveRows = rowsOf(live, kind).filter((r) => tags.every((t) => (r.tags as string[] | undefined)?.includes(t)));
    const byId = new Map(liveRows.map((r) => [r.id, r]));
    const liveBodies = new Map(liveRows.map((r) => [r.id, toBody(kind, r)]));
    const byNatural = new Map<string, Row>();
    for (const r of liveRows) {
      const key = naturalKey(kind, liveBodies.get(r.id)!);
      if (key !== undefined && !byNatural.has(key)) byNatural.set(key, r);
    }
    const matched = new Set<string>();
    const kindChanges: Change[] = [];

    for (const row of rowsOf(wanted, kind)) {
      const body = withTags(toBody(kind, row, mapId), tags);
      const free = (r: Row | undefined) => (r && !matched.has(r.id) ? r : undefined);
      const owner = kind === 'keyauth_credentials' && typeof body.key === 'string' ? options.keyOwners?.get(body.key) : undefined;
      const natural = naturalKey(kind, body);
      const match = free(byId.get(row.id)) ?? free(owner ? byId.get(owner) : undefined) ?? free(natural === undefined ? undefined : byNatural.get(natural));
      const label = entityLabel(kind, row, wanted);
      const wantedForm = comparable(kind, body, options.plugins);
      const after = display(kind, body, wantedForm);
      if (!match) {
        kindChanges.push({ action: 'create', kind, kindLabel: KIND_LABEL[kind], id: row.id, label, body, after });
        continue;
      }
      matched.add(match.id);
      idMap.set(`${kind}:${row.id}`, match.id);
      const liveBody = liveBodies.get(match.id)!;
      const liveForm = comparable(kind, liveBody, options.plugins);
      const keyChanged = kind === 'keyauth_credentials' && apiKeyChanged(body, liveBody, match.id, options.keyOwners);
      if (keyChanged || !sameValue(wantedForm, liveForm)) {
        const before = display(kind, liveBody, liveForm);
        if (keyChanged) after.key = '[CHANGED]';
        const patch = keepingSecrets(kind, body, liveBody, options.plugins);
        kindChanges.push({ action: 'update', kind, kindLabel: KIND_LABEL[kind], id: match.id, label, body, ...(patch ? { patch } : {}), before, after });
      }
    }
    upserts.push(...kindChanges.sort(byLabel));

    const gone = liveRows.filter((r) => !matched.has(r.id)).map((r): Change => {
      const liveBody = liveBodies.get(r.id)!;
      const before = display(kind, liveBody, comparable(kind, liveBody, options.plugins));
      return { action: 'delete', kind, kindLabel: KIND_LABEL[kind], id: r.id, label: entityLabel(kind, r, live), before };
    });
    deletes.unshift(...gone.sort(byLabel));
  }
  return [...upserts, ...deletes];
}

/** Unique keys besides the id, on admin-shaped bodies (references already mapped to server ids). */
function naturalKey(kind: Kind, body: EntityBody): string | undefined {
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const ref = (v: unknown) => (v && typeof v === 'object' ? s((v as { id?: unknown }).id) ?? '' : '');
  switch (kind) {
    case 'services':
    case 'routes':
    case 'upstreams':
      return s(body.name);
    case 'consumers':
      return s(body.username) !== undefined ? `u:${s(body.username)}` : s(body.custom_id) !== undefined ? `c:${s(body.custom_id)}` : undefined;
    case 'targets':
      return `${ref(body.upstream)}|${String(body.target)}`;
    case 'acls':
      return `${ref(body.consumer)}|${String(body.group)}`;
    case 'jwt_secrets':
      return s(body.key);
    case 'keyauth_credentials':
      return s(body.key_hash);
    case 'plugins':
      return JSON.stringify([body.name, ref(body.service), ref(body.route), ref(body.consumer), s(body.instance_name) ?? '']);
  }
}

/**
 * Whether the wanted credential's API key differs from the live one's: same hash; or, for a plaintext key,
 * the server's own answer to "who holds this key". A credential naming neither keeps its key.
 */
function apiKeyChanged(body: EntityBody, live: EntityBody, liveId: string, owners: ReadonlyMap<string, string | null> | undefined): boolean {
  if (typeof body.key_hash === 'string') return body.key_hash !== live.key_hash;
  if (typeof body.key === 'string') return owners?.get(body.key) !== liveId;
  return false;
}

/** The PATCH body for an update whose file leaves out a secret the server keeps; undefined when none is left out. */
function keepingSecrets(kind: Kind, body: EntityBody, live: EntityBody, plugins: PluginRegistry): EntityBody | undefined {
  const name = kind === 'plugins' && typeof body.name === 'string' ? body.name : undefined;
  // a key-auth credential's key is kept by sending neither it nor its hash
  const declared = declaredSecretFields(kind, name, plugins).filter((f) => !f.path.includes('*'));
  const missing = declared.filter((f) => valueAt(body, f.path) == null && !(kind === 'keyauth_credentials' && typeof body.key_hash === 'string'));
  if (missing.length === 0) return undefined;
  const patch = structuredClone(body);
  for (const f of missing) removeAt(patch, f.path);
  for (const key of Object.keys(live)) if (!(key in patch)) patch[key] = null;
  return patch;
}

function valueAt(node: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as EntityBody)[key] : undefined), node);
}

function removeAt(node: EntityBody, path: readonly string[]): void {
  const parent = valueAt(node, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete (parent as EntityBody)[path[path.length - 1]];
}

function withTags(body: EntityBody, tags: readonly string[]): EntityBody {
  if (tags.length === 0) return body;
  const have = Array.isArray(body.tags) ? (body.tags as string[]) : [];
  return { ...body, tags: [...have, ...tags.filter((t) => !have.includes(t))] };
}

/** `form` (the body's comparable form) plus the stored API key hash (not a secret), for showing what changes. */
function display(kind: Kind, body: EntityBody, form: EntityBody): EntityBody {
  return kind === 'keyauth_credentials' && typeof body.key_hash === 'string' ? { ...form, key_hash: body.key_hash } : form;
}

/** By label, then id; a key-auth label starts with its id, so those go by consumer first. */
function byLabel(a: Change, b: Change): number {
  const key = (c: Change) => `${c.kind === 'keyauth_credentials' ? c.label.slice(c.id.length) : c.label}\u0000${c.id}`;
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export interface ChangeSummary {
  created: number;
  updated: number;
  deleted: number;
}

export function summarize(changes: readonly Change[]): ChangeSummary {
  return {
    created: changes.filter((c) => c.action === 'create').length,
    updated: changes.filter((c) => c.action === 'update').length,
    deleted: changes.filter((c) => c.action === 'delete').length,
  };
}
