// Targets and service hosts in the form the connection uses: ports 1-65535, and IPv4 addresses written as one
// decimal number, in hex, octal or short form stored as the dotted quad they stand for (as a service `url`
// already was), so `2852039166:80` reads as 169.254.169.254:80; malformed numeric hosts and IP upstream names
// are refused; at admin writes and in declarative files alike, and traffic goes where the stored form says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

describe('targets and service hosts over the admin API', () => {
  let admin: TestAdmin;
  let upstream: TestUpstream;
  before(async () => {
    admin = await startTestAdmin({ routes: allAdminRoutes() });
    upstream = await startUpstream();
    assert.equal((await admin.request('POST', '/upstreams', { body: { name: 'pool.internal' } })).status, 201);
  });
  after(async () => {
    await admin?.close();
    await upstream?.close();
  });

  test('target ports are 1-65535; malformed addresses are refused at `target`', async () => {
    const before = await admin.snapshotEntities();
    for (const target of ['10.0.0.1:0', '10.0.0.1:65536', '10.0.0.1:99999', '10.0.0.1:', '256.1.1.1:80', '1.2.3.4.5:80', '[zz::1]:80', 'a:b']) {
      const problem = expectProblem(
        await admin.request('POST', '/upstreams/pool.internal/targets', { body: { target } }),
        400,
        'ADMIN_SCHEMA_VIOLATION',
        target,
      );
      assert.ok(problem.fields.target, `${target}: ${JSON.stringify(problem.fields)}`);
    }
    assert.deepEqual(await admin.snapshotEntities(), before);
  });

  test('IPv4 addresses in decimal, hex, octal or short form are stored as the dotted quad they reach', async () => {
    for (const [given, stored] of [
      ['2852039166:80', '169.254.169.254:80'],
      ['0xa9fea9fe:81', '169.254.169.254:81'],
      ['0251.0376.0251.0376:82', '169.254.169.254:82'],
      ['169.254.43518:83', '169.254.169.254:83'],
      ['10.1:84', '10.0.0.1:84'],
      ['10.0.0.2:00085', '10.0.0.2:85'],
      ['[::FFFF:10.0.0.3]:86', '[::ffff:a00:3]:86'],
    ]) {
      const res = await admin.request('POST', '/upstreams/pool.internal/targets', { body: { target: given } });
      assert.equal(res.status, 201, `${given}: ${res.text}`);
      assert.equal(res.body.target, stored, given);
    }
    // the same address twice, written two ways, is the same target
    expectProblem(await admin.request('POST', '/upstreams/pool.internal/targets', { body: { target: '169.254.169.254:80' } }), 409, 'ADMIN_UNIQUE_VIOLATION');

    const svc = await admin.request('POST', '/services', { body: { name: 'decimal-host', host: '2852039166', port: 80 } });
    assert.equal(svc.status, 201, svc.text);
    assert.equal(svc.body.host, '169.254.169.254');
    const url = await admin.request('POST', '/services', { body: { name: 'decimal-url', url: 'http://0xa9fea9fe:80/' } });
    assert.equal(url.body.host, '169.254.169.254', 'a url was already normalised: now host agrees');
    expectProblem(await admin.request('POST', '/services', { body: { name: 'bad-host', host: '256.0.0.1' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
    const ipName = expectProblem(await admin.request('POST', '/upstreams', { body: { name: '2852039166' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
    assert.equal(ipName.fields.name, 'Invalid name; no ip addresses allowed');
  });

  test('a target written as a decimal address proxies to the address it is stored as', async () => {
    const port = new URL(upstream.url).port;
    assert.equal((await admin.request('POST', '/upstreams', { body: { name: 'local.pool' } })).status, 201);
    const target = await admin.request('POST', '/upstreams/local.pool/targets', { body: { target: `2130706433:${port}` } });
    assert.equal(target.body.target, `127.0.0.1:${port}`);
    assert.equal((await admin.request('POST', '/services', { body: { name: 'via-pool', host: 'local.pool' } })).status, 201);
    assert.equal((await admin.request('POST', '/services/via-pool/routes', { body: { paths: ['/via-pool'] } })).status, 201);
    const res = await fetch(`${admin.proxyUrl}/via-pool/x`);
    assert.equal(res.status, 200, await res.text());
  });
});

test('declarative files: target ports and numeric hosts are checked and normalised the same way', async () => {
  const registry = await plugins();
  const doc = (targets: string[]) => ({
    _format_version: '3.0',
    upstreams: [{ name: 'u.internal', targets: targets.map((target) => ({ target })) }],
    services: [{ name: 's', host: '2130706433' }],
  });
  const loaded = loadDeclarative(doc(['2852039166:80', '10.0.0.1']), registry);
  assert.deepEqual(
    loaded.targets.map((t) => t.target),
    ['169.254.169.254:80', '10.0.0.1'],
  );
  assert.equal(loaded.services[0]!.host, '127.0.0.1');
  assert.throws(
    () => loadDeclarative(doc(['10.0.0.1:0', '10.0.0.1:65536', '169.254.169.254:80', '2852039166:80']), registry),
    (err) => {
      assert.ok(err instanceof ConfigError);
      const paths = err.errors.map((e) => e.path);
      assert.ok(paths.includes('upstreams[0].targets[0].target'), paths.join());
      assert.ok(paths.includes('upstreams[0].targets[1].target'), paths.join());
      // written two ways, the same target twice
      assert.ok(paths.includes('upstreams[0].targets[3].target'), paths.join());
      return true;
    },
  );
});
