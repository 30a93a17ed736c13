// response-transformer on a JSON body, as Kong's body_transformer.lua: remove, rename, replace, add and
// append top-level fields, values typed by json_types. A body that is not a JSON object goes on untouched.
import { splitPair } from '../name-value-pair.ts';
import type { ResponseTransformerConfig } from './schema.ts';

type JsonType = 'string' | 'number' | 'boolean';

interface Value {
  name: string;
  /** undefined: nothing to write (an empty value, or a `number` that is not one), as Kong's nil. */
  value: string | number | boolean | undefined;
}

export interface JsonSteps {
  remove: string[];
  rename: [string, string][];
  replace: Value[];
  add: Value[];
  append: Value[];
}

export function compileJsonSteps(config: ResponseTransformerConfig): JsonSteps | null {
  const values = (step: 'replace' | 'add' | 'append'): Value[] =>
    config[step].json.map((entry, i) => {
      const [name, raw] = splitPair(entry);
      return { name, value: raw === '' ? undefined : cast(raw, config[step].json_types[i] ?? 'string') };
    });
  const steps: JsonSteps = {
    remove: [...config.remove.json],
    rename: config.rename.json.map(splitPair).filter(([, to]) => to !== ''),
    replace: values('replace'),
    add: values('add'),
    append: values('append'),
  };
  const any = steps.remove.length + config.rename.json.length + steps.replace.length + steps.add.length + steps.append.length;
  return any > 0 ? steps : null;
}

function cast(raw: string, type: JsonType): string | number | boolean | undefined {
  if (type === 'boolean') return raw === 'true';
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return raw;
}

/** The transformed body; the body itself when it is not a JSON object. */
export function transformJson(steps: JsonSteps, body: Buffer): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return body; // Kong: "body transform failed", the body goes on as it came
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return body;
  const o = json as Record<string, unknown>;
  // Lua truthiness: an absent field and `false` are "not there"; JSON null (cjson.null) is there.
  const truthy = (name: string) => Object.hasOwn(o, name) && o[name] !== false;
  for (const name of steps.remove) Reflect.deleteProperty(o, name);
  for (const [from, to] of steps.rename) {
    if (!Object.hasOwn(o, from)) continue;
    const value = o[from];
    o[to] = value;
    if (to !== from) Reflect.deleteProperty(o, from);
  }
  for (const { name, value } of steps.replace) if (value !== undefined && truthy(name)) o[name] = value;
  for (const { name, value } of steps.add) if (value !== undefined && !truthy(name)) o[name] = value;
  for (const { name, value } of steps.append) {
    if (value === undefined) continue;
    const old = o[name];
    if (typeof old === 'string') o[name] = [old, value];
    else if (Array.isArray(old)) {
      const items: readonly unknown[] = old;
      o[name] = [...items, value];
    } else o[name] = [value];
  }
  return Buffer.from(JSON.stringify(o));
}
