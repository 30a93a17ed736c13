// The diff engine, pure: the live entities and the wanted ones in, the changes a sync makes out. Entities
// match by id, else by natural key (names; consumer username/custom_id; upstream+target; consumer+group;
// plugin name+scope+instance_name; API key), parents first so children follow their matched parent's id.
import type { PluginRegistry } from '../../plugins/registry.ts';
import { ENTITIES, KINDS, rowsOf, storedHashOf, type ConfigEntities, type Kind } from '../../schema/entity-catalogue.ts';
import { declaredSecretFields } from '../../secrets/secret-fields.ts';
import { comparable, sameValue, toBody, type EntityBody, type Row } from './entity-records.ts';
import { entityLabel, KIND_LABEL } from './entity-labels.ts';
import { isObjectNode } from '../../schema/object-node.ts';

export interface DiffOptions {
  /** Which plugin config fields are secrets (never compared, never shown). */
  plugins: PluginRegistry;
  /** decK's `--select-tag`: only live entities carrying every tag are managed; wanted ones get the tags added. */
  selectTags?: readonly string[];
  /**
   * For each plaintext secret kept as a keyed hash (an API key) in the wanted entities: the id of the live
   * credential holding it, or null when none does (the server knows, by hashing; the CLI asks it). A key missing
   * here counts as changed.
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
    const liveRows = rowsOf(live, kind).filter((r) => tags.every((t) => Array.isArray(r.tags) && r.tags.includes(t)));
    const byId = new Map(liveRows.map((r) => [r.id, r]));
    const liveBodies = new Map<string, EntityBody>();
    const byNatural = new Map<string, Row>();
    for (const r of liveRows) {
      const liveBody = toBody(kind, r);
      liveBodies.set(r.id, liveBody);
      const key = naturalKey(kind, liveBody);
      if (key !== undefined && !byNatural.has(key)) byNatural.set(key, r);
    }
    // every live row has its body (built just above)
    const bodyOf = (id: string): EntityBody => {
      const liveBody = liveBodies.get(id);
      if (liveBody === undefined) throw new Error(`${kind} ${id}: a live row without a body`);
      return liveBody;
    };
    const matched = new Set<string>();
    const kindChanges: Change[] = [];

    for (const row of rowsOf(wanted, kind)) {
      const body = withTags(toBody(kind, row, mapId), tags);
      const free = (r: Row | undefined) => (r && !matched.has(r.id) ? r : undefined);
      const secret = keyedSecret(kind, body);
      const owner = secret === undefined ? undefined : options.keyOwners?.get(secret);
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
      const liveBody = bodyOf(match.id);
      const liveForm = comparable(kind, liveBody, options.plugins);
      const changedSecret = secretChanged(kind, body, liveBody, match.id, options.keyOwners);
      if (changedSecret !== undefined || !sameValue(wantedForm, liveForm)) {
        const before = display(kind, liveBody, liveForm);
        if (changedSecret !== undefined) after[changedSecret] = '[CHANGED]';
        const patch = keepingSecrets(kind, body, liveBody, options.plugins);
        kindChanges.push({ action: 'update', kind, kindLabel: KIND_LABEL[kind], id: match.id, label, body, ...(patch ? { patch } : {}), before, after });
      }
    }
    upserts.push(...kindChanges.sort(byLabel));

    const gone = liveRows
      .filter((r) => !matched.has(r.id))
      .map((r): Change => {
        const liveBody = bodyOf(r.id);
        const before = display(kind, liveBody, comparable(kind, liveBody, options.plugins));
        return { action: 'delete', kind, kindLabel: KIND_LABEL[kind], id: r.id, label: entityLabel(kind, r, live), before };
      });
    deletes.unshift(...gone.sort(byLabel));
  }
  return [...upserts, ...deletes];
}

/**
 * The first unique set of the kind (names; username, else custom_id; upstream+target; consumer+group; a
 * plugin's instance name, else its name and scope) whose own fields the body sets, on admin-shaped bodies
 * (references already mapped to server ids; an unset reference is a value). A hashed secret counts by its hash.
 */
function naturalKey(kind: Kind, body: EntityBody): string | undefined {
  const { unique, foreign, hashed } = ENTITIES[kind];
  const ref = (v: unknown) => (v !== null && typeof v === 'object' && 'id' in v && typeof v.id === 'string' ? v.id : '');
  for (const set of unique) {
    const values = set.map((field) => {
      if (Object.hasOwn(foreign, field)) return ref(body[field]);
      const value = body[hashed?.field === field ? hashed.stored : field];
      return typeof value === 'string' ? value : undefined;
    });
    if (values.every((v) => v !== undefined)) return JSON.stringify([set, values]);
  }
  return undefined;
}

/** The plaintext of a secret the kind keeps as a keyed hash (an API key), when the body carries it. */
function keyedSecret(kind: Kind, body: EntityBody): string | undefined {
  const hashed = ENTITIES[kind].hashed;
  const value = hashed?.scheme === 'keyed' ? body[hashed.field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The hashed secret's field when the wanted one differs from the live one: another hash; for a plaintext API
 * key, the server's own answer to "who holds this key"; a plaintext password always (only the server could
 * tell, by a slow hash). A credential naming neither keeps its secret.
 */
function secretChanged(
  kind: Kind,
  body: EntityBody,
  live: EntityBody,
  liveId: string,
  owners: ReadonlyMap<string, string | null> | undefined,
): string | undefined {
  const hashed = ENTITIES[kind].hashed;
  if (hashed === undefined) return undefined;
  const hash = storedHashOf(kind, body);
  if (hash !== undefined) return hash !== storedHashOf(kind, live) ? hashed.field : undefined;
  const plain = body[hashed.field];
  if (typeof plain !== 'string') return undefined;
  return hashed.scheme === 'password' || owners?.get(plain) !== liveId ? hashed.field : undefined;
}

/** The PATCH body for an update whose file leaves out a secret the server keeps; undefined when none is left out. */
function keepingSecrets(kind: Kind, body: EntityBody, live: EntityBody, plugins: PluginRegistry): EntityBody | undefined {
  const name = kind === 'plugins' && typeof body.name === 'string' ? body.name : undefined;
  // a body carrying a secret's hash gives that secret (a secret is kept by sending neither it nor its hash)
  const keptByHash = storedHashOf(kind, body) === undefined ? undefined : ENTITIES[kind].hashed?.field;
  const declared = declaredSecretFields(kind, name, plugins).filter((f) => !f.path.includes('*'));
  const missing = declared.filter((f) => valueAt(body, f.path) == null && f.path.join('.') !== keptByHash);
  if (missing.length === 0) return undefined;
  const patch = structuredClone(body);
  for (const f of missing) removeAt(patch, f.path);
  for (const key of Object.keys(live)) if (!(key in patch)) patch[key] = null;
  return patch;
}

function valueAt(node: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (isObjectNode(v) ? v[key] : undefined), node);
}

function removeAt(node: EntityBody, path: readonly string[]): void {
  const parent = valueAt(node, path.slice(0, -1));
  const last = path.at(-1);
  if (isObjectNode(parent) && last !== undefined) Reflect.deleteProperty(parent, last);
}

function withTags(body: EntityBody, tags: readonly string[]): EntityBody {
  if (tags.length === 0) return body;
  const have: readonly unknown[] = Array.isArray(body.tags) ? body.tags : [];
  return { ...body, tags: [...have, ...tags.filter((t) => !have.includes(t))] };
}

/** `form` (the body's comparable form) plus a hashed secret's stored hash (not a secret), for showing what changes. */
function display(kind: Kind, body: EntityBody, form: EntityBody): EntityBody {
  const stored = ENTITIES[kind].hashed?.stored;
  const hash = storedHashOf(kind, body);
  return stored !== undefined && hash !== undefined ? { ...form, [stored]: hash } : form;
}

/** By label, then id; a label that starts with its id (a key-auth credential's) goes by the rest first. */
function byLabel(a: Change, b: Change): number {
  const key = (c: Change) => `${c.label.startsWith(c.id) ? c.label.slice(c.id.length) : c.label}\u0000${c.id}`;
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
