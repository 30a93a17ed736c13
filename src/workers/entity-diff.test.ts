// The per-row config diff a worker receives: applied to the worker's copy it must give exactly the snapshot,
// row order included, whatever the edit (updates in place, deletes, rows inserted mid-list, a reordering),
// while sending only the rows that changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyEntities } from '../schema/entity-shapes.ts';
import { KINDS, type ConfigEntities } from '../schema/entity-catalogue.ts';
import { applyEntitiesDiff, diffEntities, isEntitiesDiff } from './entity-diff.ts';

function consumers(ids: readonly string[], tag = 'a'): ConfigEntities {
  const entities = emptyEntities();
  entities.consumers = ids.map((id) => ({ id, username: `user-${id}`, custom_id: null, tags: [tag], created_at: 1, updated_at: 1 }));
  return entities;
}

/** What a worker holds after the diff crossed the thread (structured clone, as postMessage does). */
function roundTrip(before: ConfigEntities, after: ConfigEntities) {
  const diff = structuredClone(diffEntities(before, after));
  assert.ok(isEntitiesDiff(diff));
  return { diff, applied: applyEntitiesDiff(structuredClone(before), diff) };
}

test('an unchanged config sends nothing', () => {
  const a = consumers(['1', '2', '3']);
  assert.deepEqual(diffEntities(a, structuredClone(a)), {});
});

test('an update sends only that row, and the worker holds it where it stood', () => {
  const before = consumers(['1', '2', '3']);
  const after = structuredClone(before);
  after.consumers[1]!.tags = ['changed'];
  const { diff, applied } = roundTrip(before, after);
  assert.deepEqual(Object.keys(diff), ['consumers']);
  assert.deepEqual(
    diff.consumers?.updates.map((r) => r.id),
    ['2'],
  );
  assert.deepEqual(diff.consumers?.inserts, []);
  assert.equal(diff.consumers?.order, undefined, 'in-place replacement keeps the order: no order sent');
  assert.deepEqual(applied, after);
});

test('deletes, appends and mid-list inserts give the snapshot order exactly', () => {
  const before = consumers(['b', 'd', 'f', 'h']);
  for (const ids of [
    ['b', 'f', 'h'], // delete
    ['b', 'd', 'f', 'h', 'j'], // append
    ['a', 'b', 'c', 'd', 'f', 'h'], // inserts in sorted order (uuid-ordered snapshots)
    ['h', 'f', 'd', 'b'], // reordered
    [], // emptied
  ]) {
    const after = consumers(ids);
    const { diff, applied } = roundTrip(before, after);
    assert.deepEqual(
      applied.consumers.map((r) => r.id),
      ids,
    );
    assert.deepEqual(applied, after);
    const added = ids.filter((id) => !['b', 'd', 'f', 'h'].includes(id));
    assert.deepEqual(
      diff.consumers?.inserts.map((i) => i.row.id),
      added,
      'only new rows are sent',
    );
    assert.deepEqual(diff.consumers?.updates, []);
    // Only a reordering of kept rows needs the order spelled out.
    assert.equal(diff.consumers?.order !== undefined, ids.join() === 'h,f,d,b');
  }
});

test('random edits over every kind: the worker copy equals the snapshot, order included', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let current = consumers(Array.from({ length: 200 }, (_, i) => String(i).padStart(4, '0')));
  let worker = structuredClone(current);
  for (let round = 0; round < 50; round++) {
    const next = structuredClone(current);
    const rows = next.consumers.filter(() => random() > 0.05); // deletes
    for (const row of rows) if (random() < 0.05) row.tags = [`r${round}`]; // updates
    for (let i = 0; i < 5; i++) {
      const at = Math.floor(random() * (rows.length + 1));
      const id = `n${round}-${i}`;
      rows.splice(at, 0, { id, username: `user-${id}`, custom_id: null, tags: [], created_at: 1, updated_at: 1 });
    }
    next.consumers = rows;
    const diff = structuredClone(diffEntities(current, next));
    assert.equal(diff.consumers?.order, undefined, 'deletes, updates and inserts anywhere need no order list');
    worker = applyEntitiesDiff(worker, diff);
    assert.deepEqual(worker, next, `round ${round}`);
    for (const kind of KINDS)
      assert.deepEqual(
        worker[kind].map((r) => r.id),
        next[kind].map((r) => r.id),
      );
    current = next;
  }
});

test('applying leaves the base untouched (the config built from it may still be serving)', () => {
  const before = consumers(['1', '2']);
  const copy = structuredClone(before);
  applyEntitiesDiff(before, diffEntities(before, consumers(['2', '3'], 'x')));
  assert.deepEqual(before, copy);
});
