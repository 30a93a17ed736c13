// A worker thread that dies is replaced while traffic keeps flowing: a test plugin (loaded with --plugin-dir)
// ends the thread serving a request that asks it to, under a steady load of fresh connections. The port never
// stops listening (no connection is refused), only that thread's in-flight requests are lost, and /status shows
// the replacement (a new thread in the same slot, restarts 1), which then takes connections too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminCall, startNodeProcess, waitFor, type NodeProcess } from '../cluster/node-process.ts';
import { openConnections, workerStatus } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
const PLUGIN_DIR = fileURLToPath(new URL('../fixtures/worker-plugins/', import.meta.url));
let up: TestUpstream;
let dir: string;
let node: NodeProcess;

const doc = (paths: string[]) => ({
  _format_version: '3.0',
  services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths }] }],
  plugins: [{ name: 'exit-worker' }],
});

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-worker-restart-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify(doc(['/load'])));
  node = await startNodeProcess(['--config', file, '--workers', '2', '--plugin-dir', PLUGIN_DIR], { PORTCULLIS_ADMIN_TOKEN: TOKEN });
});

after(async () => {
  await node?.stop();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

/** One request on a fresh connection: its status, or the error code that ended it. */
function fresh(headers: Record<string, string> = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${node.proxy}/load`, { agent: false, headers: { connection: 'close', ...headers }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        resolve(err.code ?? err.message);
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code ?? err.message);
    });
    req.end();
  });
}

test('a killed worker is replaced under load, with the current config; the port keeps answering', async () => {
  // A change after start: the replacement must come up with it, not with the config the node started with.
  assert.equal((await adminCall(node, TOKEN, 'POST', '/config', doc(['/load', '/current']))).status, 201);
  const before = await workerStatus(node, TOKEN);
  assert.equal(before.workers.length, 2);
  const outcomes: (number | string)[] = [];
  let loading = true;
  // Four clients in a loop, each request on a new connection, so the kernel keeps placing them on workers.
  const load = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (loading) outcomes.push(await fresh());
    }),
  );
  try {
    await waitFor(async () => Promise.resolve(outcomes.length >= 40), 'load under way', 30_000);
    const killed = await fresh({ 'x-exit-worker': '1' });
    assert.notEqual(killed, 200, 'the request that ended its worker got no answer');
    await waitFor(
      async () => {
        const { workers } = await workerStatus(node, TOKEN);
        return workers.some((w) => w.restarts === 1) && workers.every((w) => w.listening);
      },
      'the dead worker replaced and its successor listening',
      30_000,
    );
    const after = outcomes.length;
    await waitFor(async () => Promise.resolve(outcomes.length >= after + 40), 'load continuing after the replacement', 30_000);
  } finally {
    loading = false;
    await load;
  }
  const ok = outcomes.filter((o) => o === 200).length;
  const failed = outcomes.filter((o) => o !== 200);
  assert.ok(!failed.includes('ECONNREFUSED'), `the port never stopped listening: ${failed.join(', ')}`);
  // Only what was in flight on (or queued for) the dying thread is lost: at most the load's concurrency and a few.
  assert.ok(failed.length <= 8, `lost requests: ${failed.join(', ')}`);
  assert.ok(ok >= 80, `requests kept succeeding (${ok} of ${outcomes.length})`);

  const { workers } = await workerStatus(node, TOKEN);
  const replaced = workers.find((w) => w.restarts === 1);
  assert.ok(replaced, 'a worker shows one restart');
  const previous = before.workers.find((w) => w.id === replaced.id);
  assert.notEqual(replaced.thread_id, previous?.thread_id, 'a new thread in the slot');
  assert.ok(Date.parse(replaced.started_at) > Date.parse(previous?.started_at ?? ''));
  assert.match(node.output(), /proxy worker exited; its in-flight requests are lost, replacing it/);

  // The replacement takes connections like its sibling, and serves the current config.
  const conns = await openConnections(node.proxy, 24, '/current');
  try {
    assert.deepEqual(await conns.statuses('/current'), Array<number>(24).fill(200));
    await waitFor(async () => (await workerStatus(node, TOKEN)).workers.every((w) => w.connections > 0), 'both workers holding connections');
  } finally {
    await conns.close();
  }
});
