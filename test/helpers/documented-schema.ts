// Asserts that a config schema documents itself: every field, nested ones too, has a description that
// says something and a default (generated reference docs and absent-field behaviour depend on both).
import assert from 'node:assert/strict';
import { Kind, type TSchema } from '@sinclair/typebox';

/**
 * Walks `schema` (an object) and every object inside its fields: arrays' items, nullable variants and
 * record values. `required` lists the paths that have no default on purpose (e.g. `config.issuers.issuer`).
 */
export function assertFieldsDocumented(schema: TSchema, required: readonly string[] = [], path = 'config'): void {
  assert.equal(schema[Kind], 'Object', `${path} is an object`);
  for (const [name, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const at = `${path}.${name}`;
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${at} has a description`);
    if (!required.includes(at)) assert.ok('default' in field, `${at} has a default`);
    for (const object of objectsWithin(field)) assertFieldsDocumented(object, required, at);
  }
}

function objectsWithin(schema: TSchema): TSchema[] {
  switch (schema[Kind]) {
    case 'Object':
      return [schema];
    case 'Array':
      return objectsWithin(schema.items as TSchema);
    case 'Union':
      return (schema.anyOf as TSchema[]).flatMap(objectsWithin);
    case 'Record':
      return Object.values(schema.patternProperties as Record<string, TSchema>).flatMap(objectsWithin);
    default:
      return [];
  }
}
