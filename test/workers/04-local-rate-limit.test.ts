// `policy: local` rate limits are exact node-wide with worker threads: 200 concurrent requests over 50
// connections spread by the kernel over 4 workers, against a limit of 50, let exactly 50 through. The counters
// live in the node's shared memory (PluginModule.sharedMemoryBytes), the same buffer in every worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import rateLimiting from '../../src/plugins/rate-limiting/index.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startNodeProcess, waitFor, type NodeProcess } from '../cluster/node-process.ts';
import { openConnections, workerStatus, type Connections } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
const WORKERS = 4;
const CONNECTIONS = 50;
const LIMIT = 50;
// Until the rate-limiting plugin keeps its local counters in node memory, each worker counts on its own.
const sharedCounters = (rateLimiting.sharedMemoryBytes ?? 0) > 0;
let up: TestUpstream | undefined;
let dir: string | undefined;
let node: NodeProcess | undefined;
let conns: Connections | undefined;

before(async () => {
  if (!sharedCounters) return;
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-workers-rl-'));
  const file = join(dir, 'kong.json');
  const doc = {
    _format_version: '3.0',
    services: [
      {
        name: 's',
        url: up.url,
        routes: [
          { name: 'open', paths: ['/open'] },
          { name: 'limited', paths: ['/limited'] },
        ],
      },
    ],
    plugins: [{ name: 'rate-limiting', route: 'limited', config: { day: LIMIT, policy: 'local' } }],
  };
  await writeFile(file, JSON.stringify(doc));
  node = await startNodeProcess(['--config', file, '--workers', String(WORKERS)], { PORTCULLIS_ADMIN_TOKEN: TOKEN });
  conns = await openConnections(node.proxy, CONNECTIONS, '/open');
});

after(async () => {
  await conns?.close();
  await node?.stop();
  await up?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test(
  `policy: local lets exactly ${LIMIT} of 200 concurrent requests through ${WORKERS} workers`,
  { skip: !sharedCounters && 'needs the rate-limiting plugin to declare sharedMemoryBytes (the node-wide local counter store)' },
  async () => {
    const n = node;
    const c = conns;
    assert.ok(n && c);
    // Several workers hold connections, or the test would prove nothing about counting across threads.
    await waitFor(async () => (await workerStatus(n, TOKEN)).workers.filter((w) => w.connections > 0).length >= 2, 'connections on several workers');
    const rounds = await Promise.all(Array.from({ length: 200 / CONNECTIONS }, () => c.statuses('/limited')));
    const statuses = rounds.flat();
    assert.equal(statuses.length, 200);
    assert.equal(statuses.filter((s) => s === 200).length, LIMIT, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 429).length, 200 - LIMIT);
  },
);
