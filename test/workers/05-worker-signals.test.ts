// Signals with worker threads behave as with one: SIGHUP re-reads the file into every worker, and SIGTERM stops
// gracefully, letting a request in flight on a worker finish before the process exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startNodeProcess, waitFor, type NodeProcess } from '../cluster/node-process.ts';
import { openConnections, type Connections } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
const CONNECTIONS = 16;
let up: TestUpstream;
let dir: string;
let file: string;
let node: NodeProcess;
let conns: Connections | undefined;

const doc = (path: string) => ({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: [path, '/slow'] }] }] });

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-worker-signals-'));
  file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify(doc('/one')));
  node = await startNodeProcess(['--config', file, '--workers', '2'], { PORTCULLIS_ADMIN_TOKEN: TOKEN });
  conns = await openConnections(node.proxy, CONNECTIONS, '/one');
});

after(async () => {
  await conns?.close();
  await node?.stop();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('SIGHUP re-reads the file into every worker', async () => {
  await writeFile(file, JSON.stringify(doc('/two')));
  node.proc.kill('SIGHUP');
  await waitFor(async () => (await conns!.statuses('/two')).every((s) => s === 200), 'the reloaded file served on every connection');
  assert.deepEqual(await conns!.statuses('/one'), Array<number>(CONNECTIONS).fill(404));
});

test('SIGTERM lets a request in flight on a worker finish, then exits 0', async () => {
  let arrived = false;
  up.handler = (_req, res) => {
    arrived = true;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('late but whole');
    }, 1_500);
  };
  const inFlight = fetch(`${node.proxy}/slow`).then(async (res) => ({ status: res.status, body: await res.text() }));
  await waitFor(async () => Promise.resolve(arrived), 'the request reaching the upstream');
  await conns?.close();
  conns = undefined;
  const code = await node.stop(30_000);
  assert.deepEqual(await inFlight, { status: 200, body: 'late but whole' });
  assert.equal(code, 0);
});
