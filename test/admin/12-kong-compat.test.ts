// Review of the admin API against Kong 3.x (kong/api/endpoints.lua, arguments.lua, db/errors.lua): route paths,
// hosts and header regexes the router cannot use are schema violations at `paths[i]`, `hosts[i]`, `headers.x[i]`;
// `next` is Kong's `?offset=…&tags=…&size=…`, every schema violation reads `N schema violations (…)`; plus the
// Kong behaviours checked and found right (PUT, PATCH on nested paths, DELETE, 404s, forms, content types, size
// bounds, foreign-entity and special endpoints).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin({ routes: allAdminRoutes() });
  assert.equal((await admin.request('POST', '/services', { body: { name: 'kc-svc', host: 'kc.internal' } })).status, 201);
  assert.equal((await admin.request('POST', '/services', { body: { name: 'kc-other', host: 'other.internal' } })).status, 201);
});
after(() => admin.close());

test('route paths the router cannot use are schema violations at paths[i] on every write and on validate, nothing stored', async () => {
  const route = (await admin.request('POST', '/services/kc-svc/routes', { body: { name: 'kc-route', paths: ['/kc'] } })).body;
  const before = await admin.snapshotEntities();
  const cases: [string, string, unknown, string][] = [
    ['POST', '/routes', { paths: ['/ok', '~/(unclosed'] }, 'paths[1]'],
    ['POST', '/services/kc-svc/routes', { paths: ['~/a(b'] }, 'paths[0]'],
    ['POST', '/routes', { paths: ['/a%2Fb'] }, 'paths[0]'], // the request normaliser refuses an encoded slash
    ['POST', '/routes', { paths: ['/x/../..'] }, 'paths[0]'],
    ['PUT', '/routes/kc-put', { paths: ['/fine', '/also', '~[z-a]'] }, 'paths[2]'],
    ['PATCH', '/services/kc-svc/routes/kc-route', { paths: ['~/(x'] }, 'paths[0]'],
    ['POST', '/schemas/routes/validate', { paths: ['~/(unclosed'] }, 'paths[0]'],
  ];
  for (const [method, path, body, field] of cases) {
    const problem = expectProblem(await admin.request(method, path, { body }), 400, 'ADMIN_SCHEMA_VIOLATION', `${method} ${path}`);
    assert.ok(problem.fields[field], `${method} ${path}: ${JSON.stringify(problem.fields)}`);
    assert.match(problem.message, new RegExp(`^schema violation \\(${field.replace(/[[\]]/g, '\\$&')}: `), problem.message);
    assert.equal(problem.name, 'schema violation');
  }
  // a form body too
  const form = expectProblem(await admin.request('POST', '/routes', { body: 'paths[1]=/ok&paths[2]=~/(bad' }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(form.fields['paths[1]'], /invalid regex/);
  assert.deepEqual(await admin.snapshotEntities(), before);
  assert.deepEqual((await admin.request('GET', `/routes/${route.id}`)).body.paths, ['/kc']);
  // paths the router takes stay accepted
  const ok = await admin.request('POST', '/routes', { body: { name: 'kc-regex', paths: ['~/orders/(?<id>\\d+)$', '/plain/', '/a%20b'] } });
  assert.equal(ok.status, 201, ok.text);
});

test('route hosts and header regexes the router cannot use are schema violations at their field, not a build refusal', async () => {
  const before = await admin.snapshotEntities();
  const cases: [string, string, unknown, string, RegExp][] = [
    ['POST', '/routes', { hosts: ['ok.example', 'a.*.com'] }, 'hosts[1]', /invalid wildcard host 'a\.\*\.com'/],
    ['POST', '/services/kc-svc/routes', { hosts: ['*.'] }, 'hosts[0]', /invalid wildcard host/],
    ['PUT', '/routes/kc-put-host', { paths: ['/h'], hosts: ['*.a.*'] }, 'hosts[0]', /invalid wildcard host/],
    ['POST', '/routes', { headers: { x: ['plain', '~*('] } }, 'headers.x[1]', /invalid regex in header x/],
    ['POST', '/routes', { headers: { 'x-v': ['~*(?x)a'] } }, 'headers.x-v[0]', /unsupported inline flag 'x'/],
    ['POST', '/schemas/routes/validate', { hosts: ['a.*.com'] }, 'hosts[0]', /invalid wildcard host/],
    ['POST', '/schemas/routes/validate', { headers: { x: ['~*['] } }, 'headers.x[0]', /invalid regex/],
  ];
  for (const [method, path, body, field, why] of cases) {
    const problem = expectProblem(await admin.request(method, path, { body }), 400, 'ADMIN_SCHEMA_VIOLATION', `${method} ${path} ${JSON.stringify(body)}`);
    assert.match(problem.fields[field] ?? '', why, `${method} ${path}: ${JSON.stringify(problem.fields)}`);
    assert.doesNotMatch(problem.fields[field], /^route /, 'the field says where; no route id in the message');
  }
  const route = (await admin.request('POST', '/routes', { body: { name: 'kc-host', paths: ['/kc-host'] } })).body;
  const patched = expectProblem(await admin.request('PATCH', `/routes/${route.id}`, { body: { hosts: ['a.*.com'] } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(patched.fields['hosts[0]'], /invalid wildcard host/);
  const form = expectProblem(await admin.request('POST', '/routes', { body: 'hosts[1]=ok.example&hosts[2]=a.*.com' }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(form.fields['hosts[1]'], /invalid wildcard host/);
  assert.deepEqual((await admin.request('GET', `/routes/${route.id}`)).body.hosts, null);
  await admin.request('DELETE', `/routes/${route.id}`);
  assert.deepEqual(await admin.snapshotEntities(), before);
  // what the router takes stays accepted
  const ok = await admin.request('POST', '/routes', {
    body: { name: 'kc-hosts-ok', hosts: ['*.kc.example', 'kc.*', 'kc.example:8443'], headers: { 'x-v': ['~*^v[12]$', '(?x)not-a-regex'] } },
  });
  assert.equal(ok.status, 201, ok.text);
});

test("next is Kong's: /path?offset=…&tags=…&size=…; offset only when there is a next page; followed to the end", async () => {
  for (let i = 0; i < 5; i++) assert.equal((await admin.request('POST', '/consumers', { body: { username: `kc-page-${i}`, tags: ['kc-page'] } })).status, 201);
  const first = await admin.request('GET', '/consumers?size=2&tags=kc-page');
  assert.equal(first.status, 200, first.text);
  assert.equal(typeof first.body.offset, 'string');
  assert.equal(first.body.next, `/consumers?offset=${first.body.offset}&tags=kc-page&size=2`);
  const seen: string[] = first.body.data.map((c: { username: string }) => c.username);
  let next: string | null = first.body.next;
  while (next !== null) {
    const page = await admin.request('GET', next);
    seen.push(...page.body.data.map((c: { username: string }) => c.username));
    if (page.body.next === null) assert.equal('offset' in page.body, false);
    next = page.body.next;
  }
  assert.deepEqual(seen.sort(), ['kc-page-0', 'kc-page-1', 'kc-page-2', 'kc-page-3', 'kc-page-4']);
  // size alone, and the 1..1000 bounds with Kong's messages
  assert.match((await admin.request('GET', '/consumers?size=1')).body.next, /^\/consumers\?offset=[^&]+&size=1$/);
  assert.equal(expectProblem(await admin.request('GET', '/consumers?size=abc'), 400, 'ADMIN_INVALID_QUERY').message, 'size must be a number');
  for (const size of ['0', '1001', '-1', '2.5']) {
    assert.equal(
      expectProblem(await admin.request('GET', `/consumers?size=${size}`), 400, 'ADMIN_INVALID_QUERY', size).message,
      'size must be an integer between 1 and 1000',
    );
  }
});

test('admin token body errors read like every other schema violation: "2 schema violations (…)"', async () => {
  const problem = expectProblem(await admin.request('POST', '/admin-tokens', { body: { name: 'x', role: 'root', extra: 1 } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(problem.message, /^2 schema violations \(/, problem.message);
  assert.ok(problem.fields.role && problem.fields.extra, JSON.stringify(problem.fields));
  const one = expectProblem(await admin.request('POST', '/admin-tokens', { body: { name: 'x' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.equal(one.message, 'schema violation (role: required field missing)');
});

test('PUT: by name on a missing entity creates it with that name (top level and nested); a replace resets absent fields', async () => {
  const created = await admin.request('PUT', '/services/kc-svc/routes/kc-put-nested', { body: { paths: ['/put'], strip_path: false, tags: ['t'] } });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.name, 'kc-put-nested');
  assert.deepEqual(created.body.service, { id: (await admin.request('GET', '/services/kc-svc')).body.id });
  assert.equal(typeof created.body.created_at, 'number');
  assert.equal(typeof created.body.updated_at, 'number');
  const replaced = await admin.request('PUT', '/routes/kc-put-nested', { body: { paths: ['/put2'] } });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.body.id, created.body.id);
  assert.deepEqual([replaced.body.strip_path, replaced.body.tags, replaced.body.service], [true, null, null], 'absent fields back to their defaults');
  assert.equal(replaced.body.created_at, created.body.created_at);
  const consumer = await admin.request('PUT', '/consumers/kc-put-user', {});
  assert.deepEqual([consumer.status, consumer.body.username], [200, 'kc-put-user']);
});

test('PATCH on a nested path merges within the parent; another parent, or a missing child, is 404', async () => {
  const route = (await admin.request('POST', '/services/kc-svc/routes', { body: { name: 'kc-nested', paths: ['/nested'], methods: ['GET'] } })).body;
  const patched = await admin.request('PATCH', '/services/kc-svc/routes/kc-nested', { body: { hosts: ['kc.example'] } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual([patched.body.paths, patched.body.methods, patched.body.hosts, patched.body.service], [['/nested'], ['GET'], ['kc.example'], route.service]);
  expectProblem(await admin.request('PATCH', '/services/kc-other/routes/kc-nested', { body: { hosts: ['x.example'] } }), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('PATCH', '/services/kc-svc/routes/no-such-route', { body: { hosts: ['x.example'] } }), 404, 'ADMIN_NOT_FOUND');
  // /routes/{r}/service patches the service the route points at
  const svc = await admin.request('PATCH', '/routes/kc-nested/service', { body: { retries: 3 } });
  assert.deepEqual([svc.status, svc.body.name, svc.body.retries], [200, 'kc-svc', 3]);
});

test('DELETE of a missing entity is 204 at the top level, 404 under a parent; 404 bodies are {"message":"Not found"}', async () => {
  assert.equal((await admin.request('DELETE', '/routes/never-was')).status, 204);
  assert.equal((await admin.request('DELETE', '/routes/00000000-0000-4000-8000-000000000000')).status, 204);
  assert.equal(expectProblem(await admin.request('DELETE', '/services/kc-svc/routes/never-was'), 404, 'ADMIN_NOT_FOUND').message, 'Not found');
  assert.equal(expectProblem(await admin.request('GET', '/routes/never-was'), 404, 'ADMIN_NOT_FOUND').message, 'Not found');
});

test("forms as Kong's arguments.lua reads them: paths[1]=, repeated keys, booleans; JSON with a charset; multipart is 415", async () => {
  const indexed = await admin.request('POST', '/routes', { body: 'name=kc-form-1&paths[1]=/f1&paths[2]=/f2&strip_path=false&preserve_host=true' });
  assert.equal(indexed.status, 201, indexed.text);
  assert.deepEqual([indexed.body.paths, indexed.body.strip_path, indexed.body.preserve_host], [['/f1', '/f2'], false, true]);
  const repeated = await admin.request('POST', '/routes', { body: 'name=kc-form-2&paths=/g1&paths=/g2&methods=GET' });
  assert.equal(repeated.status, 201, repeated.text);
  assert.deepEqual([repeated.body.paths, repeated.body.methods], [['/g1', '/g2'], ['GET']]);
  const charset = await admin.request('POST', '/consumers', { body: '{"username":"kc-charset"}', contentType: 'Application/JSON; charset=UTF-8' });
  assert.equal(charset.status, 201, charset.text);
  expectProblem(
    await admin.request('POST', '/consumers', {
      body: '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nm\r\n--x--\r\n',
      contentType: 'multipart/form-data; boundary=x',
    }),
    415,
    'ADMIN_UNSUPPORTED_MEDIA_TYPE',
  );
});

test('/consumers?custom_id=, /plugins/enabled and /routes/{r}/service answer as in Kong', async () => {
  await admin.request('POST', '/consumers', { body: { username: 'kc-custom', custom_id: 'kc-ext-1' } });
  assert.deepEqual(
    (await admin.request('GET', '/consumers?custom_id=kc-ext-1')).body.data.map((c: { username: string }) => c.username),
    ['kc-custom'],
  );
  const enabled = (await admin.request('GET', '/plugins/enabled')).body.enabled_plugins;
  assert.ok(Array.isArray(enabled) && enabled.includes('key-auth') && enabled.includes('rate-limiting'));
  const route = (await admin.request('POST', '/services/kc-svc/routes', { body: { name: 'kc-fk', paths: ['/fk'] } })).body;
  assert.equal((await admin.request('GET', `/routes/${route.id}/service`)).body.name, 'kc-svc');
  expectProblem(await admin.request('DELETE', `/routes/${route.id}/service`), 405, 'ADMIN_METHOD_NOT_ALLOWED');
});
