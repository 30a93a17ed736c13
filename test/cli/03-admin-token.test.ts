// `portcullis admin-token create | list | revoke` on a PGlite data folder, run as a user runs them (own process):
// tokens made on a fresh folder work against a node started on it afterwards, the audit log names the CLI, a
// running node's lock is explained, revocation by id or name, and the last admin token goes only with --force.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCall, startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TOKEN_LINE = /^pcat_[A-Za-z0-9_-]{43}\n$/;

let dir: string;
let data: string;
let seed: string;
let node: NodeProcess | undefined;
const tokens: Record<string, string> = {};
let apiMadeId: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `portcullis admin-token ARGS --data <the test folder>` in a clean environment (no DATABASE_URL, no keys). */
function adminToken(args: string[], withData = true): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.ts', 'admin-token', ...args, ...(withData ? ['--data', data] : [])],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Nodes in these tests run on the folder, whatever the environment says. */
const start = () =>
  startNodeProcess(['--data', data, '--seed', seed], {
    DATABASE_URL: '',
    PORTCULLIS_DATA: '',
    PORTCULLIS_SECRET_KEY: '',
    PORTCULLIS_SECRET_KEYS: '',
    PORTCULLIS_KEY_FILE: '',
  });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-admin-token-'));
  data = join(dir, 'data');
  seed = join(dir, 'seed.yaml');
  await writeFile(seed, '_format_version: "3.0"\nservices:\n  - name: seeded\n    url: http://127.0.0.1:9\n');
});

after(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('create on a fresh data folder makes the database and prints the token alone on stdout', async () => {
  const ops = await adminToken(['create', '--name', 'ops']);
  assert.equal(ops.code, 0, ops.stderr);
  assert.match(ops.stdout, TOKEN_LINE);
  assert.match(ops.stderr, /no database in .*data yet: creating one/);
  assert.match(ops.stderr, /created admin token 'ops' \(id [0-9a-f-]{36}\); it is shown only this once/);
  assert.ok(existsSync(join(data, 'secret-keys')), 'the key file a first start would make');
  tokens.ops = ops.stdout.trim();

  const viewer = await adminToken(['create', '--name', 'viewer', '--role', 'read-only']);
  assert.equal(viewer.code, 0, viewer.stderr);
  assert.match(viewer.stdout, TOKEN_LINE);
  assert.match(viewer.stderr, /created read-only token 'viewer'/);
  assert.doesNotMatch(viewer.stderr, /creating one/);
  tokens.viewer = viewer.stdout.trim();

  const again = await adminToken(['create', '--name', 'ops']);
  assert.equal(again.code, 1);
  assert.equal(again.stdout, '');
  assert.match(again.stderr, /an admin token named 'ops' already exists/);
});

test('usage mistakes exit 2 before touching the database; a folder without a database is named', async () => {
  const empty = join(dir, 'empty');
  // None of these opens the database, so they may run at once.
  const [noName, badRole, badName, noTarget, missing] = await Promise.all([
    adminToken(['create']),
    adminToken(['create', '--name', 'x', '--role', 'root']),
    adminToken(['create', '--name', 'tab\there']),
    adminToken(['revoke']),
    adminToken(['list', '--data', empty], false),
  ]);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /--name is required/);
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /--role: expected one of "read-only", "admin"/);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /--name:/);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /usage: portcullis admin-token revoke ID\|NAME/);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no database in .*empty: pass --data DIR/);
  assert.ok(!existsSync(empty), 'list creates nothing');
});

test('list shows ids, names, roles and dates, never a token or its hash', async () => {
  const list = await adminToken(['list']);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+ROLE\s+CREATED\s+LAST USED$/);
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^[0-9a-f-]{36}\s+ops\s+admin\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+never$/);
  assert.match(lines[2]!, /^[0-9a-f-]{36}\s+viewer\s+read-only\s+/);
  for (const token of Object.values(tokens)) {
    assert.ok(!list.stdout.includes(token), 'no token');
    assert.ok(!list.stdout.includes(createHash('sha256').update(token).digest('hex')), 'no hash');
  }
  assert.doesNotMatch(list.stdout, /[0-9a-f]{64}/);
});

