// rate-limiting's cluster policy across real gateway processes in database mode (`portcullis start
// --database-url`, PostgreSQL, a fresh database for this file): counters live in the database, so a limit of
// 40 per minute over two nodes lets exactly 40 of 200 concurrent requests from four clients through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/pg-database.ts';
import { startNodeProcess, type NodeProcess } from './node-process.ts';

const skip = await postgresSkip();
let up: TestUpstream;
let dir: string;
let db: TestDatabase | undefined;
const nodes: NodeProcess[] = [];

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-rl-cluster-'));
  if (!skip) db = await createTestDatabase();
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await up?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

function status(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('exact across nodes: 200 concurrent requests over two database-mode nodes, 40 per minute: exactly 40 pass', { skip }, async () => {
  const seed = join(dir, 'seed.json');
  await writeFile(
    seed,
    JSON.stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'api',
          url: up.url,
          routes: [
            { name: 'c', paths: ['/c'], plugins: [{ id: randomUUID(), name: 'rate-limiting', config: { minute: 40, policy: 'cluster', limit_by: 'ip' } }] },
          ],
        },
      ],
    }),
  );
  const env = { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64'), PORTCULLIS_LOG_LEVEL: 'error' };
  const args = ['--database-url', db!.url, '--seed', seed];
  // The first node migrates and seeds the empty database; the second finds it ready.
  nodes.push(await startNodeProcess(args, env));
  nodes.push(await startNodeProcess(args, env));
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await sleep(left + 100);
  const clients = Array.from({ length: 4 }, () => new Agent({ keepAlive: true, maxSockets: 10 }));
  const before = up.requests.length;
  try {
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => status(clients[i % 4]!, `${nodes[i % 2]!.proxy}/c`)));
    assert.equal(statuses.filter((s) => s === 200).length, 40);
    assert.equal(statuses.filter((s) => s === 429).length, 160);
    assert.equal(up.requests.length - before, 40);
  } finally {
    for (const c of clients) c.destroy();
  }
});
