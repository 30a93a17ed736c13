// GET / and /status (Kong's shapes), GET /config (the live config as a declarative document, secrets left out)
// in database mode; and in DB-less mode (a real node from a file) POST /config: 201 and served at once, or 400
// with every path while the old config keeps serving, each replacement in /audit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import type { JsonBody } from '../helpers/json.ts';
import { plugins } from '../helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { startNode, type RunningNode } from '../../src/control-plane/start-node.ts';

const JWT_SECRET = 'jwt-secret-never-exported-0123456789';
const API_KEY = 'api-key-never-exported-0123456789';
const REDIS_PASSWORD = 'redis-password-never-exported';

describe('database mode', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startTestAdmin({ routes: allAdminRoutes() });
  });
  after(async () => {
    await admin.close().catch(() => {}); // the last test closed the store already
  });

  test('GET / tells who the node is: version, node id, plugins available and in use, no secrets', async () => {
    const created = await admin.request('POST', '/plugins', { body: { name: 'cors' } });
    assert.equal(created.status, 201, created.text);
    const res = await admin.request('GET', '/', { token: admin.readOnlyToken });
    assert.equal(res.status, 200, res.text);
    const info = res.body;
    assert.equal(info.tagline, 'Welcome to portcullis');
    assert.equal(info.version, '0.0.0-test');
    assert.equal(info.node_id, 'test-node');
    assert.equal(info.hostname, 'localhost');
    assert.deepEqual(Object.keys(info.plugins.available_on_server), [...admin.context.plugins.keys()].sort());
    assert.equal(info.plugins.available_on_server['key-auth'].priority, admin.context.plugins.get('key-auth')!.priority);
    assert.deepEqual(info.plugins.enabled_in_cluster, ['cors']);
    assert.equal(info.configuration.database, 'pglite');
    assert.deepEqual(info.configuration.admin_listen, [`127.0.0.1:${new URL(admin.url).port}`]);
    for (const token of [admin.adminToken, admin.readOnlyToken]) assert.ok(!res.text.includes(token));
    await admin.request('DELETE', `/plugins/${created.body.id}`);
    assert.deepEqual((await admin.request('GET', '/')).body.plugins.enabled_in_cluster, []);
  });

  test("GET /status: Kong's database, server and memory blocks, plus the config version served", async () => {
    const write = await admin.request('POST', '/services', { body: { name: 'status-svc', host: 'a.internal' } });
    const res = await admin.request('GET', '/status', { token: admin.readOnlyToken });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.database, { reachable: true });
    assert.ok(res.body.server.connections_active >= 1);
    assert.match(res.body.memory.workers_lua_vms[0].http_allocated_gc, /^\d+\.\d{2} MiB$/);
    assert.match(res.body.memory.process.rss, /^\d+\.\d{2} MiB$/);
    assert.equal(res.body.configuration.version, await admin.store.version());
    assert.equal(res.body.configuration.last_error, null);
    assert.equal(res.body.configuration_hash, undefined, 'Kong reports the hash in DB-less mode only');
    assert.equal(write.status, 201);

    assert.match((await admin.request('GET', '/status?unit=k&scale=0')).body.memory.process.rss, /^\d+ KiB$/);
    assert.equal(typeof (await admin.request('GET', '/status?unit=b')).body.memory.process.rss, 'number');
    const unit = expectProblem(await admin.request('GET', '/status?unit=t'), 400, 'ADMIN_INVALID_QUERY');
    assert.equal(unit.message, "invalid unit 't' (expected 'k/K', 'm/M', or 'g/G')");
    // a name every object inherits is no unit either (the unit table was an object literal: 'NaN undefined')
    expectProblem(await admin.request('GET', '/status?unit=constructor'), 400, 'ADMIN_INVALID_QUERY');
    expectProblem(await admin.request('GET', '/status?scale=-1'), 400, 'ADMIN_INVALID_QUERY');
    expectProblem(await admin.request('GET', '/status?scale=x'), 400, 'ADMIN_INVALID_QUERY');
    const ready = await admin.request('GET', '/status/ready');
    assert.deepEqual([ready.status, ready.body], [200, { message: 'ready' }]);
  });

  test('GET /config exports the live config as a decK-shaped document that loads back, without any secret', async () => {
    const svc = (await admin.request('POST', '/services', { body: { name: 'cfg-svc', url: 'http://cfg.internal:8080/base', tags: ['cfg'] } })).body;
    assert.equal((await admin.request('POST', `/services/${svc.id}/routes`, { body: { name: 'cfg-route', paths: ['/cfg'] } })).status, 201);
    assert.equal((await admin.request('POST', '/consumers', { body: { username: 'cfg-user', tags: ['cfg'] } })).status, 201);
    assert.equal((await admin.request('POST', '/consumers/cfg-user/jwt', { body: { key: 'cfg-iss', secret: JWT_SECRET } })).status, 201);
    assert.equal((await admin.request('POST', '/consumers/cfg-user/key-auth', { body: { key: API_KEY } })).status, 201);
    const rl = await admin.request('POST', `/services/${svc.id}/plugins`, {
      body: { name: 'rate-limiting', config: { minute: 5, policy: 'local', redis: { password: REDIS_PASSWORD } } },
    });
    assert.equal(rl.status, 201, rl.text);

    const res = await admin.request('GET', '/config', { token: admin.readOnlyToken });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-config-version'), String(await admin.store.version()));
    const doc = res.body;
    assert.equal(doc._format_version, '3.0');
    const service = doc.services.find((s: { name: string }) => s.name === 'cfg-svc');
    assert.equal(service.routes[0].name, 'cfg-route');
    assert.equal(service.plugins[0].name, 'rate-limiting');
    const consumer = doc.consumers.find((c: { username: string }) => c.username === 'cfg-user');
    assert.equal(consumer.jwt_secrets[0].key, 'cfg-iss');
    assert.equal(consumer.jwt_secrets[0].secret, undefined);
    assert.equal(consumer.keyauth_credentials[0].key, undefined);
    assert.match(consumer.keyauth_credentials[0].key_hash, /\S/);
    for (const secret of [JWT_SECRET, API_KEY, REDIS_PASSWORD]) assert.ok(!res.text.includes(secret), `${secret} leaked`);

    // loads back through the declarative loader to the same entities (ids kept)
    const loaded = loadDeclarative(structuredClone(doc), await plugins());
    const live = await admin.snapshotEntities();
    assert.deepEqual(loaded.services.map((s) => s.id).sort(), live.services.map((s) => s.id).sort());
    assert.deepEqual(
      loaded.keyauth_credentials.map((k) => k.id),
      live.keyauth_credentials.map((k) => k.id),
    );

    const yaml = await admin.request('GET', '/config?format=yaml');
    assert.equal(yaml.status, 200);
    assert.deepEqual(parseYaml(yaml.body.config), doc, "Kong's { config: <yaml> } holds the same document");
    const tagged = (await admin.request('GET', '/config?select_tags=cfg')).body;
    assert.deepEqual([tagged.services.length, tagged.consumers.length, tagged._info], [1, 1, { select_tags: ['cfg'] }]);
    const format = expectProblem(await admin.request('GET', '/config?format=xml'), 400, 'ADMIN_INVALID_QUERY');
    assert.ok(format.fields.format);
  });

  test('POST /config is for DB-less mode: 400 in database mode (Kong), 403 for a read-only token', async () => {
    const body = expectProblem(await admin.request('POST', '/config', { body: { _format_version: '3.0' } }), 400, 'ADMIN_DB_MODE_ONLY_DBLESS');
    assert.equal(body.message, 'this endpoint is only available when Kong is configured to not use a database');
    expectProblem(await admin.request('POST', '/config', { body: { _format_version: '3.0' }, token: admin.readOnlyToken }), 403, 'ADMIN_FORBIDDEN');
  });

  // last: it closes this admin's store
  test('database unreachable: GET /status still answers 200 with database.reachable false; /status/ready is 503', async () => {
    // Tokens live in the database too: let a fixed token in, as DB-less mode does, to see past the outage.
    admin.context.auth = { verify: async (t) => (t === 'outage-token' ? { id: 'env', name: 'env', role: 'read-only' } : undefined) };
    await admin.store.close();
    const status = await admin.request('GET', '/status', { token: 'outage-token' });
    assert.equal(status.status, 200, status.text);
    assert.deepEqual(status.body.database, { reachable: false });
    const ready = expectProblem(await admin.request('GET', '/status/ready', { token: 'outage-token' }), 503, 'ADMIN_NOT_READY');
    assert.match(ready.detail, /database unreachable/);
  });
});

