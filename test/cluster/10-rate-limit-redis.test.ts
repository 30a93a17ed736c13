// rate-limiting's redis policy across real gateway processes (`portcullis start --config`, DB-less): a limit
// of 50 per minute over three nodes lets exactly 50 of 300 concurrent requests from six clients through; a
// private Redis killed mid-load gives fault_tolerant's behaviour (proxied, or 500), and once restarted every
// node resumes limiting by itself. A DB-less node refuses the cluster policy at start, naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnTracked } from '../helpers/child-processes.ts';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { SHARED_REDIS, redisServerSkip, sharedRedisSkip, startPrivateRedis } from '../helpers/redis-server.ts';
import { startNodeProcess, waitFor, type NodeProcess } from './node-process.ts';

const skip = await sharedRedisSkip();
const privateSkip = skip || (await redisServerSkip());
let up: TestUpstream;
let dir: string;
const nodes: NodeProcess[] = [];

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-rl-redis-'));
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await up?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A declarative file with one route per `routes` entry, each with its rate-limiting config (a fresh plugin id per run). */
async function configFile(routes: Record<string, object>): Promise<string> {
  const file = join(dir, `${randomUUID()}.json`);
  const doc = {
    _format_version: '3.0',
    services: [
      {
        name: 'api',
        url: up.url,
        routes: Object.entries(routes).map(([name, config]) => ({
          name,
          paths: [`/${name}`],
          plugins: [{ id: randomUUID(), name: 'rate-limiting', config: { limit_by: 'ip', ...config } }],
        })),
      },
    ],
  };
  await writeFile(file, JSON.stringify(doc));
  return file;
}

async function startNodes(count: number, file: string): Promise<NodeProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startNodeProcess(['--config', file], { PORTCULLIS_LOG_LEVEL: 'error' })));
  nodes.push(...started);
  return started;
}

interface Sample {
  path: string;
  status: number;
  sentAt: number;
  remaining?: string;
}

function send(agent: Agent, base: string, path: string): Promise<Sample> {
  const sentAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ path, status: res.statusCode ?? 0, sentAt, remaining: res.headers['x-ratelimit-remaining-minute'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const count = (samples: Sample[], status: number) => samples.filter((s) => s.status === status).length;

test('exact across nodes: 300 concurrent requests from six clients over three nodes, 50 per minute: exactly 50 pass', { skip }, async () => {
  const file = await configFile({ exact: { minute: 50, policy: 'redis', redis: { host: SHARED_REDIS.host, port: SHARED_REDIS.port } } });
  const three = await startNodes(3, file);
  // Everything must land in one minute window.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await sleep(left + 100);
  const clients = Array.from({ length: 6 }, () => new Agent({ keepAlive: true, maxSockets: 10 }));
  const before = up.requests.length;
  try {
    const samples = await Promise.all(Array.from({ length: 300 }, (_, i) => send(clients[i % 6]!, three[i % 3]!.proxy, '/exact')));
    assert.equal(count(samples, 200), 50);
    assert.equal(count(samples, 429), 250);
    assert.equal(up.requests.length - before, 50, 'the upstream saw exactly the 50 let through');
    const remaining = samples
      .filter((s) => s.status === 200)
      .map((s) => Number(s.remaining))
      .sort((a, b) => a - b);
    assert.deepEqual(
      remaining,
      Array.from({ length: 50 }, (_, i) => i),
      'each passing request saw its own place in the count',
    );
  } finally {
    for (const c of clients) c.destroy();
  }
});

test('Redis killed mid-load: fault_tolerant proxies, fail-closed answers 500; restarted, every node limits again', { skip: privateSkip }, async () => {
  const redis = await startPrivateRedis();
  try {
    const store = { hour: 5, policy: 'redis', redis: { host: '127.0.0.1', port: redis.port, timeout: 500 } };
    const two = await startNodes(2, await configFile({ ft: store, fc: { ...store, fault_tolerant: false } }));
    const clients = Array.from({ length: 4 }, () => new Agent({ keepAlive: true, maxSockets: 4 }));
    const at = (i: number, path: string) => send(clients[i % 4]!, two[i % 2]!.proxy, path);
    try {
      for (const path of ['/ft', '/fc']) {
        const first: Sample[] = [];
        for (let i = 0; i < 8; i++) first.push(await at(i, path));
        assert.deepEqual(
          first.map((s) => s.status),
          [200, 200, 200, 200, 200, 429, 429, 429],
          path,
        );
      }

      // Load from four clients over both nodes and both routes; Redis dies once it is under way.
      const samples: Sample[] = [];
      let killedAt = Infinity;
      let stop = false;
      const after = (path: string) => samples.filter((s) => s.path === path && s.sentAt > killedAt).length;
      const workers = clients.map(async (_, w) => {
        for (let i = w; !stop; i += 4) samples.push(await at(i, i % 3 === 0 ? '/fc' : '/ft'));
      });
      await waitFor(async () => samples.length >= 20, 'load under way');
      await redis.kill();
      killedAt = performance.now();
      await waitFor(async () => after('/ft') >= 20 && after('/fc') >= 10, 'requests after the kill');
      stop = true;
      await Promise.all(workers);

      const ft = samples.filter((s) => s.path === '/ft');
      const fc = samples.filter((s) => s.path === '/fc');
      assert.deepEqual(new Set(ft.map((s) => s.status)), new Set([429, 200]), 'fault_tolerant: refused while counted, proxied once Redis is gone');
      assert.deepEqual(new Set(fc.map((s) => s.status)), new Set([429, 500]), 'fail-closed: refused while counted, 500 once Redis is gone');
      assert.ok(ft.filter((s) => s.sentAt > killedAt).every((s) => s.status === 200));
      assert.ok(fc.filter((s) => s.sentAt > killedAt).every((s) => s.status === 500));

      await redis.restart();
      // Every worker thread of a node has its own Redis connection, reconnecting on its own schedule: a node is
      // back once a run of fresh connections (the kernel spreads them over its workers) all find Redis again.
      for (const [i, node] of two.entries()) {
        await waitFor(async () => {
          for (let probe = 0; probe < 12; probe++) {
            const fresh = new Agent({ keepAlive: false });
            if ((await send(fresh, node.proxy, '/fc')).status === 500) return false;
          }
          return true;
        }, `node ${i} back on Redis`);
      }
      // The restarted Redis is empty: both nodes count the hour afresh, together.
      const again: number[] = [];
      for (let i = 0; i < 10; i++) again.push((await at(i, '/ft')).status);
      assert.deepEqual(again, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    } finally {
      for (const c of clients) c.destroy();
    }
  } finally {
    await redis.stop();
  }
});

test("a DB-less node refuses to start with the cluster policy, naming the plugin's field", async () => {
  const file = await configFile({ c: { minute: 5, policy: 'cluster' } });
  const proc = spawnTracked(
    process.execPath,
    [new URL('../../src/cli/main.ts', import.meta.url).pathname, 'start', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const [code] = await once(proc, 'exit');
  assert.equal(code, 1, out);
  assert.match(out, /plugins\.[0-9a-f-]{36}\.config\.policy: policy 'cluster' keeps counters in the database, and DB-less mode has none/);
});
