// `portcullis admin-token` on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end): no folder lock
// there, so the CLI works beside a running node, whose admin API accepts a new token and refuses a revoked one
// at once; an unreachable database exits 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { adminCall, startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/pg-database.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const KEY = randomBytes(32).toString('base64');
const skip = await postgresSkip();

let db: TestDatabase | undefined;
let node: NodeProcess | undefined;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function adminToken(args: string[], url = db!.url): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.ts', 'admin-token', ...args, '--database-url', url],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORTCULLIS_SECRET_KEY: KEY } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

before(async () => {
  if (skip) return;
  db = await createTestDatabase('portcullis_admin_token');
  node = await startNodeProcess(['--database-url', db.url], { PORTCULLIS_SECRET_KEY: KEY, PORTCULLIS_SECRET_KEYS: '', PORTCULLIS_KEY_FILE: '' });
});

after(async () => {
  await node?.stop();
  await db?.drop();
});

test('beside a running node: a created token works at once, a revoked one is refused at once', { skip }, async () => {
  const first = node!.token;
  assert.ok(first, node!.output());
  const created = await adminToken(['create', '--name', 'ci', '--role', 'read-only']);
  assert.equal(created.code, 0, created.stderr);
  const ci = created.stdout.trim();
  assert.equal((await adminCall(node!, ci, 'GET', '/services')).status, 200);

  const list = await adminToken(['list']);
  assert.equal(list.code, 0, list.stderr);
  // both were made within the same second or two: the list orders by created_at (seconds), so compare as a set
  const rows = list.stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/).slice(1, 3));
  assert.deepEqual(
    rows.sort((a, b) => a[0]!.localeCompare(b[0]!)),
    [
      ['ci', 'read-only'],
      ['initial-admin', 'admin'],
    ],
  );
  assert.ok(!list.stdout.includes(ci) && !list.stdout.includes(first));

  const revoked = await adminToken(['revoke', 'ci']);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((await adminCall(node!, ci, 'GET', '/services')).status, 401);

  const last = await adminToken(['revoke', 'initial-admin']);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /last admin token/);
  assert.equal((await adminCall(node!, first, 'GET', '/admin-tokens')).status, 200);
});

test('an unreachable database exits 3 and says so', async () => {
  const run = await adminToken(['list'], 'postgres://postgres@127.0.0.1:1/none');
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /^portcullis: database unreachable: .*ECONNREFUSED/);
});