describe('DB-less mode', () => {
  let node: RunningNode;
  let upstream: TestUpstream;
  let dir: string;
  let url: string;
  let proxy: string;
  const ADMIN = 'dbless-admin-token';
  const READER = 'dbless-reader-token';
  const call = async (method: string, path: string, body?: unknown, token = ADMIN) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: JsonBody = text === '' ? undefined : JSON.parse(text);
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  const doc = (path: string, extra: Record<string, unknown> = {}) => ({
    _format_version: '3.0',
    services: [{ name: 'file-svc', url: upstream.url, routes: [{ name: 'file-route', paths: [path] }] }],
    ...extra,
  });

  before(async () => {
    upstream = await startUpstream();
    dir = await mkdtemp(join(tmpdir(), 'portcullis-dbless-'));
    const file = join(dir, 'kong.json');
    await writeFile(file, JSON.stringify(doc('/one')));
    node = await startNode({
      configFile: file,
      listen: [{ host: '127.0.0.1', port: 0 }],
      adminListen: { host: '127.0.0.1', port: 0 },
      env: { PORTCULLIS_ADMIN_TOKEN: ADMIN, PORTCULLIS_ADMIN_READONLY_TOKEN: READER },
      logger: pino({ level: 'silent' }),
      plugins: await plugins(),
    });
    url = `http://127.0.0.1:${node.admin.address().port}`;
    proxy = `http://127.0.0.1:${node.gateway.addresses()[0]!.port}`;
  });
  after(async () => {
    await node?.close();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GET /config and GET / describe the file served; /status carries its configuration_hash', async () => {
    const config = await call('GET', '/config', undefined, READER);
    assert.equal(config.status, 200);
    assert.equal(config.body.services[0].routes[0].paths[0], '/one');
    assert.equal((await call('GET', '/')).body.configuration.database, 'off');
    const status = (await call('GET', '/status')).body;
    assert.deepEqual(status.database, { reachable: true });
    assert.match(status.configuration_hash, /^[0-9a-f]{32}$/);
  });

  test('POST /config replaces the whole config: 201 with the entities (no secrets), served at once, audited', async () => {
    const hashBefore = (await call('GET', '/status')).body.configuration_hash;
    const versionBefore = (await call('GET', '/status')).body.configuration.version;
    const next = doc('/two', {
      consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-iss', secret: JWT_SECRET }], keyauth_credentials: [{ key: API_KEY }] }],
    });
    const res = await call('POST', '/config', next);
    assert.equal(res.status, 201, res.text);
    const [route] = Object.values(res.body.routes) as { paths: string[]; service: { id: string } }[];
    assert.ok(route);
    assert.deepEqual(route.paths, ['/two']);
    assert.equal(route.service.id, Object.keys(res.body.services)[0]);
    assert.equal(Object.keys(res.body.keyauth_credentials).length, 1);
    for (const secret of [JWT_SECRET, API_KEY]) assert.ok(!res.text.includes(secret), `${secret} in the answer`);

    assert.equal((await fetch(`${proxy}/two`)).status, 200, 'the new route is served');
    assert.equal((await fetch(`${proxy}/one`)).status, 404, 'the old one is gone');
    const status = (await call('GET', '/status')).body;
    assert.notEqual(status.configuration_hash, hashBefore);
    assert.equal(status.configuration.version, versionBefore + 1);
    assert.equal((await call('GET', '/consumers/alice')).status, 200);

    const audit = await call('GET', '/audit?kind=config', undefined, READER);
    const entry = audit.body.data[0];
    assert.equal(entry.action, 'replace-config');
    assert.equal(entry.actor.name, 'PORTCULLIS_ADMIN_TOKEN');
    assert.equal(entry.request_id, res.headers.get('x-request-id'));
    // a summary and the diff, not two full images of the config
    assert.deepEqual(entry.before, { entities: { services: 1, routes: 1 } });
    assert.deepEqual(entry.after.entities, { services: 1, routes: 1, consumers: 1, jwt_secrets: 1, keyauth_credentials: 1 });
    assert.deepEqual(entry.after.changes, { created: 3, updated: 1, deleted: 0 });
    const changed = entry.after.diff.find((c: { kind: string }) => c.kind === 'routes');
    assert.deepEqual([changed.action, changed.label, changed.fields], ['update', 'file-route', ['paths']]);
    for (const secret of [JWT_SECRET, API_KEY]) assert.ok(!audit.text.includes(secret), `${secret} in the audit log`);
  });

  test("POST /config takes Kong's { config: <yaml text> } too", async () => {
    const yaml = `_format_version: "3.0"\nservices:\n  - name: yaml-svc\n    url: ${upstream.url}\n    routes:\n      - paths: [/three]\n`;
    const res = await call('POST', '/config', { config: yaml });
    assert.equal(res.status, 201, res.text);
    assert.equal((await fetch(`${proxy}/three`)).status, 200);
  });

  test('a refused config lists every error with its path, and the old config keeps serving', async () => {
    const before = (await call('GET', '/config')).text;
    const hash = (await call('GET', '/status')).body.configuration_hash;
    const auditTop = (await call('GET', '/audit?size=1')).body.data[0].id;
    const bad = {
      _format_version: '3.0',
      services: [{ name: 'bad svc', host: 'x', routes: [{ paths: ['no-slash'] }] }],
      consumers: [{ username: 'bob', acls: [{}] }],
    };
    const res = await call('POST', '/config', bad);
    const body = expectProblem({ ...res, headers: res.headers }, 400, 'ADMIN_CONFIG_REFUSED');
    assert.equal(body.message, 'declarative config is invalid');
    assert.equal(body.name, 'invalid declarative configuration');
    for (const path of ['services[0].name', 'services[0].routes[0].paths[0]', 'consumers[0].acls[0].group'])
      assert.ok(body.fields[path], `${path} in ${JSON.stringify(body.fields)}`);

    const flat = await call('POST', '/config?flatten_errors=1', bad);
    assert.deepEqual(flat.body.fields, body.fields, 'flatten_errors: fields are flat paths already');
    const yaml = expectProblem(await call('POST', '/config', { config: 'services: [\n  - name: x\n  bad' }), 400, 'ADMIN_CONFIG_REFUSED');
    assert.match(yaml.fields.config, /not valid YAML or JSON/);
    const empty = expectProblem(await call('POST', '/config', {}), 400, 'ADMIN_CONFIG_REFUSED');
    assert.equal(empty.message, 'expected a declarative configuration');
    expectProblem(await call('POST', '/config', { _format_version: '9.9' }), 400, 'ADMIN_CONFIG_REFUSED');

    assert.equal((await call('GET', '/config')).text, before, 'the old config is still the one served');
    assert.equal((await call('GET', '/status')).body.configuration_hash, hash);
    assert.equal((await fetch(`${proxy}/three`)).status, 200);
    assert.equal((await call('GET', '/audit?size=1')).body.data[0].id, auditTop, 'refusals are not audited as changes');
  });

  test('a file with two lookalike identities, a consumer without identity or an invisible character is refused whole', async () => {
    const hash = (await call('GET', '/status')).body.configuration_hash;
    const res = await call(
      'POST',
      '/config',
      doc('/lookalike', { consumers: [{ username: 'alice' }, { username: 'ＡＬＩＣＥ' }, {}, { username: 'bob\u202E' }] }),
    );
    const problem = expectProblem(res, 400, 'ADMIN_CONFIG_REFUSED');
    assert.match(problem.fields['consumers[1].username'], /looks the same as "alice" at consumers\[0\]/);
    assert.equal(problem.fields['consumers[2]'], "at least one of these fields must be non-empty: 'custom_id', 'username'");
    assert.match(problem.fields['consumers[3].username'], /U\+202E/);
    assert.equal((await call('GET', '/status')).body.configuration_hash, hash, 'the old config keeps serving');
  });

  test('DB-less: POST /config needs the admin role; entity writes and admin tokens are 405', async () => {
    expectProblem(await call('POST', '/config', doc('/x'), READER), 403, 'ADMIN_FORBIDDEN');
    expectProblem(await call('POST', '/services', { host: 'x' }), 405, 'ADMIN_DB_LESS_READ_ONLY');
    expectProblem(await call('GET', '/admin-tokens'), 405, 'ADMIN_TOKENS_DB_LESS');
    expectProblem(await call('POST', '/admin-tokens', { name: 'x', role: 'admin' }), 405, 'ADMIN_DB_LESS_READ_ONLY');
    expectProblem(await call('GET', '/admin-tokens', undefined, READER), 403, 'ADMIN_FORBIDDEN');
    expectProblem(await call('POST', '/schemas/services/validate', { host: 'bad host' }, READER), 400, 'ADMIN_SCHEMA_VIOLATION');
  });
});
