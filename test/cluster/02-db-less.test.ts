// DB-less mode, as `portcullis start --config FILE` runs it: the admin API reads what the file configured,
// refuses entity writes with 405, and POST /config swaps the whole config on the running proxy; a document
// that fails to validate or build is refused with 400 and the old config keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminCall, proxyStatus, startNodeProcess, type NodeProcess } from './node-process.ts';

const ADMIN = `pcat_${randomBytes(24).toString('base64url')}`;
const READER = `pcat_${randomBytes(24).toString('base64url')}`;
let up: TestUpstream;
let dir: string;
let node: NodeProcess;

const doc = (path: string) => ({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: [path] }] }] });

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-dbless-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify(doc('/one')));
  node = await startNodeProcess(['--config', file], { PORTCULLIS_ADMIN_TOKEN: ADMIN, PORTCULLIS_ADMIN_READONLY_TOKEN: READER });
});

after(async () => {
  await node?.stop();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('the banner names the mode and does not print a token that came from the environment', () => {
  assert.match(node.output(), /DB-less mode/);
  assert.match(node.output(), /the one in PORTCULLIS_ADMIN_TOKEN/);
  assert.equal(node.token, undefined);
  assert.ok(!node.output().includes(ADMIN) && !node.output().includes(READER));
});

test('admin reads show what the file configured, for either token', async () => {
  assert.equal(await proxyStatus(node, '/one'), 200);
  for (const token of [ADMIN, READER]) {
    const services = await adminCall(node, token, 'GET', '/services');
    assert.equal(services.status, 200);
    assert.deepEqual(
      services.body.data.map((s: { name: string }) => s.name),
      ['s'],
    );
    assert.deepEqual((await adminCall(node, token, 'GET', '/routes/r')).body.paths, ['/one']);
  }
  assert.equal((await adminCall(node, 'wrong', 'GET', '/services')).status, 401);
});

test('entity writes are refused with 405 in DB-less mode', async () => {
  const post = await adminCall(node, ADMIN, 'POST', '/services', { name: 'x', url: up.url });
  assert.equal(post.status, 405);
  assert.equal(post.body.code, 'ADMIN_DB_LESS_READ_ONLY');
  assert.equal((await adminCall(node, ADMIN, 'DELETE', '/services/s')).status, 405);
  assert.equal((await adminCall(node, ADMIN, 'PATCH', '/routes/r', { paths: ['/x'] })).status, 405);
  assert.equal(await proxyStatus(node, '/one'), 200);
});

test('POST /config swaps the running config; a read-only token may not', async () => {
  assert.equal((await adminCall(node, READER, 'POST', '/config', doc('/two'))).status, 403);
  const res = await adminCall(node, ADMIN, 'POST', '/config', doc('/two'));
  assert.equal(res.status, 201);
  assert.equal(await proxyStatus(node, '/two'), 200);
  assert.equal(await proxyStatus(node, '/one'), 404);
  assert.deepEqual((await adminCall(node, ADMIN, 'GET', '/routes/r')).body.paths, ['/two']);
  const audit = await adminCall(node, ADMIN, 'GET', '/audit');
  assert.equal(audit.status, 200);
  assert.equal(audit.body.data[0].action, 'replace-config');
});

test('an invalid POST /config is refused with 400 and the old config keeps serving', async () => {
  const before = (await adminCall(node, ADMIN, 'GET', '/status')).body.configuration.version;
  const invalid = await adminCall(node, ADMIN, 'POST', '/config', {
    _format_version: '3.0',
    services: [{ name: 's', url: 'not a url', routes: [{ paths: ['/three'] }] }],
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.code, 'ADMIN_CONFIG_REFUSED');
  assert.ok(Object.keys(invalid.body.fields).length > 0);
  // Valid by the schema, refused by the router's build.
  const unbuildable = await adminCall(node, ADMIN, 'POST', '/config', doc('~/a(b'));
  assert.equal(unbuildable.status, 400);
  assert.equal(unbuildable.body.code, 'ADMIN_CONFIG_REFUSED');
  // Valid by the plugin's schema, refused by its factory: DB-less has no database to count in.
  const clusterPolicy = await adminCall(node, ADMIN, 'POST', '/config', {
    ...doc('/three'),
    plugins: [{ name: 'rate-limiting', config: { minute: 5, policy: 'cluster' } }],
  });
  assert.equal(clusterPolicy.status, 400);
  assert.equal(clusterPolicy.body.code, 'ADMIN_CONFIG_REFUSED');
  assert.match(JSON.stringify(clusterPolicy.body.fields), /config\.policy.*DB-less/);
  assert.equal(await proxyStatus(node, '/two'), 200);
  assert.equal(await proxyStatus(node, '/three'), 404);
  assert.equal((await adminCall(node, ADMIN, 'GET', '/status')).body.configuration.version, before);
  assert.deepEqual((await adminCall(node, ADMIN, 'GET', '/routes/r')).body.paths, ['/two']);
});

test('without a configured token, one is generated for the run and printed once', async () => {
  const file = join(dir, 'kong.json');
  const env = { PORTCULLIS_ADMIN_TOKEN: '', PORTCULLIS_ADMIN_READONLY_TOKEN: '' };
  const other = await startNodeProcess(['--config', file], env);
  try {
    assert.ok(other.token, `no generated token:\n${other.output()}`);
    assert.match(other.output(), /for this run only/);
    assert.equal((await adminCall(other, other.token, 'GET', '/services')).status, 200);
    assert.equal((await adminCall(other, ADMIN, 'GET', '/services')).status, 401);
  } finally {
    await other.stop();
  }
});
