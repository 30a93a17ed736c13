// Migrations stay hand-written SQL, so nothing but this test ties them to the entity definitions: after every
// owner's migrations run, each kind has its table with the columns and the constraint names the store derives
// from its definition (foreign keys `<kind>_<field>_fkey` with the declared on-delete rule, unique sets
// `<kind>_<fields>_unique`, lookalike keys `<kind>_<field>_key_unique`, a keyed hash's column). A plugin whose
// migration disagrees with its daos.ts fails here, not on a user's first duplicate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITIES, KINDS } from '../../src/schema/entity-catalogue.ts';
import { createPgliteClient } from '../../src/store/drivers/pglite-client.ts';
import { keyColumn } from '../../src/store/lookalike-keys.ts';
import { runMigrations } from '../../src/store/migrate.ts';
import { FOREIGN_CONSTRAINTS, LOOKALIKE_INDEXES, TABLES, UNIQUE_CONSTRAINTS } from '../../src/store/tables.ts';
import { lookalikeFields } from '../../src/schema/identity-fields.ts';

const sql = await createPgliteClient();
after(() => sql.close());
await runMigrations(sql);

const columnsOf = async (table: string) =>
  new Set(
    (await sql.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_name = $1', [table])).rows.map(
      (r) => r.column_name,
    ),
  );
const constraints = new Map(
  (await sql.query<{ conname: string; confdeltype: string }>('SELECT conname, confdeltype FROM pg_constraint')).rows.map((r) => [r.conname, r.confdeltype]),
);
const indexes = new Set((await sql.query<{ indexname: string }>('SELECT indexname FROM pg_indexes')).rows.map((r) => r.indexname));

for (const kind of KINDS) {
  test(`${kind}: its table has the columns and constraints its definition names`, async () => {
    const { table, foreign, columns, keyedHash } = TABLES[kind];
    const have = await columnsOf(table);
    const wanted = ['id', 'data', 'tags', 'secrets', 'created_at', 'updated_at', ...Object.values(foreign), ...Object.values(columns)];
    if (keyedHash) wanted.push(keyedHash.column);
    for (const field of lookalikeFields(kind)) wanted.push(keyColumn(kind, field));
    for (const column of wanted) assert.ok(have.has(column), `${table}.${column}`);

    for (const [name, spec] of FOREIGN_CONSTRAINTS) {
      if (spec.kind !== kind) continue;
      const rule = constraints.get(name);
      assert.ok(rule !== undefined, `foreign key ${name}`);
      // pg_constraint.confdeltype: c = cascade, r = restrict
      assert.equal(rule, ENTITIES[kind].foreign[spec.field]?.onDelete === 'cascade' ? 'c' : 'r', `${name} on delete`);
    }
    for (const [name, spec] of UNIQUE_CONSTRAINTS) {
      if (spec.kind === kind) assert.ok(constraints.has(name) || indexes.has(name), `unique ${name}`);
    }
    for (const [name] of LOOKALIKE_INDEXES) {
      if (name.startsWith(`${kind}_`)) assert.ok(indexes.has(name), `lookalike index ${name}`);
    }
  });
}
