// Kong's form-encoded admin bodies: `config.minute=5` nests, `paths[]=/a` appends, `paths[1]=/a` places,
// a repeated key makes a list. Values arrive as strings; inferFormTypes then reads them the way the entity's
// schema types them (Kong's `infer_value`): numbers, booleans, single values as lists, '' as null.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GatewayError } from '../errors/gateway-error.ts';

/** Keys that would reach an object's prototype once merged: refused in every body. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Most fields one form may hold. Kong reads 100 and silently drops the rest; we refuse instead, well above
 * what an entity needs, so a body of many thousand tiny fields cannot cost a read-only caller's worth of CPU.
 */
export const MAX_FORM_FIELDS = 1000;

/**
 * Most segments one field name may nest (`a.b[1].c` is three). An entity's deepest field is a handful of
 * levels down; a name of 100k dots must not build (and then walk) 100k levels.
 */
export const MAX_FORM_DEPTH = 32;

type Slot = { index: number | null; node: FormNode };
/** `byIndex`: the first slot at each explicit position, so `a[i].b=…` finds its object in one lookup. */
type FormNode =
  { type: 'value'; value: string } | { type: 'object'; props: Map<string, FormNode> } | { type: 'list'; items: Slot[]; byIndex: Map<number, Slot> };

export function decodeForm(text: string): Record<string, unknown> {
  // `curl -d '{"key":"…"}'` sends JSON as a form: its text would become a field name, echoed as unknown
  if (/^\s*[[{]/.test(text)) throw malformed('the body is JSON: send it with Content-Type: application/json');
  const root: FormNode = { type: 'object', props: new Map() };
  let count = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    if (++count > MAX_FORM_FIELDS) throw malformed(`a form body may hold at most ${MAX_FORM_FIELDS} fields`);
    place(root, parseKey(key), value, key);
  }
  return finish(root) as Record<string, unknown>;
}

interface KeyPart {
  name: string;
  /** undefined: a plain name; null: `name[]` (append); a number: `name[3]`. */
  index?: number | null;
}

function parseKey(key: string): KeyPart[] {
  const parts: KeyPart[] = [];
  const segments = key.split('.', MAX_FORM_DEPTH + 1);
  if (segments.length > MAX_FORM_DEPTH) throw malformed(`a form field name may nest at most ${MAX_FORM_DEPTH} levels`);
  for (const segment of segments) {
    const match = /^([^[\]]+)(?:\[(\d*)\])?$/.exec(segment);
    const name = match?.at(1);
    if (match === null || name === undefined) throw malformed(`form field name '${key}' cannot be read (expected a.b, a[] or a[1])`);
    if (FORBIDDEN_KEYS.has(name)) throw malformed(`form field name '${key}' is not allowed`);
    const index = match.at(2);
    parts.push({ name, index: index === undefined ? undefined : index === '' ? null : Number(index) });
  }
  return parts;
}

function place(root: FormNode, parts: KeyPart[], value: string, key: string): void {
  let node = root;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (node.type !== 'object') throw malformed(`form field '${key}' conflicts with another field`);
    const existing = node.props.get(part.name);
    if (part.index === undefined) {
      if (last) {
        // a repeated plain key makes a list, as Kong combines them
        if (existing === undefined) node.props.set(part.name, { type: 'value', value });
        else if (existing.type === 'value')
          node.props.set(part.name, {
            type: 'list',
            items: [
              { index: null, node: existing },
              { index: null, node: { type: 'value', value } },
            ],
            byIndex: new Map(),
          });
        else if (existing.type === 'list') existing.items.push({ index: null, node: { type: 'value', value } });
        else throw malformed(`form field '${key}' conflicts with another field`);
        return;
      }
      if (existing === undefined) node.props.set(part.name, (node = { type: 'object', props: new Map() }));
      else node = existing;
      return;
    }
    let list = existing;
    if (list === undefined) node.props.set(part.name, (list = { type: 'list', items: [], byIndex: new Map() }));
    if (list.type !== 'list') throw malformed(`form field '${key}' conflicts with another field`);
    const index = part.index;
    if (last) {
      const slot: Slot = { index, node: { type: 'value', value } };
      list.items.push(slot);
      if (index !== null && !list.byIndex.has(index)) list.byIndex.set(index, slot);
      return;
    }
    // `sources[1].ip=…&sources[1].port=…` fill one object
    let slot = index === null ? undefined : list.byIndex.get(index);
    if (!slot) {
      list.items.push((slot = { index, node: { type: 'object', props: new Map() } }));
      if (index !== null) list.byIndex.set(index, slot);
    }
    node = slot.node;
  });
}

/** The tree as plain values, built without recursion (depth is bounded, but the walk need not trust that). */
function finish(root: FormNode): unknown {
  const out = new Map<FormNode, unknown>();
  // post-order: a node is built once every child is
  const stack: { node: FormNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { node } = top;
    if (node.type === 'value') {
      out.set(node, node.value);
      continue;
    }
    const children = node.type === 'object' ? [...node.props.values()] : orderedSlots(node.items).map((s) => s.node);
    if (!top.expanded) {
      stack.push({ node, expanded: true });
      for (const child of children) stack.push({ node: child, expanded: false });
      continue;
    }
    out.set(node, node.type === 'object' ? Object.fromEntries([...node.props].map(([k, v]) => [k, out.get(v)])) : children.map((c) => out.get(c)));
  }
  return out.get(root);
}

/** Explicit positions order a list whether they count from 0 or 1; appended items keep their order after. */
function orderedSlots(items: Slot[]): Slot[] {
  return items
    .map((s, i) => ({ s, i }))
    .sort((a, b) => (a.s.index ?? Infinity) - (b.s.index ?? Infinity) || a.i - b.i)
    .map(({ s }) => s);
}

function malformed(detail: string): GatewayError {
  return new GatewayError('ADMIN_MALFORMED_BODY', { detail, message: 'Cannot parse form body' });
}

/** Reads form strings as `schema` types them; values it cannot read stay strings for validation to report. */
export function inferFormTypes(schema: TSchema, value: unknown): unknown {
  if (value === '') return null;
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number':
      return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    case 'Boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'Literal':
      if (typeof value !== 'string') return value;
      if (typeof schema.const === 'number') return inferFormTypes({ [Kind]: 'Number' } as TSchema, value);
      if (typeof schema.const === 'boolean') return inferFormTypes({ [Kind]: 'Boolean' } as TSchema, value);
      return value;
    case 'Array': {
      const list = Array.isArray(value) ? value : [value];
      return list.map((item) => inferFormTypes(schema.items as TSchema, item));
    }
    case 'Object': {
      if (!isPlainObject(value)) return value;
      const props = schema.properties as Record<string, TSchema>;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
          const prop = Object.hasOwn(props, k) ? props[k] : undefined;
          return [k, prop === undefined ? v : inferFormTypes(prop, v)];
        }),
      );
    }
    case 'Record': {
      if (!isPlainObject(value)) return value;
      const inner = Object.values(schema.patternProperties as Record<string, TSchema>).at(0);
      if (inner === undefined) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inferFormTypes(inner, v)]));
    }
    case 'Union': {
      // the first variant the inferred value fits; otherwise the first non-null variant's reading
      const variants = (schema.anyOf as TSchema[]).filter((v) => v[Kind] !== 'Null');
      for (const variant of variants) {
        const candidate = inferFormTypes(variant, structuredClone(value));
        if (Value.Check(variant, candidate)) return candidate;
      }
      const first = variants.at(0);
      return first === undefined ? value : inferFormTypes(first, value);
    }
    default:
      return value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
