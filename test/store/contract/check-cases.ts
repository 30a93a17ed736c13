// What a write's check sees: every entity as the write leaves them, whether the store reads them all again or
// (from a version it read or wrote itself) only the rows the write touched. Either way it must equal a full read.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConfigEntities } from '../../../src/schema/entity-catalogue.ts';
import type { Store, WriteOp } from '../../../src/store/store.ts';
import { ACTOR, builders, ref } from './fixtures.ts';
import type { ContractHarness } from './harness.ts';

/** Writes `ops` through `store` with a check that keeps what it saw; that is also the store at the new version. */
async function checkedWrite(store: Store, ops: WriteOp[]): Promise<ConfigEntities> {
  let seen: ConfigEntities | undefined;
  await store.write(ops, {
    actor: ACTOR,
    check: (entities) => {
      seen = entities;
    },
  });
  assert.ok(seen, 'the check ran');
  assert.deepEqual(seen, (await store.snapshot()).entities, 'the check saw exactly what a full read gives');
  return seen;
}

export function checkCases(h: ContractHarness): void {
  it("a write's check sees the whole config as it commits, reading again only the rows it touched", async () => {
    const b = builders(h.plugins);
    await h.store.snapshot(); // a version this store knows
    const svc = b.service();
    const route = b.route(svc.id, { paths: ['/a', '/b'] });
    const consumer = b.consumer();
    const key = b.keyauth_credentials(consumer.id);
    const jwt = b.jwt(consumer.id);
    const first = await checkedWrite(h.store, [
      { op: 'insert', kind: 'services', record: svc },
      { op: 'insert', kind: 'routes', record: route },
      { op: 'insert', kind: 'consumers', record: consumer },
      { op: 'insert', kind: 'keyauth_credentials', record: key },
      { op: 'insert', kind: 'jwt_secrets', record: jwt },
    ]);

    // A consumer-only write: the lists it did not touch are the very same arrays (nothing to rebuild there).
    const other = b.consumer();
    const second = await checkedWrite(h.store, [{ op: 'insert', kind: 'consumers', record: other }]);
    assert.equal(second.routes, first.routes);
    assert.equal(second.services, first.services);
    assert.notEqual(second.consumers, first.consumers);
    assert.equal(first.consumers.length + 1, second.consumers.length, 'the earlier list is left as it was');

    // Replaced rows keep their place; a delete takes its cascade (the credentials) with it.
    await checkedWrite(h.store, [
      { op: 'update', kind: 'routes', record: { ...route, paths: ['/c'] } },
      { op: 'upsert', kind: 'consumers', record: { ...other, custom_id: 'changed' } },
      { op: 'delete', kind: 'consumers', id: consumer.id },
    ]);

    // Another node's write moves the version on: the next check reads everything again, and still agrees.
    await h.other.write([{ op: 'insert', kind: 'routes', record: b.route(svc.id, { paths: ['/peer'] }) }], { actor: ACTOR });
    const after = await checkedWrite(h.store, [{ op: 'insert', kind: 'routes', record: b.route(svc.id, { paths: ['/d'], service: ref(svc.id) }) }]);
    assert.ok(after.routes.some((r) => r.paths?.includes('/peer')));
  });
}