test('the tokens work against a node started afterwards on the folder; while it runs the CLI points to the admin API', async () => {
  node = await start();
  assert.equal(node.token, undefined, `tokens exist, so no first-start token:\n${node.output()}`);
  const services = await adminCall(node, tokens.ops!, 'GET', '/services');
  assert.equal(services.status, 200);
  assert.deepEqual(
    services.body.data.map((s: { name: string }) => s.name),
    ['seeded'],
    'tokens alone do not stop the first-start seed',
  );
  assert.equal((await adminCall(node, tokens.viewer!, 'GET', '/services')).status, 200);
  assert.equal((await adminCall(node, tokens.viewer!, 'POST', '/services', { name: 'no', url: 'http://127.0.0.1:9' })).status, 403);

  const audit = await adminCall(node, tokens.ops!, 'GET', '/audit?kind=admin_tokens');
  assert.equal(audit.status, 200);
  const made = audit.body.data.filter((e: { action: string }) => e.action === 'token-create');
  assert.deepEqual(made.map((e: { after: { name: string } }) => e.after.name).sort(), ['ops', 'viewer']);
  for (const entry of made) assert.deepEqual(entry.actor, { id: 'cli', name: 'cli (local)' });

  const pid = node.proc.pid!;
  for (const args of [['list'], ['create', '--name', 'while-running']]) {
    const held = await adminToken(args);
    assert.equal(held.code, 1, `${args[0]}: ${held.stderr}`);
    assert.equal(held.stdout, '');
    assert.match(held.stderr, new RegExp(`in use by a running portcullis node \\(pid ${pid}\\)`));
    assert.match(held.stderr, /POST \/admin-tokens .* GET \/admin-tokens .* DELETE \/admin-tokens\/\{id\}/);
    assert.match(held.stderr, new RegExp(`stop the node \\(kill ${pid}\\), run this command again`));
  }
  // The node was not disturbed, and what the message suggests works.
  const viaApi = await adminCall(node, tokens.ops!, 'POST', '/admin-tokens', { name: 'api-made', role: 'admin' });
  assert.equal(viaApi.status, 201);
  apiMadeId = viaApi.body.id;
  assert.equal(await node.stop(), 0);
  node = undefined;
});

test('revoke by name or by id; an unknown one is an error', async () => {
  const byName = await adminToken(['revoke', 'viewer']);
  assert.equal(byName.code, 0, byName.stderr);
  assert.match(byName.stdout, /^revoked read-only token 'viewer' \(id [0-9a-f-]{36}\)\n$/);

  const byId = await adminToken(['revoke', apiMadeId]);
  assert.equal(byId.code, 0, byId.stderr);
  assert.match(byId.stdout, /revoked admin token 'api-made'/);

  const gone = await adminToken(['revoke', 'viewer']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no admin token with id or name 'viewer'/);
});

test('the last admin token is revoked only with --force, and create gets a locked-out node back', async () => {
  const refused = await adminToken(['revoke', 'ops']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /'ops' is the last admin token: without one nobody can manage the admin API/);
  assert.match(refused.stderr, /pass --force/);

  const forced = await adminToken(['revoke', 'ops', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /revoked admin token 'ops'/);
  assert.match(forced.stderr, /no admin token is left/);
  // ops was the last token of all: viewer and api-made went above
  assert.match((await adminToken(['list'])).stdout, /^no admin tokens/);

  const rescue = await adminToken(['create', '--name', 'rescue']);
  assert.equal(rescue.code, 0, rescue.stderr);
  node = await start();
  assert.equal((await adminCall(node, rescue.stdout.trim(), 'GET', '/admin-tokens')).status, 200);
  assert.equal((await adminCall(node, tokens.ops!, 'GET', '/services')).status, 401, 'a revoked token is refused');
});
