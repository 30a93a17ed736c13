// ConfigEntities -> a Kong `_format_version: "3.0"` document nested the way decK dumps one (routes and plugins
// under services, targets under upstreams, credentials, acls and plugins under consumers), in a deterministic
// order, with ids (stable, so a round trip is exact) and defaults, without timestamps and without secrets.
import { stringify as stringifyYaml } from 'yaml';
import type { PluginRegistry } from '../../plugins/registry.ts';
import { declaredSecretFields, stripSecrets } from '../../secrets/secret-fields.ts';
import { ENTITIES, KINDS, kindOf, mapKinds, rowsOf, type ConfigEntities, type Kind } from '../../schema/entity-catalogue.ts';
import { rowForeignField, type RowView } from '../../schema/entity-definition.ts';
import { isMapping, isObjectNode } from '../../schema/object-node.ts';

export interface ExportOptions {
  /** Plugin config fields their schema marks `'x-secret'` are left out; required so none can slip through. */
  plugins: PluginRegistry;
  /** decK's `--select-tag`: only entities carrying every one of these tags; recorded as `_info.select_tags`. */
  selectTags?: readonly string[];
}

type Doc = Record<string, unknown>;

/** Each kind's foreign keys as `[field, parent kind]`. */
const FOREIGN: Readonly<Record<Kind, readonly (readonly [string, Kind])[]>> = mapKinds((definition) =>
  Object.entries(definition.foreign).map(([field, key]) => [field, kindOf(key.kind)] as const),
);

/** Row fields that are not Kong fields: references are written as nesting or as `service: <name>`. */
const ROW_ONLY: Readonly<Record<Kind, ReadonlySet<string>>> = mapKinds(
  (_, kind) => new Set([...FOREIGN[kind].map(([field]) => rowForeignField(field)), 'created_at', 'updated_at']),
);

export function exportDeclarative(entities: ConfigEntities, options: ExportOptions): Doc {
  const tags = options.selectTags ?? [];
  const picked = (row: RowView) => tags.every((t) => Array.isArray(row.tags) && row.tags.includes(t));
  const selected = mapKinds((_, kind) => rowsOf(entities, kind).filter(picked));
  const present = mapKinds((_, kind) => new Set(selected[kind].map((r) => r.id)));
  // references name their entity as decK writes them: by the endpoint key (name, username) when set, else by id
  const names = mapKinds((definition, kind) => {
    const key = definition.endpointKey;
    return new Map(rowsOf(entities, kind).map((r) => [r.id, key !== undefined && typeof r[key] === 'string' ? r[key] : r.id]));
  });
  const nameOf = (kind: Kind, id: string) => names[kind].get(id) ?? id;

  /** The one exported entity a row nests under: its only set reference, when that parent is exported too. */
  const nestParent = (kind: Kind, row: RowView): { kind: Kind; id: string } | undefined => {
    const set = FOREIGN[kind].filter(([field]) => typeof row[rowForeignField(field)] === 'string');
    const only = set.length === 1 ? set[0] : undefined;
    if (only === undefined) return undefined;
    const id = row[rowForeignField(only[0])];
    return typeof id === 'string' && present[only[1]].has(id) ? { kind: only[1], id } : undefined;
  };

  // children by parent, found once rather than by a search of the whole list per parent
  const children = new Map<string, Map<Kind, RowView[]>>();
  const topLevel = mapKinds((): RowView[] => []);
  for (const kind of KINDS) {
    for (const row of selected[kind]) {
      const parent = nestParent(kind, row);
      if (parent === undefined) {
        topLevel[kind].push(row);
        continue;
      }
      const key = `${parent.kind}:${parent.id}`;
      const byKind = children.get(key) ?? new Map<Kind, RowView[]>();
      byKind.set(kind, [...(byKind.get(kind) ?? []), row]);
      children.set(key, byKind);
    }
  }

  const render = (kind: Kind, row: RowView): Doc => {
    const out = fields(kind, row, options.plugins);
    for (const [childKind, list] of children.get(`${kind}:${row.id}`) ?? []) {
      out[childKind] = sorted(childKind, list).map((child) => render(childKind, child));
    }
    return out;
  };

  const doc: Doc = { _format_version: '3.0' };
  if (tags.length > 0) doc._info = { select_tags: [...tags] };
  for (const kind of KINDS) {
    const list = sorted(kind, topLevel[kind]).map((row) => {
      const out = render(kind, row);
      for (const [field, parent] of FOREIGN[kind]) {
        const id = row[rowForeignField(field)];
        if (typeof id === 'string') out[field] = nameOf(parent, id);
      }
      return out;
    });
    if (list.length > 0) doc[kind] = list;
  }
  return sortedDoc(doc);
}

/** The document as text: YAML (what decK writes) or JSON, both ending in a newline. */
export function serializeDeclarative(doc: Doc, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return stringifyYaml(doc, { lineWidth: 0 });
}

/** One entity's own Kong fields: no timestamps, no row-only references, secrets left out. */
function fields(kind: Kind, row: RowView, plugins: PluginRegistry): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(row)) if (value !== undefined && !ROW_ONLY[kind].has(key)) out[key] = value;
  // A secret kept only as a hash (an API key) is exported as its hash (`key_hash`), which loads back as such.
  const stripped = stripSecrets(kind, out, plugins);
  // An unset secret (null) is left out as well: whether a secret is set is the server's business, and a file
  // that loads back with the default null then exports the same bytes.
  const name = kind === 'plugins' && typeof out.name === 'string' ? out.name : undefined;
  for (const field of declaredSecretFields(kind, name, plugins)) dropNulls(stripped, field.path);
  return stripped;
}

function dropNulls(node: unknown, path: readonly string[]): void {
  const key = path.at(0);
  if (!isObjectNode(node) || key === undefined) return;
  const rest = path.slice(1);
  const children: readonly unknown[] = key === '*' ? (Array.isArray(node) ? node : []) : [node[key]];
  if (rest.length > 0) for (const child of children) dropNulls(child, rest);
  else if (key !== '*' && !Array.isArray(node) && node[key] === null) Reflect.deleteProperty(node, key);
}

/** Each kind by its human key, then id: the same entities always come out in the same order. */
function sorted(kind: Kind, rows: readonly RowView[]): RowView[] {
  const by = ENTITIES[kind].sortBy;
  const key = (r: RowView): string[] => [...by.map((field) => (typeof r[field] === 'string' ? r[field] : '')), r.id];
  return [...rows].sort((a, b) => compareKeys(key(a), key(b)));
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a.at(i) ?? '';
    const y = b.at(i) ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Keys in code-point order at every level (decK's dumps are alphabetical too); arrays keep their order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  return isMapping(value) ? sortedDoc(value) : value;
}

function sortedDoc(doc: Readonly<Doc>): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = sortKeys(doc[key]);
  return out;
}
