// Bad input gets a clear 4xx with field paths and leaves the store as it was: malformed JSON and forms,
// unknown fields, wrong types, huge bodies, duplicates, missing references, prototype-pollution keys, SQL
// in every field, and concurrent writes that conflict.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { entityRoutes } from '../../src/admin/routes/entities.ts';
import { startAdminServer } from '../../src/admin/server.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { json } from '../helpers/json.ts';

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin();
  await admin.request('POST', '/services', { body: { name: 'v-svc', host: 'v.internal' } });
  await admin.request('POST', '/consumers', { body: { username: 'v-user' } });
});
after(() => admin.close());

/** Runs `write` and asserts it changed nothing in the database. */
async function unchanged<T>(write: () => Promise<T>): Promise<T> {
  const before = await admin.snapshotEntities();
  const result = await write();
  assert.deepEqual(await admin.snapshotEntities(), before, 'the store is unchanged');
  return result;
}

test('malformed JSON, a non-object body, and bodies of other types', async () => {
  for (const text of ['{"name": ', '{name: 1}', '[1,2', 'nul']) {
    const body = expectProblem(
      await unchanged(() => admin.request('POST', '/services', { body: text, contentType: 'application/json' })),
      400,
      'ADMIN_MALFORMED_BODY',
      text,
    );
    assert.equal(body.message, 'Cannot parse JSON body');
  }
  for (const text of ['[]', '"a string"', '42', 'null']) {
    const body = expectProblem(
      await unchanged(() => admin.request('POST', '/services', { body: text, contentType: 'application/json' })),
      400,
      'ADMIN_SCHEMA_VIOLATION',
      text,
    );
    assert.equal(body.fields['@entity'], 'expected an object');
  }
  for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
    expectProblem(await admin.request('POST', '/services', { body: '{"host":"x"}', contentType: type }), 415, 'ADMIN_UNSUPPORTED_MEDIA_TYPE', type);
  }
  // a body without any Content-Type is refused too
  const res = await fetch(`${admin.url}/services`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.adminToken}` },
    body: new Uint8Array(Buffer.from('{"host":"x"}')),
  });
  assert.equal(res.status, 415);
  expectProblem(
    await admin.request('POST', '/services', { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'), contentType: 'application/json; charset=latin1' }),
    400,
    'ADMIN_MALFORMED_BODY',
  );
});

test('a JSON parse error never quotes the body (it may hold a secret)', async () => {
  const res = await admin.request('POST', '/consumers/v-user/key-auth', { body: '{"key": "super-secret-key-value" oops}', contentType: 'application/json' });
  expectProblem(res, 400, 'ADMIN_MALFORMED_BODY');
  assert.ok(!res.text.includes('super-secret'), res.text);
});

test('every field error at once, with its path: unknown fields, wrong types, nested and array items', async () => {
  const body = expectProblem(
    await unchanged(() =>
      admin.request('POST', '/routes', {
        body: {
          name: 'r',
          paths: ['/ok', 'no-slash'],
          methods: 'GET',
          protocols: ['http', 'gopher'],
          strip_path: 'yes',
          colour: 'red',
          headers: { 'x-a': 'one' },
        },
      }),
    ),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  for (const field of ['paths[1]', 'methods', 'protocols[1]', 'strip_path', 'colour', 'headers.x-a']) {
    assert.ok(body.fields[field], `${field} in ${JSON.stringify(body.fields)}`);
  }
  assert.equal(body.fields.colour, 'unknown field');
  assert.equal(body.name, 'schema violation');
  assert.match(body.message, /^\d+ schema violations \(/);

  const plugin = expectProblem(
    await unchanged(() => admin.request('POST', '/plugins', { body: { name: 'rate-limiting', config: { minute: 'five', bogus: true } } })),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(plugin.fields['config.minute'] && plugin.fields['config.bogus'], JSON.stringify(plugin.fields));
  const unknownPlugin = expectProblem(await admin.request('POST', '/plugins', { body: { name: 'no-such-plugin' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(unknownPlugin.fields.name, /not enabled/);
  const required = expectProblem(await admin.request('POST', '/services', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.equal(required.fields.host, 'required field missing');
  assert.equal(required.message, 'schema violation (host: required field missing)');
  const rule = expectProblem(await admin.request('POST', '/routes', { body: { name: 'matches-nothing' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(rule.fields['@entity']);
  const unsupported = expectProblem(await admin.request('POST', '/services', { body: { host: 'x', protocol: 'grpc' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(unsupported.fields.protocol, /not supported yet/);
});

test('form-encoded bodies: Kong keys, types read from the schema, errors with paths', async () => {
  const form = 'name=form-svc&url=http%3A%2F%2Fform.internal%3A8080&retries=2&tags[]=a&tags[]=b';
  const svc = await admin.request('POST', '/services', { body: form });
  assert.equal(svc.status, 201, svc.text);
  assert.deepEqual([svc.body.retries, svc.body.port, svc.body.tags], [2, 8080, ['a', 'b']]);
  const route = await admin.request('POST', '/services/form-svc/routes', {
    body: 'paths[]=/form&methods=GET&methods=POST&strip_path=false&headers.x-env[]=prod',
  });
  assert.equal(route.status, 201, route.text);
  assert.deepEqual(
    [route.body.paths, route.body.methods, route.body.strip_path, route.body.headers],
    [['/form'], ['GET', 'POST'], false, { 'x-env': ['prod'] }],
  );
  const plugin = await admin.request('POST', '/plugins', { body: 'name=rate-limiting&config.minute=5&config.fault_tolerant=false&service.name=form-svc' });
  assert.equal(plugin.status, 201, plugin.text);
  assert.deepEqual([plugin.body.config.minute, plugin.body.config.fault_tolerant], [5, false]);
  const patched = await admin.request('PATCH', `/plugins/${plugin.body.id}`, { body: 'config.minute=7' });
  assert.equal(patched.body.config.minute, 7);

  const bad = expectProblem(await admin.request('POST', '/plugins', { body: 'name=rate-limiting&config.minute=lots' }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(bad.fields['config.minute']);
  expectProblem(await admin.request('POST', '/services', { body: 'a[=1' }), 400, 'ADMIN_MALFORMED_BODY');
  expectProblem(await admin.request('POST', '/services', { body: 'host=x&host.sub=y' }), 400, 'ADMIN_MALFORMED_BODY');
});

test('prototype-pollution keys are refused in JSON and forms', async () => {
  for (const text of ['{"host":"x","__proto__":{"admin":true}}', '{"host":"x","tags":[{"constructor":{"prototype":{"x":1}}}]}']) {
    expectProblem(
      await unchanged(() => admin.request('POST', '/services', { body: text, contentType: 'application/json' })),
      400,
      'ADMIN_MALFORMED_BODY',
      text,
    );
  }
  expectProblem(await admin.request('POST', '/services', { body: 'host=x&__proto__.admin=1' }), 400, 'ADMIN_MALFORMED_BODY');
  expectProblem(await admin.request('POST', '/plugins', { body: 'name=cors&config.constructor.prototype.x=1' }), 400, 'ADMIN_MALFORMED_BODY');
  assert.equal(({} as Record<string, unknown>).admin, undefined);
});

test('duplicates are 409 naming the field; a credential key is never echoed', async () => {
  const dup = expectProblem(await unchanged(() => admin.request('POST', '/services', { body: { name: 'v-svc', host: 'y' } })), 409, 'ADMIN_UNIQUE_VIOLATION');
  assert.ok(dup.fields.name);
  assert.match(dup.message, /UNIQUE violation detected on/);
  expectProblem(await admin.request('POST', '/consumers', { body: { username: 'v-user' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
  await admin.request('POST', '/consumers/v-user/key-auth', { body: { key: 'unique-secret-key-1' } });
  const keyDup = await admin.request('POST', '/consumers/v-user/key-auth', { body: { key: 'unique-secret-key-1' } });
  expectProblem(keyDup, 409, 'ADMIN_UNIQUE_VIOLATION');
  assert.ok(!keyDup.text.includes('unique-secret-key-1'), keyDup.text);
});

test('references to missing entities are 400 foreign key violations, by id or by name', async () => {
  const byId = expectProblem(
    await unchanged(() => admin.request('POST', '/routes', { body: { paths: ['/x'], service: { id: '00000000-0000-4000-8000-000000000000' } } })),
    400,
    'ADMIN_FOREIGN_KEY_VIOLATION',
  );
  assert.ok(byId.fields.service);
  assert.equal(byId.name, 'foreign key violation');
  const byName = expectProblem(
    await admin.request('POST', '/plugins', {
      body: { name: 'rate-limiting', config: { minute: 1 }, service: { name: 'ghost' }, consumer: { username: 'ghost' } },
    }),
    400,
    'ADMIN_FOREIGN_KEY_VIOLATION',
  );
  assert.ok(byName.fields.service && byName.fields.consumer, JSON.stringify(byName.fields));
  const shape = expectProblem(await admin.request('POST', '/routes', { body: { paths: ['/x'], service: 'v-svc' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(shape.fields.service);
  const badId = expectProblem(
    await admin.request('POST', '/routes', { body: { paths: ['/x'], service: { id: 'not-a-uuid' } } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(badId.fields['service.id']);
  const resolved = await admin.request('POST', '/routes', { body: { name: 'by-name', paths: ['/by-name'], service: { name: 'v-svc' } } });
  assert.equal(resolved.status, 201, resolved.text);
  assert.deepEqual(resolved.body.service, { id: (await admin.request('GET', '/services/v-svc')).body.id });
  expectProblem(await admin.request('POST', '/acls', { body: { group: 'g' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
});

test('SQL-looking strings in every field are data, never SQL', async () => {
  const sql = "x'); DROP TABLE services; --";
  const consumer = await admin.request('POST', '/consumers', { body: { username: sql, custom_id: `${sql} OR 1=1`, tags: [sql, "' OR ''='"] } });
  assert.equal(consumer.status, 201, consumer.text);
  assert.equal((await admin.request('GET', `/consumers/${encodeURIComponent(sql)}`)).body.id, consumer.body.id);
  assert.equal((await admin.request('GET', `/consumers?tags=${encodeURIComponent("' OR ''='")}`)).body.data.length, 1);
  const acl = await admin.request('POST', `/consumers/${encodeURIComponent(sql)}/acls`, { body: { group: `${sql}; SELECT pg_sleep(10)` } });
  assert.equal(acl.status, 201, acl.text);
  const key = await admin.request('POST', `/consumers/${consumer.body.id}/key-auth`, { body: { key: "k' OR '1'='1" } });
  assert.equal(key.status, 201);
  // fields whose schema forbids such characters refuse them cleanly
  const refused = expectProblem(
    await admin.request('POST', '/services', { body: { name: sql, host: "h'; DROP TABLE services;--", path: "/p'--" } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(refused.fields.name && refused.fields.host);
  for (const path of ['/services', `/services/${encodeURIComponent("1' OR '1'='1")}`, `/consumers?offset=${encodeURIComponent("' OR 1=1 --")}`]) {
    assert.ok([200, 400, 404].includes((await admin.request('GET', path)).status), path);
  }
  assert.equal((await admin.request('GET', '/services/v-svc')).status, 200, 'the services table is still there');
});

test('bodies over the limit are 413, whether declared or chunked, and the connection is closed', async () => {
  const small = await startAdminServer({ listen: { host: '127.0.0.1', port: 0 }, context: admin.context, routes: entityRoutes, maxBodyBytes: 4096 });
  try {
    const port = small.address().port;
    const big = JSON.stringify({ host: 'x', tags: Array.from({ length: 500 }, (_, i) => `tag-${i}`) });
    const declared = await fetch(`http://127.0.0.1:${port}/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.adminToken}`, 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(declared.status, 413);
    assert.equal((await json(declared)).code, 'ADMIN_BODY_TOO_LARGE');

    // chunked, no length: refused once the limit is passed, without reading the rest
    const chunked = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/services',
          headers: { authorization: `Bearer ${admin.adminToken}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
        },
      );
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
      );
      req.write('{"host":"x","tags":[');
      let sent = 0;
      const pump = () => {
        while (sent < 64 && req.write(`"${'t'.repeat(200)}",`)) sent++;
        if (sent < 64) req.once('drain', pump);
      };
      pump();
    });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.connection, 'close');
    assert.equal(JSON.parse(chunked.body).code, 'ADMIN_BODY_TOO_LARGE');
  } finally {
    await small.close();
  }
  // the default limit (1 MiB) on the main server
  const huge = await admin.request('POST', '/services', { body: { host: 'x', tags: ['a'.repeat(1024 * 1024)] } });
  expectProblem(huge, 413, 'ADMIN_BODY_TOO_LARGE');
});

test('concurrent conflicting writes: exactly one wins, the others get a clear 409, nothing half-written', async () => {
  const attempts = await Promise.all(
    Array.from({ length: 8 }, (_, i) => admin.request('POST', '/services', { body: { name: 'race', host: `h${i}.internal` } })),
  );
  const statuses = attempts.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], attempts.map((r) => r.text).join('\n'));
  for (const r of attempts.filter((a) => a.status === 409)) assert.ok(['ADMIN_UNIQUE_VIOLATION', 'STORE_CONFLICT'].includes(r.body.code), r.text);
  assert.equal((await admin.snapshotEntities()).services.filter((s) => s.name === 'race').length, 1);

  // concurrent PATCHes of one entity all apply in some order; the result is one of them, whole
  const svc = (await admin.request('GET', '/services/race')).body;
  const patches = await Promise.all([1, 2, 3, 4].map((n) => admin.request('PATCH', `/services/${svc.id}`, { body: { retries: n, tags: [`t${n}`] } })));
  assert.ok(
    patches.every((p) => p.status === 200),
    patches.map((p) => p.text).join('\n'),
  );
  const final = (await admin.request('GET', '/services/race')).body;
  assert.deepEqual(final.tags, [`t${final.retries}`]);

  // a delete racing a child's create: either the child lands first (delete refused) or the parent is gone (child refused)
  await admin.request('POST', '/services', { body: { name: 'race-parent', host: 'p.internal' } });
  const [del, child] = await Promise.all([
    admin.request('DELETE', '/services/race-parent'),
    admin.request('POST', '/services/race-parent/routes', { body: { paths: ['/race-child'] } }),
  ]);
  const outcome = `${del.status}/${child.status}`;
  assert.ok(['400/201', '204/404', '204/400'].includes(outcome), `${outcome}: ${del.text} ${child.text}`);
  const left = await admin.snapshotEntities();
  for (const route of left.routes) assert.ok(route.serviceId === null || left.services.some((s) => s.id === route.serviceId), 'no orphaned route');
});
