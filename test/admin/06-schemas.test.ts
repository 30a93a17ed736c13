// /schemas: every entity and plugin schema as the JSON Schema docs/schemas/ holds, Kong's 404 messages, and the
// validate dry runs: 200 {"message":"schema validation successful"} or 400 with every field path, nothing written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { KINDS } from '../../src/schema/entity-catalogue.ts';
import { renderJsonSchemas } from '../../src/schema/json-schemas.ts';

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin({ routes: allAdminRoutes() });
});
after(async () => {
  await admin.close();
});

// What `npm run docs` writes to docs/schemas/<name>.json (a docs test keeps the files fresh).
const docsSchema = async (name: string) => (await renderJsonSchemas())[name];

/** Runs `write` and asserts nothing was stored and nothing audited. */
async function writesNothing<T>(write: () => Promise<T>): Promise<T> {
  const before = JSON.stringify(await admin.snapshotEntities());
  const audit = (await admin.request('GET', '/audit?size=1')).body.data[0]?.id;
  const result = await write();
  assert.equal(JSON.stringify(await admin.snapshotEntities()), before, 'the store is unchanged');
  assert.equal((await admin.request('GET', '/audit?size=1')).body.data[0]?.id, audit, 'nothing audited');
  return result;
}

test('GET /schemas/{entity} is the entity JSON Schema from docs/schemas, for every kind, by Kong db name', async () => {
  for (const kind of KINDS) {
    const res = await admin.request('GET', `/schemas/${kind}`);
    assert.equal(res.status, 200, `${kind}: ${res.text}`);
    assert.deepEqual(res.body, await docsSchema(`entity.${kind.replace(/s$/, '')}`), kind);
  }
  // read-only tokens read schemas too
  assert.equal((await admin.request('GET', '/schemas/services', { token: admin.readOnlyToken })).status, 200);
});

test('GET /schemas/plugins/{name} is the plugin config JSON Schema from docs/schemas, for every installed plugin', async () => {
  assert.ok(admin.context.plugins.size >= 8);
  for (const name of admin.context.plugins.keys()) {
    const res = await admin.request('GET', `/schemas/plugins/${name}`);
    assert.equal(res.status, 200, `${name}: ${res.text}`);
    assert.deepEqual(res.body, await docsSchema(`plugin.${name}`), name);
  }
});

test("unknown schemas are 404 with Kong's messages; admin path names are not entity names", async () => {
  assert.equal(expectProblem(await admin.request('GET', '/schemas/nope'), 404, 'ADMIN_NOT_FOUND').message, "No entity named 'nope'");
  assert.equal(expectProblem(await admin.request('GET', '/schemas/key-auths'), 404, 'ADMIN_NOT_FOUND').message, "No entity named 'key-auths'");
  assert.equal(expectProblem(await admin.request('GET', '/schemas/plugins/nope'), 404, 'ADMIN_NOT_FOUND').message, "No plugin named 'nope'");
  assert.equal(expectProblem(await admin.request('POST', '/schemas/nope/validate', { body: {} }), 404, 'ADMIN_NOT_FOUND').message, "No entity named 'nope'");
  // a name that looks like a query or a traversal is just a name
  for (const name of ["services' OR 1=1 --", '..%2F..%2Fetc%2Fpasswd', '%00']) {
    expectProblem(await admin.request('GET', `/schemas/${name}`), 404, 'ADMIN_NOT_FOUND', name);
  }
});

test("POST /schemas/{entity}/validate: a valid body is 200 with Kong's message and nothing is written", async () => {
  const valid: Record<string, unknown> = {
    services: { name: 'v-svc', url: 'https://api.internal:8443/v1' },
    routes: { paths: ['/v'], service: { id: '5bd56b8e-4b5c-4e3c-9c6e-1b0f6c2c5d11' } }, // need not exist (Kong)
    upstreams: { name: 'v-up' },
    targets: { target: '10.0.0.1:80', upstream: { name: 'not-created-yet' } },
    consumers: { username: 'v-user' },
    jwt_secrets: { consumer: { username: 'v-user' }, key: 'iss-1', secret: 'a-long-enough-secret-0123456789abcdef' },
    keyauth_credentials: { consumer: { id: '5bd56b8e-4b5c-4e3c-9c6e-1b0f6c2c5d11' }, key: 'k-1' },
    basicauth_credentials: { consumer: { username: 'v-user' }, username: 'v-basic', password: 'p' },
    acls: { consumer: { username: 'v-user' }, group: 'g' },
    hmacauth_credentials: { consumer: { username: 'v-user' }, username: 'v-signer', secret: 'v-secret' },
    plugins: { name: 'rate-limiting', config: { minute: 5 } },
  };
  await writesNothing(async () => {
    for (const kind of KINDS) {
      const res = await admin.request('POST', `/schemas/${kind}/validate`, { body: valid[kind] });
      assert.equal(res.status, 200, `${kind}: ${res.text}`);
      assert.deepEqual(res.body, { message: 'schema validation successful' });
    }
  });
  assert.equal((await admin.request('GET', '/services/v-svc')).status, 404);
});

