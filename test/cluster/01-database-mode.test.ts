// Database mode on embedded PGlite, as `portcullis start --data DIR` runs it: the first start seeds the empty
// database and prints an admin token once; admin writes are served by the running proxy without a restart; a
// change the gateway could not build is refused and the old config keeps serving; a restart keeps the data
// and never seeds again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminCall, proxyStatus, startNodeProcess, type NodeProcess } from './node-process.ts';

let up: TestUpstream;
let dir: string;
let node: NodeProcess;
let token: string;
let args: string[];

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-dbmode-'));
  const seed = join(dir, 'seed.yaml');
  await writeFile(
    seed,
    `_format_version: "3.0"\nservices:\n  - name: seeded\n    url: ${up.url}\n    routes:\n      - name: seeded\n        paths: [/seeded]\n`,
  );
  args = ['--data', join(dir, 'data'), '--seed', seed];
  node = await startNodeProcess(args);
});

after(async () => {
  await node?.stop();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('the first start seeds the empty database and prints the admin token once', async () => {
  assert.ok(node.token, `no token in the banner:\n${node.output()}`);
  token = node.token;
  assert.match(node.output(), /shown once; store it/);
  assert.match(node.output(), /database mode, PGlite in /);
  assert.match(node.output(), /curl -H "Authorization: Bearer \$TOKEN" http:\/\/127\.0\.0\.1:\d+\/services/);
  // The token is printed, never logged.
  assert.equal(node.output().split(token).length - 1, 2, 'the token appears in the banner and its export line only');
  assert.equal(await proxyStatus(node, '/seeded'), 200);
  const services = await adminCall(node, token, 'GET', '/services');
  assert.equal(services.status, 200);
  assert.deepEqual(
    services.body.data.map((s: { name: string }) => s.name),
    ['seeded'],
  );
  assert.equal((await adminCall(node, 'pcat_not-a-token', 'GET', '/services')).status, 401);
});

test('an admin write is served by the running proxy as soon as the admin API answered', async () => {
  assert.equal(await proxyStatus(node, '/added'), 404);
  assert.equal((await adminCall(node, token, 'POST', '/services', { name: 'added', url: up.url })).status, 201);
  const route = await adminCall(node, token, 'POST', '/services/added/routes', { name: 'added', paths: ['/added'] });
  assert.equal(route.status, 201);
  // No wait: the admin API answers after this node rebuilt (other nodes follow by notification).
  assert.equal(await proxyStatus(node, '/added'), 200);
  const status = await adminCall(node, token, 'GET', '/status');
  assert.equal(status.body.configuration.last_error, null);
  assert.ok(status.body.configuration.version >= 3);
});

test('a change the gateway cannot build is refused with 400 and the old config keeps serving', async () => {
  const before = await adminCall(node, token, 'GET', '/status');
  // A regex the router cannot compile is refused by the route schema, at its field.
  const bad = await adminCall(node, token, 'POST', '/services/added/routes', { name: 'bad', paths: ['~/a(b'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(bad.body.fields['paths[0]'], /invalid regex/);
  // A host the router cannot build is refused at its field too, with the router's own reason.
  const patched = await adminCall(node, token, 'PATCH', '/routes/added', { hosts: ['a.*.com'] });
  assert.equal(patched.status, 400);
  assert.equal(patched.body.code, 'ADMIN_SCHEMA_VIOLATION');
  assert.match(patched.body.fields['hosts[0]'], /invalid wildcard host/);
  // Nothing committed, nothing swapped.
  assert.equal((await adminCall(node, token, 'GET', '/routes/bad')).status, 404);
  assert.equal((await adminCall(node, token, 'GET', '/routes/added')).body.hosts, null);
  assert.equal(await proxyStatus(node, '/added'), 200);
  const after = await adminCall(node, token, 'GET', '/status');
  assert.equal(after.body.configuration.version, before.body.configuration.version);
});

test('a restart keeps the data and the token, and does not seed again', async () => {
  // Deleting the seeded entities must not bring them back on the next start.
  assert.equal((await adminCall(node, token, 'DELETE', '/routes/seeded')).status, 204);
  assert.equal((await adminCall(node, token, 'DELETE', '/services/seeded')).status, 204);
  assert.equal(await proxyStatus(node, '/seeded'), 404);
  assert.equal(await node.stop(), 0);

  node = await startNodeProcess(args);
  assert.equal(node.token, undefined, 'a later start prints no token');
  assert.match(node.output(), /admin tokens {6}in the database, kept as hashes \(not shown again\)/);
  // true whether the first start made the token or `portcullis admin-token create` did
  assert.doesNotMatch(node.output(), /first start/);
  assert.match(node.output(), /\/admin-tokens/);
  assert.equal(await proxyStatus(node, '/added'), 200);
  assert.equal(await proxyStatus(node, '/seeded'), 404);
  const services = await adminCall(node, token, 'GET', '/services');
  assert.equal(services.status, 200);
  assert.deepEqual(
    services.body.data.map((s: { name: string }) => s.name),
    ['added'],
  );
});
