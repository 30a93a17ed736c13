// Markdown reference for a schema: one row per field (nested objects flattened to dotted paths), from the
// same TypeBox schema that validates configs, so the docs cannot disagree with the code.
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';

export function renderReference(title: string, intro: string, schema: TSchema): string {
  const rows: string[] = [];
  walk(schema, '', rows);
  return `# ${title}\n\n${intro}\n\n| field | type | default | description |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}

function walk(schema: TSchema, prefix: string, rows: string[]): void {
  const props = schema.properties as Record<string, TSchema> | undefined;
  if (!props) return;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, prop] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const optional = !required.has(name) || prop[OptionalKind] === 'Optional';
    const def = 'default' in prop ? `\`${JSON.stringify(prop.default)}\`` : optional ? '' : '*required*';
    rows.push(`| \`${path}\` | ${typeOf(prop)} | ${def} | ${cell(prop.description ?? '')} |`);
    const inner = objectOf(prop);
    if (inner) walk(inner, path, rows);
  }
}

function objectOf(schema: TSchema): TSchema | undefined {
  if (schema[Kind] === 'Object') return schema;
  if (schema[Kind] === 'Union') return (schema.anyOf as TSchema[]).find((s) => s[Kind] === 'Object');
  return undefined;
}

function typeOf(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'Union': {
      const parts = (schema.anyOf as TSchema[]).map((s) => (s[Kind] === 'Literal' ? `\`${JSON.stringify(s.const)}\`` : typeOf(s)));
      return [...new Set(parts)].join(' \\| ');
    }
    case 'Array':
      return `array of ${typeOf(schema.items as TSchema)}`;
    case 'Record': {
      const inner = Object.values(schema.patternProperties as Record<string, TSchema>).at(0);
      return inner === undefined ? 'map' : `map of ${typeOf(inner)}`;
    }
    case 'Literal':
      return `\`${JSON.stringify(schema.const)}\``;
    default:
      return schema[Kind].toLowerCase();
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
