// Signals with worker threads behave as with one: SIGHUP re-reads the file into every worker, and SIGTERM stops
// gracefully, letting a request in flight on a worker finish before the process exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { waitFor, type NodeProcess } from '../cluster/node-process.ts';
import { startFileNode, type Connections, type FileNode } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
const CONNECTIONS = 16;
let fixture: FileNode;
let node: NodeProcess;
let conns: Connections;

const doc = (path: string, url = fixture.up.url) => ({
  _format_version: '3.0',
  services: [{ name: 's', url, routes: [{ name: 'r', paths: [path, '/slow'] }] }],
});

before(async () => {
  fixture = await startFileNode({ document: (url) => doc('/one', url), token: TOKEN, connections: CONNECTIONS, warmPath: '/one' });
  ({ node, conns } = fixture);
});

after(async () => {
  await fixture?.close();
});

test('SIGHUP re-reads the file into every worker', async () => {
  await writeFile(fixture.file, JSON.stringify(doc('/two')));
  node.proc.kill('SIGHUP');
  await waitFor(async () => (await conns.statuses('/two')).every((s) => s === 200), 'the reloaded file served on every connection');
  assert.deepEqual(await conns.statuses('/one'), Array<number>(CONNECTIONS).fill(404));
});

test('SIGTERM lets a request in flight on a worker finish, then exits 0', async () => {
  let arrived = false;
  fixture.up.handler = (_req, res) => {
    arrived = true;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('late but whole');
    }, 1_500);
  };
  const inFlight = fetch(`${node.proxy}/slow`).then(async (res) => ({ status: res.status, body: await res.text() }));
  await waitFor(async () => Promise.resolve(arrived), 'the request reaching the upstream');
  await conns.close();
  const code = await node.stop(30_000);
  assert.deepEqual(await inFlight, { status: 200, body: 'late but whole' });
  assert.equal(code, 0);
});
