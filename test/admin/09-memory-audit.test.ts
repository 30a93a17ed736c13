// The DB-less audit trail: a bounded ring (by entries and by bytes), newest first, paged by an opaque cursor
// that survives evictions, filtered like the database's, and copies out so no caller can rewrite history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryAudit, isMemoryAudit, type AuditDraft } from '../../src/admin/memory-audit.ts';
import { isGatewayError } from '../../src/errors/gateway-error.ts';

const draft = (n: number, extra: Partial<AuditDraft> = {}): AuditDraft => ({
  actor: { id: 'env-admin', name: 'env' },
  request_id: `req-${n}`,
  action: 'replace-config',
  kind: 'config',
  entity_id: null,
  before: null,
  after: { n },
  ...extra,
});

test('entries get increasing ids and a time; list is newest first and pages with a cursor', async () => {
  const audit = createMemoryAudit();
  for (let i = 1; i <= 5; i++) audit.record(draft(i));
  const first = await audit.list({ size: 2 });
  assert.deepEqual(
    first.data.map((e) => e.id),
    [5, 4],
  );
  assert.ok(!Number.isNaN(Date.parse(first.data[0]!.at)));
  assert.equal(typeof first.offset, 'string');
  const second = await audit.list({ size: 2, offset: first.offset! });
  assert.deepEqual(
    second.data.map((e) => e.id),
    [3, 2],
  );
  const last = await audit.list({ size: 2, offset: second.offset! });
  assert.deepEqual(
    last.data.map((e) => e.id),
    [1],
  );
  assert.equal(last.offset, null);
  // a page that ends exactly at the oldest entry says there is no next page
  assert.equal((await audit.list({ size: 5 })).offset, null);
});

test('filters by kind and entity id', async () => {
  const audit = createMemoryAudit();
  audit.record(draft(1));
  audit.record(draft(2, { action: 'create', kind: 'services', entity_id: 'a' }));
  audit.record(draft(3, { action: 'update', kind: 'services', entity_id: 'b' }));
  audit.record(draft(4, { action: 'delete', kind: 'services', entity_id: 'a' }));
  assert.deepEqual(
    (await audit.list({ size: 10, kind: 'services' })).data.map((e) => e.id),
    [4, 3, 2],
  );
  assert.deepEqual(
    (await audit.list({ size: 10, entityId: 'a' })).data.map((e) => e.id),
    [4, 2],
  );
  assert.deepEqual(
    (await audit.list({ size: 1, kind: 'services', entityId: 'a', offset: (await audit.list({ size: 1, entityId: 'a' })).offset! })).data.map((e) => e.id),
    [2],
  );
  assert.deepEqual(
    (await audit.list({ size: 10, kind: 'config' })).data.map((e) => e.id),
    [1],
  );
});

test('bounded: the oldest entries go first, by count and by bytes; the newest is always kept', async () => {
  const byCount = createMemoryAudit({ maxEntries: 3 });
  for (let i = 1; i <= 10; i++) byCount.record(draft(i));
  assert.equal(byCount.size(), 3);
  assert.deepEqual(
    (await byCount.list({ size: 10 })).data.map((e) => e.id),
    [10, 9, 8],
  );

  const byBytes = createMemoryAudit({ maxBytes: 2_000 });
  for (let i = 1; i <= 10; i++) byBytes.record(draft(i, { after: { blob: 'x'.repeat(500) } }));
  assert.ok(byBytes.size() >= 1 && byBytes.size() <= 3, String(byBytes.size()));
  const huge = createMemoryAudit({ maxBytes: 100 });
  huge.record(draft(1, { after: { blob: 'x'.repeat(10_000) } }));
  assert.equal(huge.size(), 1, 'an entry larger than the budget is still kept until the next one');

  // a cursor into evicted history continues with what is left
  const ring = createMemoryAudit({ maxEntries: 4 });
  for (let i = 1; i <= 4; i++) ring.record(draft(i));
  const page = await ring.list({ size: 2 });
  for (let i = 5; i <= 7; i++) ring.record(draft(i));
  assert.deepEqual(
    (await ring.list({ size: 10, offset: page.offset! })).data.map((e) => e.id),
    [],
    'ids 1-2 were evicted',
  );
});

test('entries are copies: changing a draft or a listed entry changes nothing stored', async () => {
  const audit = createMemoryAudit();
  const d = draft(1, { after: { nested: { v: 1 } } });
  audit.record(d);
  (d.after as { nested: { v: number } }).nested.v = 2;
  const [listed] = (await audit.list({ size: 1 })).data;
  assert.ok(listed);
  assert.deepEqual(listed.after, { nested: { v: 1 } });
  (listed.after as { nested: { v: number } }).nested.v = 3;
  assert.deepEqual((await audit.list({ size: 1 })).data[0]!.after, { nested: { v: 1 } });
});

test('bad sizes and cursors are ADMIN_INVALID_QUERY; isMemoryAudit tells a recorder from a reader', async () => {
  const audit = createMemoryAudit();
  audit.record(draft(1));
  for (const offset of ['', 'not-a-cursor', Buffer.from('0').toString('base64url'), Buffer.from('-3').toString('base64url'), "' OR 1=1 --"]) {
    await assert.rejects(
      audit.list({ size: 10, offset }),
      (err) => isGatewayError(err) && err.code === 'ADMIN_INVALID_QUERY' && err.fields?.offset !== undefined,
      offset,
    );
  }
  for (const size of [0, 1001, 1.5]) {
    await assert.rejects(audit.list({ size }), (err) => isGatewayError(err) && err.code === 'ADMIN_INVALID_QUERY', String(size));
  }
  assert.equal(isMemoryAudit(audit), true);
  assert.equal(isMemoryAudit({ list: audit.list }), false);
});

test('the ring is bounded by what it costs: 300 reload-sized entries hold the heap near the budget', async () => {
  const { setFlagsFromString, getHeapStatistics } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const budget = 4 * 1024 * 1024;
  const audit = createMemoryAudit({ maxBytes: budget });
  // an entry the size a full before/after image of a 200-consumer config had (~360 KB of JSON, many objects)
  const image = (n: number) => ({
    consumers: Array.from({ length: 1500 }, (_, i) => ({ username: `c-${n}-${i}`, tags: ['a', 'b'], acls: [{ group: 'g' }], n: i })),
  });
  gc();
  const heapBefore = getHeapStatistics().used_heap_size;
  for (let i = 1; i <= 300; i++) {
    audit.record(draft(i, { before: image(i), after: image(i + 1) }));
    assert.ok(audit.retainedBytes() <= budget + 400_000, `after ${i}: ${audit.retainedBytes()} bytes held`);
  }
  gc();
  const grown = getHeapStatistics().used_heap_size - heapBefore;
  assert.ok(audit.size() >= 2 && audit.size() < 50, `${audit.size()} entries`);
  // what the ring says it holds is what the heap holds, within a small factor
  assert.ok(grown < 3 * budget, `heap grew ${(grown / 1048576).toFixed(1)} MiB for a ${budget / 1048576} MiB budget`);
  const [newest] = (await audit.list({ size: 1 })).data;
  assert.ok(newest);
  assert.equal(newest.id, 300);
  assert.equal((newest.after as ReturnType<typeof image>).consumers.length, 1500);
});
