// request-transformer config: Kong 3.x's fields and defaults (kong/plugins/request-transformer/schema.lua),
// and the checks that need more than the schema: templates, and headers a transformer must not write.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FORWARDING, HOP_BY_HOP, SPOOFABLE } from '../../gateway/hop-by-hop.ts';
import { IDENTITY_HEADERS } from '../../gateway/identity-headers.ts';
import { compileTemplate } from './template.ts';
import { splitPair } from '../name-value-pair.ts';

/** Kong's validate_header_name. */
const HEADER_NAME = '[A-Za-z0-9_-]+';

const list = <T extends TSchema>(items: T, description: string) => Type.Array(items, { default: [], description });
const names = Type.String({ minLength: 1 });
const headerNames = Type.String({ pattern: `^${HEADER_NAME}$` });
const pairs = Type.String({ pattern: '^[^:]+:.*$' });
const headerPairs = Type.String({ pattern: `^${HEADER_NAME}:.*$` });
const headerRenames = Type.String({ pattern: `^${HEADER_NAME}:+${HEADER_NAME}$` });

const TEMPLATES =
  " Values may be templates: `$(headers.<name>)`, `$(query_params.<name>)`, `$(uri_captures.<name>)`, `$(shared.<name>)`, optionally `or '<default>'`.";

/** One `add`/`append`/`replace` record: `name:value` entries for the body, the headers and the query string. */
const BUFFERED = ' Routes with body steps read the body into memory, up to the request-size limit (at most 8 MiB; 413 beyond).';

function valueRecord(verb: string, what: string, bodies = 'a JSON, form or multipart body') {
  return {
    body: list(pairs, `\`name:value\` pairs: ${what} these fields of ${bodies}.${TEMPLATES}${BUFFERED}`),
    headers: list(headerPairs, `\`name:value\` pairs: ${what} these headers.${TEMPLATES}`),
    querystring: list(pairs, `\`name:value\` pairs: ${what} these query parameters.${TEMPLATES}`),
    description: `Fields, headers and query parameters to ${verb}.`,
  };
}

function record<E extends Record<string, TSchema>>(fields: ReturnType<typeof valueRecord>, extra: E) {
  const { description, ...props } = fields;
  return Type.Object({ ...props, ...extra }, { default: {}, description, additionalProperties: false });
}

export const RequestTransformerConfigSchema = Type.Object(
  {
    http_method: Type.Union([Type.String({ pattern: '^[A-Z]+$' }), Type.Null()], {
      default: null,
      description: "Method the upstream receives (upper-case letters). Changing to GET, HEAD or TRACE moves a form body's fields into the query string too.",
    }),
    remove: Type.Object(
      {
        body: list(names, `Body fields (JSON, form, multipart) to remove.${BUFFERED}`),
        headers: list(headerNames, 'Headers to remove.'),
        querystring: list(names, 'Query parameters to remove.'),
      },
      { default: {}, description: 'Fields, headers and query parameters to remove (first of the five steps).', additionalProperties: false },
    ),
    rename: Type.Object(
      {
        body: list(pairs, '`old:new` pairs: body fields to rename when present.'),
        headers: list(headerRenames, '`old:new` pairs: headers to rename when present.'),
        querystring: list(pairs, '`old:new` pairs: query parameters to rename when present.'),
      },
      { default: {}, description: 'Fields, headers and query parameters to rename (second step).', additionalProperties: false },
    ),
    replace: record(valueRecord('replace (third step)', 'replace the values of, when present,'), {
      uri: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
        default: null,
        description: `Path the upstream receives instead of the one built from the service and route (may be a template).${TEMPLATES}`,
      }),
    }),
    add: record(valueRecord('add (fourth step)', 'add, when absent,'), {}),
    append: record(
      valueRecord('append (last step)', 'add a value to (after any existing one)', 'a JSON or form body (multipart bodies are left as they are, as in Kong)'),
      {},
    ),
  },
  { additionalProperties: false },
);

export type RequestTransformerConfig = Static<typeof RequestTransformerConfigSchema>;

/** Headers whose value is the gateway's alone: framing, and what identifies the consumer to the upstream. */
const FRAMING = new Set([...HOP_BY_HOP, 'content-length']);
/** Claims the gateway strips from clients (identity, forwarding, spoofable): no client value may be turned into one. */
const IDENTITY = new Set([...IDENTITY_HEADERS, ...FORWARDING, ...SPOOFABLE]);
/** CGI-style upstreams read `_` as `-`: `x_consumer_id` is `x-consumer-id` to them. */
const normal = (name: string) => name.toLowerCase().replace(/_/g, '-');

export function validateRequestTransformer(config: RequestTransformerConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  const at = (path: string, i: number) => `config.${path}[${i}]`;
  const framing = (path: string, i: number, name: string) => {
    if (FRAMING.has(name.toLowerCase()))
      errors[at(path, i)] = `header '${name}' frames the message and is set by the gateway alone; a transformer may not touch it`;
  };
  config.remove.headers.forEach((name, i) => {
    framing('remove.headers', i, name);
  });
  config.rename.headers.forEach((entry, i) => {
    const [from, to] = splitPair(entry);
    framing('rename.headers', i, from);
    framing('rename.headers', i, to);
    if (IDENTITY.has(normal(to)))
      errors[at('rename.headers', i)] =
        `renaming '${from}' to '${to}' would let a client set an identity or forwarding header the gateway strips from clients; add it with a fixed value instead`;
  });
  for (const verb of ['replace', 'add', 'append'] as const) {
    for (const part of ['body', 'headers', 'querystring'] as const) {
      config[verb][part].forEach((entry, i) => {
        const [name, value] = splitPair(entry);
        const path = `${verb}.${part}`;
        if (value === '') {
          errors[at(path, i)] = `key '${name}' has no value`;
          return;
        }
        let template;
        try {
          template = compileTemplate(value);
        } catch (err) {
          errors[at(path, i)] = (err as Error).message;
          return;
        }
        if (part !== 'headers') return;
        framing(path, i, name);
        const fromClient = template.sources.has('headers') || template.sources.has('query_params') || template.sources.has('uri_captures');
        if (IDENTITY.has(normal(name)) && fromClient)
          errors[at(path, i)] =
            `a value read from the request would let a client set '${name}', an identity or forwarding header the gateway strips from clients`;
      });
    }
  }
  for (const part of ['body', 'querystring'] as const) {
    config.rename[part].forEach((entry, i) => {
      const [from, to] = splitPair(entry);
      if (to === '') errors[at(`rename.${part}`, i)] = `key '${from}' has no value`;
      else if (to.includes('$(')) errors[at(`rename.${part}`, i)] = `templates in rename targets are not supported by this gateway ('${to}')`;
    });
  }
  if (config.replace.uri !== null) {
    try {
      compileTemplate(config.replace.uri);
    } catch (err) {
      errors['config.replace.uri'] = (err as Error).message;
    }
  }
  return errors;
}
