// `portcullis start --workers 2` in DB-less mode over real sockets: both worker threads bind the one port (given
// as 0, resolved once) and take connections, /status shows each worker and sums their connections, and a
// POST /config is served on every open connection as soon as the admin API has answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { adminCall, waitFor, type NodeProcess } from '../cluster/node-process.ts';
import { startFileNode, workerStatus, type Connections, type FileNode } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
/** Enough connections that the kernel's hash leaves neither worker without one (chance 2^-23). */
const CONNECTIONS = 24;
let fixture: FileNode;
let node: NodeProcess;
let conns: Connections;

const doc = (path: string, url = fixture.up.url) => ({ _format_version: '3.0', services: [{ name: 's', url, routes: [{ name: 'r', paths: [path] }] }] });

before(async () => {
  fixture = await startFileNode({ document: (url) => doc('/one', url), token: TOKEN, connections: CONNECTIONS, warmPath: '/one' });
  ({ node, conns } = fixture);
});

after(async () => {
  await fixture?.close();
});

test('both workers serve the port (given as 0) and take connections; /status sums them', async () => {
  assert.match(node.proxy, /:\d+$/);
  assert.ok(!node.proxy.endsWith(':0'), 'the banner names the port the first worker resolved');
  assert.deepEqual(await conns.statuses('/one'), Array<number>(CONNECTIONS).fill(200));
  await waitFor(async () => {
    const { workers, proxyConnections } = await workerStatus(node, TOKEN);
    const sum = workers.reduce((n, w) => n + w.connections, 0);
    return workers.length === 2 && workers.every((w) => w.connections > 0) && sum >= CONNECTIONS && proxyConnections === sum;
  }, 'both workers holding connections, the proxy count their sum');
  const { workers } = await workerStatus(node, TOKEN);
  assert.deepEqual(
    workers.map((w) => w.id),
    [1, 2],
  );
  assert.equal(new Set(workers.map((w) => w.thread_id)).size, 2);
  // Kong's workers_lua_vms: one entry per worker, its own heap.
  const status = await adminCall(node, TOKEN, 'GET', '/status?unit=b');
  assert.deepEqual(
    status.body.memory.workers_lua_vms.map((vm: { thread_id: number }) => vm.thread_id),
    workers.map((w) => w.thread_id),
  );
  for (const vm of status.body.memory.workers_lua_vms) assert.ok(vm.http_allocated_gc > 0);
  for (const w of workers) {
    assert.ok(w.heap_used > 0);
    assert.equal(w.restarts, 0);
    assert.equal(w.listening, true);
    assert.ok(Date.parse(w.started_at) > 0);
  }
});

test('POST /config is served on every connection as soon as it returns', async () => {
  for (const [next, old] of [
    ['/two', '/one'],
    ['/three', '/two'],
  ] as const) {
    const res = await adminCall(node, TOKEN, 'POST', '/config', doc(next));
    assert.equal(res.status, 201);
    // No waiting: every worker acked the new config before the admin API answered.
    assert.deepEqual(await conns.statuses(next), Array<number>(CONNECTIONS).fill(200), `${next} on every connection`);
    assert.deepEqual(await conns.statuses(old), Array<number>(CONNECTIONS).fill(404), `${old} gone on every connection`);
  }
});

test('a refused POST /config reaches no worker', async () => {
  const res = await adminCall(node, TOKEN, 'POST', '/config', { _format_version: '3.0', services: [{ name: 's', url: 'not a url' }] });
  assert.equal(res.status, 400);
  assert.deepEqual(await conns.statuses('/three'), Array<number>(CONNECTIONS).fill(200));
});

test('a --workers that is neither auto nor a thread count is a usage error', () => {
  const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const run = spawnSync(process.execPath, [cli, 'start', '--config', fixture.file, '--workers', '0'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--workers '0' must be auto or a number of threads from 1 to \d+/);
});
