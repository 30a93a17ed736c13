// `portcullis start --workers 2` in database mode on PGlite: an admin write is served on every open connection as
// soon as the admin API answered (every worker acked the change), and `policy: cluster` rate limits, whose
// counters live in the database, are exact across workers through the main thread's one pool (workers open
// none of their own: their SQL crosses to the main thread).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminCall, startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';
import { openConnections, workerStatus, type Connections } from './worker-node.ts';

const CONNECTIONS = 24;
let up: TestUpstream;
let dir: string;
let node: NodeProcess;
let token: string;
let conns: Connections | undefined;

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-workers-db-'));
  const seed = join(dir, 'seed.yaml');
  await writeFile(
    seed,
    `_format_version: "3.0"\nservices:\n  - name: seeded\n    url: ${up.url}\n    routes:\n      - name: seeded\n        paths: [/seeded]\n`,
  );
  node = await startNodeProcess(['--data', join(dir, 'data'), '--seed', seed, '--workers', '2']);
  assert.ok(node.token, `no admin token in the banner:\n${node.output()}`);
  token = node.token;
  conns = await openConnections(node.proxy, CONNECTIONS, '/seeded');
});

after(async () => {
  await conns?.close();
  await node?.stop();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

const all = (status: number) => Array<number>(CONNECTIONS).fill(status);

test('both workers serve the seeded config', async () => {
  assert.deepEqual(await conns!.statuses('/seeded'), all(200));
  const { workers } = await workerStatus(node, token);
  assert.equal(workers.length, 2);
});

test('an admin write is served on every connection as soon as it returns', async () => {
  assert.deepEqual(await conns!.statuses('/added'), all(404));
  assert.equal((await adminCall(node, token, 'POST', '/services', { name: 'added', url: up.url })).status, 201);
  assert.equal((await adminCall(node, token, 'POST', '/services/added/routes', { name: 'added', paths: ['/added'] })).status, 201);
  assert.deepEqual(await conns!.statuses('/added'), all(200));
  assert.equal((await adminCall(node, token, 'PATCH', '/routes/added', { paths: ['/moved'] })).status, 200);
  assert.deepEqual(await conns!.statuses('/moved'), all(200));
  assert.deepEqual(await conns!.statuses('/added'), all(404));
  assert.equal((await adminCall(node, token, 'DELETE', '/routes/added')).status, 204);
  assert.deepEqual(await conns!.statuses('/moved'), all(404));
});

test('policy: cluster counts across workers in the database, through the main thread', async () => {
  const route = await adminCall(node, token, 'POST', '/services/seeded/routes', { name: 'limited', paths: ['/limited'] });
  assert.equal(route.status, 201);
  const plugin = await adminCall(node, token, 'POST', '/routes/limited/plugins', { name: 'rate-limiting', config: { day: 5, policy: 'cluster' } });
  assert.equal(plugin.status, 201, JSON.stringify(plugin.body));
  const statuses = await conns!.statuses('/limited');
  assert.equal(statuses.filter((s) => s === 200).length, 5, `exactly the limit passed: ${statuses.join(' ')}`);
  assert.equal(statuses.filter((s) => s === 429).length, CONNECTIONS - 5);
});