test('validate reports every field error with its path, as an entity write would', async () => {
  const svc = await writesNothing(() =>
    admin.request('POST', '/schemas/services/validate', { body: { host: 'bad host!', port: 'eighty', retries: -1, unknown_field: 1, tags: ['ok', 7] } }),
  );
  const body = expectProblem(svc, 400, 'ADMIN_SCHEMA_VIOLATION');
  for (const field of ['host', 'port', 'retries', 'unknown_field', 'tags[1]']) assert.ok(body.fields[field], `${field} in ${JSON.stringify(body.fields)}`);
  assert.equal(body.name, 'schema violation');
  assert.match(body.message, /^\d+ schema violations \(/);

  const route = expectProblem(await admin.request('POST', '/schemas/routes/validate', { body: { service: 'by-string' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(route.fields.service, JSON.stringify(route.fields));
  const rule = expectProblem(await admin.request('POST', '/schemas/routes/validate', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(rule.fields['@entity'], /at least one of/);
  const badRef = expectProblem(
    await admin.request('POST', '/schemas/routes/validate', { body: { paths: ['/x'], service: { id: 'not-a-uuid' } } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(badRef.fields['service.id']);

  const target = expectProblem(await admin.request('POST', '/schemas/targets/validate', { body: { target: '10.0.0.1:80' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.equal(target.fields.upstream, 'required field missing');
  const url = expectProblem(await admin.request('POST', '/schemas/services/validate', { body: { url: 'ftp://x' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(
    Object.keys(url.fields).some((f) => f === 'url' || f === 'protocol'),
    JSON.stringify(url.fields),
  );
  const unsupported = expectProblem(
    await admin.request('POST', '/schemas/upstreams/validate', { body: { name: 'u', algorithm: 'least-connections' } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.match(unsupported.fields.algorithm, /not supported yet/);
  expectProblem(await admin.request('POST', '/schemas/services/validate', { body: ['not', 'an', 'object'] }), 400, 'ADMIN_SCHEMA_VIOLATION');
  expectProblem(await admin.request('POST', '/schemas/services/validate', { body: '{"host":', contentType: 'application/json' }), 400, 'ADMIN_MALFORMED_BODY');
});

test('POST /schemas/plugins/validate checks the plugin name, its config schema, its own rules and its scope', async () => {
  const ok = await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'cors', config: { origins: ['https://a.example'] } } });
  assert.deepEqual([ok.status, ok.body], [200, { message: 'schema validation successful' }]);
  const unknown = expectProblem(await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'no-such-plugin' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(unknown.fields.name, /not enabled/);
  const config = expectProblem(
    await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'key-auth', config: { key_names: [], bogus: true } } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(config.fields['config.key_names'] && config.fields['config.bogus'], JSON.stringify(config.fields));
  const rule = expectProblem(
    await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'rate-limiting', config: {} } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(
    Object.keys(rule.fields).some((f) => f.startsWith('config')),
    JSON.stringify(rule.fields),
  );
  const scope = expectProblem(
    await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'key-auth', consumer: { username: 'someone' } } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.match(scope.fields.consumer, /cannot be configured on a consumer/);
  // the same route under its entity name does the same
  const same = await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'cors', protocols: ['http'] } });
  assert.deepEqual((await admin.request('POST', '/schemas/plugins/validate', { body: { name: 'cors', protocols: ['http'] } })).body.fields, same.body.fields);
});

test('validate takes Kong form bodies, is open to read-only tokens, and never echoes a secret', async () => {
  const form = await admin.request('POST', '/schemas/plugins/validate', { body: 'name=rate-limiting&config.minute=5&config.policy=local' });
  assert.equal(form.status, 200, form.text);
  const badForm = expectProblem(
    await admin.request('POST', '/schemas/services/validate', { body: 'host=example.com&port=abc' }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(badForm.fields.port);
  const reader = await admin.request('POST', '/schemas/consumers/validate', { body: { username: 'r' }, token: admin.readOnlyToken });
  assert.equal(reader.status, 200, reader.text);
  expectProblem(await admin.request('POST', '/schemas/consumers/validate', { body: { username: 'r' }, token: null }), 401, 'ADMIN_UNAUTHORIZED');

  const secret = 'S3CRET-never-echoed-0123456789';
  const jwt = expectProblem(
    await admin.request('POST', '/schemas/jwt_secrets/validate', { body: { consumer: { username: 'x' }, secret, algorithm: 'none', key: 7 } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(jwt.fields.algorithm && jwt.fields.key);
  const redis = expectProblem(
    await admin.request('POST', '/schemas/plugins/validate', {
      body: { name: 'rate-limiting', config: { minute: 1, policy: 'redis', redis: { password: secret, port: 'x' } } },
    }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  for (const body of [jwt, redis]) assert.ok(!JSON.stringify(body).includes(secret), JSON.stringify(body));
});

test('validate routes answer only POST; schema reads only GET', async () => {
  const res = await admin.request('GET', '/schemas/services/validate');
  expectProblem(res, 405, 'ADMIN_METHOD_NOT_ALLOWED');
  assert.equal(res.headers.get('allow'), 'POST');
  expectProblem(await admin.request('DELETE', '/schemas/services'), 405, 'ADMIN_METHOD_NOT_ALLOWED');
});
