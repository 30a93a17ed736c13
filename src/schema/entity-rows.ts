// A kind's row shape (its schema with each foreign key as `<field>Id`, a uuid or null), compiled once, and the
// check that lets a row built by the declarative loader or read back from the store into ConfigEntities as its
// kind's type: checked, not cast. A row that does not fit (a hand-edited database) fails the config build
// closed instead of reaching the request path.
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { fits, misfit } from './fits.ts';
import { rowForeignField } from './entity-definition.ts';
import { mapKinds, type ConfigEntities, type Kind, type RowOf } from './entity-catalogue.ts';

const ROW_SCHEMAS: Readonly<Record<Kind, TObject>> = mapKinds((definition) => {
  const properties: Record<string, TSchema> = { ...definition.schema.properties };
  for (const [field, key] of Object.entries(definition.foreign)) {
    Reflect.deleteProperty(properties, field);
    properties[rowForeignField(field)] = key.required ? Type.String() : Type.Union([Type.String(), Type.Null()]);
  }
  // Rows keep what the store adds besides the schema (a keyed hash's column) and the id is always set.
  properties.id = Type.String();
  return Type.Object(properties, { additionalProperties: true });
});

/** Whether `row` fits its kind's row shape. */
function isRowOf<K extends Kind>(kind: K, row: unknown): row is RowOf<K> {
  return fits(ROW_SCHEMAS[kind], row);
}

/** What is wrong with a row that does not fit, for the error that refuses it. */
function rowProblem(kind: Kind, row: unknown): string {
  return misfit(ROW_SCHEMAS[kind], row);
}

/** Adds `row` to its kind's list and returns it as its kind's row, or throws when it does not fit the row shape. */
export function addRow<K extends Kind>(entities: ConfigEntities, kind: K, row: Record<string, unknown> & { id: string }): RowOf<K> {
  if (!isRowOf(kind, row)) throw new Error(`${kind} ${row.id}: stored row ${rowProblem(kind, row)}`);
  const list: RowOf<K>[] = entities[kind];
  list.push(row);
  return row;
}
