// response-transformer's phases: headerFilter rewrites headers (remove, rename, replace, add, append), and
// for JSON responses with JSON steps configured, bodyFilter rewrites the top-level fields.
import type { PluginHandler, ResponseHead } from '../contract.ts';
import { splitPair } from '../name-value-pair.ts';
import type { ResponseTransformerConfig } from './schema.ts';
import { compileJsonSteps, transformJson } from './json-body.ts';

export function createResponseTransformer(config: ResponseTransformerConfig): PluginHandler {
  const pairs = (list: string[]) => list.map(splitPair).map(([n, v]) => [n.toLowerCase(), v] as const);
  const remove = config.remove.headers.map((n) => n.toLowerCase());
  const rename = pairs(config.rename.headers);
  const replace = pairs(config.replace.headers).filter(([, v]) => v !== '');
  const add = pairs(config.add.headers).filter(([, v]) => v !== '');
  const append = pairs(config.append.headers).filter(([, v]) => v !== '');
  const json = compileJsonSteps(config);
  const transform = json === null ? undefined : (body: Buffer) => transformJson(json, body);

  return {
    headerFilter(_ctx, head) {
      // Partial: a header the response does not carry reads as undefined.
      const h: Partial<ResponseHead['headers']> = head.headers;
      for (const name of remove) Reflect.deleteProperty(h, name);
      for (const [from, to] of rename) {
        const value = h[from];
        if (value === undefined || from === to) continue;
        h[to] = value;
        Reflect.deleteProperty(h, from);
      }
      for (const [name, value] of replace) if (h[name] !== undefined) h[name] = value;
      for (const [name, value] of add) if (h[name] === undefined) h[name] = value;
      for (const [name, value] of append) {
        const old = h[name];
        h[name] = old === undefined ? value : Array.isArray(old) ? [...old, value] : [old, value];
      }
    },
    // The proxy buffers only what this asks for, and fixes Content-Length (Kong drops it and sends chunked).
    bodyFilter: transform === undefined ? undefined : (_ctx, head) => (isJson(head.headers) ? transform : undefined),
  };
}

/** Kong's is_json_body: one of the comma-separated Content-Type values is exactly application/json. */
function isJson(headers: Partial<ResponseHead['headers']>): boolean {
  const ct = headers['content-type'];
  if (ct === undefined) return false;
  return String(ct)
    .split(',')
    .some((part) => part.split(';')[0]?.trim().toLowerCase() === 'application/json');
}
