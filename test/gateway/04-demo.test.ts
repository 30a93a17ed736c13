// What `npm start` promises, run as a user would: the real CLI process, the demo config, the example
// services, tokens minted by the CLI, and the four outcomes the banner shows.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../helpers/json.ts';
import { startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
let demo: NodeProcess;
let base = '';
let output = '';
let dataDir = '';

before(async () => {
  // `npm start` is database mode on PGlite in ./data: here a throw-away data folder, and free ports for everything
  // (the example services too), so the suite runs beside a demo someone has running.
  dataDir = await mkdtemp(join(tmpdir(), 'portcullis-demo-'));
  demo = await startNodeProcess(['--data', dataDir, '--demo-ports', '0,0'], { PORTCULLIS_LOG_LEVEL: 'warn', DATABASE_URL: '' });
  base = demo.proxy;
  output = demo.output();
});

after(async () => {
  await demo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function mint(consumer: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'token', 'mint', consumer]);
  return stdout.trim();
}

test('the banner prints what runs where and the curl lines for each outcome', () => {
  assert.match(output, /users service\s+http:\/\/127\.0\.0\.1:\d+\s+behind .*\/api\/users/);
  assert.match(output, /orders service\s+http:\/\/127\.0\.0\.1:\d+\s+behind .*\/api\/orders/);
  assert.match(output, /curl -i .*\/api\/users -H "Authorization: Bearer \$\(npm run -s portcullis -- token mint web-app\)"/);
  assert.match(output, /429/);
  // First start: the admin API's address and its token, shown once.
  assert.match(output, /admin API\s+http:\/\/127\.0\.0\.1:\d+\s+\(database mode, PGlite in /);
  assert.match(output, /admin token\s+pcat_[A-Za-z0-9_-]{43}\s+\(shown once; store it/);
});

test('allowed: web-app reads users and the service sees the verified identity', async () => {
  const res = await fetch(`${base}/api/users`, { headers: { authorization: `Bearer ${await mint('web-app')}`, 'x-consumer-username': 'partner-acme' } });
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.equal(body.service, 'users');
  assert.equal(body.caller.username, 'web-app');
  assert.deepEqual(body.caller.groups, ['first-party']);
  assert.ok(res.headers.get('x-request-id'));
});

test('401: no token', async () => {
  const res = await fetch(`${base}/api/users`);
  assert.equal(res.status, 401);
  const body = await json(res);
  assert.equal(body.code, 'UNAUTHORIZED');
  assert.equal(body.message, 'Unauthorized');
});

test('403: partner-acme may not read users, nor write orders, but may read orders', async () => {
  const token = await mint('partner-acme');
  const users = await fetch(`${base}/api/users`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(users.status, 403);
  assert.equal((await json(users)).message, 'You cannot consume this service');
  const write = await fetch(`${base}/api/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"item":"x","quantity":1}',
  });
  assert.equal(write.status, 403);
  const read = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(read.status, 200);
});

test("429: partner-acme's budget runs out within the minute, with Retry-After", async () => {
  const token = await mint('partner-acme');
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < 8; i++) {
    last = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${token}` } });
    statuses.push(last.status);
    await last.arrayBuffer();
  }
  assert.ok(statuses.includes(429), `no 429 in ${statuses}`);
  assert.equal(statuses.filter((s) => s === 200).length <= 5, true);
  assert.equal(last!.status, 429);
  assert.ok(Number(last!.headers.get('retry-after')) > 0);
});
