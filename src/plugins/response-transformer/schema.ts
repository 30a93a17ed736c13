// response-transformer config: Kong 3.x's fields and defaults (kong/plugins/response-transformer/schema.lua),
// and the checks that keep a configured header writable (Node refuses invalid names and values mid-response).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { HOP_BY_HOP } from '../../gateway/hop-by-hop.ts';
import { splitPair } from '../name-value-pair.ts';

const HEADER_NAME = '[A-Za-z0-9_-]+';
const list = <T extends TSchema>(items: T, description: string) => Type.Array(items, { default: [], description });
const names = Type.String({ minLength: 1 });
const pairs = Type.String({ pattern: '^[^:]+:.*$' });
const headerRenames = Type.String({ pattern: `^${HEADER_NAME}:+${HEADER_NAME}$` });

const JsonType = Type.Union([Type.Literal('boolean'), Type.Literal('number'), Type.Literal('string')]);

function valueRecord(step: string, what: string) {
  return Type.Object(
    {
      json: list(pairs, `\`name:value\` pairs: ${what} these top-level fields of a JSON response body.`),
      json_types: list(
        JsonType,
        'Type of each `json` value, by position: `string` (the default for a missing entry), `number` or `boolean` (`true` is true, anything else false). A `number` value that is not a number is skipped.',
      ),
      headers: list(pairs, `\`name:value\` pairs: ${what} these response headers.`),
    },
    { default: {}, additionalProperties: false, description: `Response headers and JSON fields to ${step}.` },
  );
}

export const ResponseTransformerConfigSchema = Type.Object(
  {
    remove: Type.Object(
      {
        json: list(names, 'Top-level fields to remove from a JSON response body.'),
        headers: list(names, 'Response headers to remove.'),
      },
      { default: {}, additionalProperties: false, description: 'Response headers and JSON fields to remove (first of the five steps).' },
    ),
    rename: Type.Object(
      {
        json: list(pairs, '`old:new` pairs: top-level JSON fields to rename when present.'),
        headers: list(headerRenames, '`old:new` pairs: response headers to rename when present.'),
      },
      { default: {}, additionalProperties: false, description: 'Response headers and JSON fields to rename (second step).' },
    ),
    replace: valueRecord('replace (third step)', 'replace the values of, when present,'),
    add: valueRecord('add (fourth step)', 'add, when absent,'),
    append: valueRecord('append (last step)', 'add a value to (a JSON field becomes a list)'),
  },
  { additionalProperties: false },
);

export type ResponseTransformerConfig = Static<typeof ResponseTransformerConfigSchema>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const FRAMING = new Set([...HOP_BY_HOP, 'content-length']);

export function validateResponseTransformer(config: ResponseTransformerConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  const header = (path: string, name: string, value?: string) => {
    if (!TOKEN.test(name)) errors[path] = `'${name}' is not a valid header name`;
    else if (FRAMING.has(name.toLowerCase()))
      errors[path] = `header '${name}' frames the response and is set by the gateway alone; a transformer may not touch it`;
    else if (value !== undefined && !VALUE.test(value)) errors[path] = `the value for header '${name}' has characters a header cannot carry`;
  };
  config.remove.headers.forEach((name, i) => {
    header(`config.remove.headers[${i}]`, name);
  });
  config.rename.headers.forEach((entry, i) => {
    const [from, to] = splitPair(entry);
    header(`config.rename.headers[${i}]`, from);
    header(`config.rename.headers[${i}]`, to);
  });
  for (const step of ['replace', 'add', 'append'] as const) {
    config[step].headers.forEach((entry, i) => {
      const [name, value] = splitPair(entry);
      header(`config.${step}.headers[${i}]`, name, value);
    });
  }
  return errors;
}
