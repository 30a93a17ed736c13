// Collections page like Kong's: `{ data, offset, next }` (next a path with the query to follow, null on the
// last page), size 1..1000 (default 100), opaque offsets, and `?tags=a,b` (all) / `?tags=a/b` (any).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';

let admin: TestAdmin;
const TOTAL = 23;
before(async () => {
  admin = await startTestAdmin();
  for (let i = 0; i < TOTAL; i++) {
    const tags = [i % 2 === 0 ? 'even' : 'odd', i % 3 === 0 ? 'three' : 'other', 'all'];
    const res = await admin.request('POST', '/consumers', { body: { username: `page-${String(i).padStart(2, '0')}`, tags } });
    assert.equal(res.status, 201, res.text);
  }
});
after(() => admin.close());

async function walk(first: string): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let path: string | null = first;
  let pages = 0;
  while (path !== null) {
    const res = await admin.request('GET', path);
    assert.equal(res.status, 200, res.text);
    names.push(...res.body.data.map((c: { username: string }) => c.username));
    pages++;
    if (res.body.next === null) assert.equal('offset' in res.body, false, 'the last page has no offset');
    else assert.equal(typeof res.body.offset, 'string');
    path = res.body.next;
  }
  return { names, pages };
}

test('default page holds everything (size 100); next is null and offset absent', async () => {
  const res = await admin.request('GET', '/consumers');
  assert.equal(res.body.data.length, TOTAL);
  assert.equal(res.body.next, null);
  assert.deepEqual(Object.keys(res.body).sort(), ['data', 'next']);
});

test('size pages through every entity once, following next links', async () => {
  const { names, pages } = await walk('/consumers?size=5');
  assert.equal(pages, 5);
  assert.equal(names.length, TOTAL);
  assert.equal(new Set(names).size, TOTAL);
  const first = await admin.request('GET', '/consumers?size=5');
  assert.equal(first.body.data.length, 5);
  assert.match(first.body.next, /^\/consumers\?offset=[^&]+&size=5$/);
});

test('tags: a,b needs all of them, a/b any of them; next keeps the filter', async () => {
  const evenThree = await walk('/consumers?tags=even,three&size=2');
  assert.deepEqual(evenThree.names.sort(), ['page-00', 'page-06', 'page-12', 'page-18']);
  const evenOrThree = (await walk('/consumers?tags=even/three')).names;
  assert.equal(evenOrThree.length, 12 + 4, 'twelve even, plus the odd multiples of three (3, 9, 15, 21)');
  const firstPage = await admin.request('GET', '/consumers?tags=even,three&size=2');
  assert.match(firstPage.body.next, /tags=even%2Cthree/);
  assert.deepEqual((await admin.request('GET', '/consumers?tags=nobody')).body, { data: [], next: null });
});

test('nested collections page too, with next under the parent path', async () => {
  await admin.request('POST', '/consumers', { body: { username: 'many-acls' } });
  for (const group of ['a', 'b', 'c', 'd', 'e']) await admin.request('POST', '/consumers/many-acls/acls', { body: { group } });
  const first = await admin.request('GET', '/consumers/many-acls/acls?size=2');
  assert.match(first.body.next, /^\/consumers\/many-acls\/acls\?offset=/);
  const { names, pages } = await walk('/consumers/many-acls/acls?size=2');
  assert.equal(pages, 3);
  assert.equal(names.length, 5);
});

test('bad size, offset and tags are 400 with the field named', async () => {
  for (const [query, field] of [
    ['size=0', 'size'],
    ['size=1001', 'size'],
    ['size=abc', 'size'],
    ['size=2.5', 'size'],
    ['size=', 'size'],
    ['offset=not-an-offset', 'offset'],
    ['tags=a,b/c', 'tags'],
    ['tags=', 'tags'],
  ] as const) {
    const body = expectProblem(await admin.request('GET', `/consumers?${query}`), 400, 'ADMIN_INVALID_QUERY', query);
    assert.ok(body.fields[field], `${query}: ${JSON.stringify(body.fields)}`);
  }
  assert.equal(
    expectProblem(await admin.request('GET', '/consumers?size=0'), 400, 'ADMIN_INVALID_QUERY').message,
    'size must be an integer between 1 and 1000',
  );
  assert.equal((await admin.request('GET', '/consumers?size=1000')).status, 200);
});

test('GET /consumers?custom_id= finds the one consumer with it', async () => {
  await admin.request('POST', '/consumers', { body: { username: 'with-custom', custom_id: 'ext-42' } });
  const res = await admin.request('GET', '/consumers?custom_id=ext-42');
  assert.deepEqual(
    res.body.data.map((c: { username: string }) => c.username),
    ['with-custom'],
  );
  assert.equal(res.body.next, null);
  assert.deepEqual((await admin.request('GET', '/consumers?custom_id=nope')).body, { data: [], next: null });
  expectProblem(await admin.request('GET', '/consumers?custom_id='), 400, 'ADMIN_INVALID_QUERY');
});
