// A DB-less node as `portcullis start --config FILE` runs it, in its own process, with basicauth_credentials
// in the file: plaintext passwords and a dumped password_hash both authenticate, the admin API's reads show
// neither (GET /config, a dump, only the hash), and POST /config swaps credentials on the running proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../secrets/password-hash.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { adminCall, startNodeProcess, type NodeProcess } from '../../../test/cluster/node-process.ts';

const ADMIN = `pcat_${randomBytes(24).toString('base64url')}`;
let up: TestUpstream;
let dir: string;
let node: NodeProcess;
let hashed: string;

const doc = (credentials: object[]) => ({
  _format_version: '3.0',
  services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/ba'], plugins: [{ name: 'basic-auth', config: { hide_credentials: true } }] }] }],
  consumers: [{ username: 'erin', basicauth_credentials: credentials }],
});

const status = async (userPass: string) => {
  const res = await fetch(`${node.proxy}/ba`, { headers: { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` } });
  await res.arrayBuffer();
  return res.status;
};

before(async () => {
  up = await startUpstream();
  hashed = await hashPassword('from a dump');
  dir = await mkdtemp(join(tmpdir(), 'portcullis-basic-auth-'));
  const file = join(dir, 'kong.json');
  await writeFile(
    file,
    JSON.stringify(
      doc([
        { username: 'erin', password: 'plain in the file' },
        { username: 'erin-dumped', password_hash: hashed },
      ]),
    ),
  );
  node = await startNodeProcess(['--config', file], { PORTCULLIS_ADMIN_TOKEN: ADMIN });
});

after(async () => {
  await node?.stop();
  await up?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a plaintext password and a dumped password_hash from the file both authenticate; wrong ones do not', async () => {
  assert.equal(await status('erin:plain in the file'), 200);
  assert.equal(up.requests.at(-1)?.headers['x-credential-identifier'], 'erin');
  assert.equal(up.requests.at(-1)?.headers.authorization, undefined, 'hide_credentials');
  assert.equal(await status('erin-dumped:from a dump'), 200);
  assert.equal(await status('erin-dumped:from a dump'), 200);
  assert.equal(await status('erin:wrong'), 401);
  assert.equal(await status('erin-dumped:plain in the file'), 401);
});

test('admin reads show neither the password nor its hash; GET /config (a dump) only the hash it was given', async () => {
  for (const path of ['/basic-auths', '/basic-auths/erin', '/consumers/erin/basic-auth', '/consumers/erin/basic-auth/erin-dumped']) {
    const res = await adminCall(node, ADMIN, 'GET', path);
    assert.equal(res.status, 200, path);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes('plain in the file') && !text.includes(hashed) && !text.includes('"password'), `${path}: ${text}`);
  }
  assert.equal(((await adminCall(node, ADMIN, 'GET', '/basic-auths')).body as { data: unknown[] }).data.length, 2);
  // As `config dump`: a stored hash round-trips; a plaintext password from the file is never exported.
  const exported = JSON.stringify((await adminCall(node, ADMIN, 'GET', '/config')).body);
  assert.ok(!exported.includes('plain in the file') && !exported.includes('"password"'), exported);
  assert.ok(exported.includes(`"password_hash":"${hashed}"`));
});

test('POST /config swaps the credentials on the running proxy', async () => {
  const res = await adminCall(node, ADMIN, 'POST', '/config', doc([{ username: 'erin', password: 'rotated' }]));
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  assert.equal(await status('erin:rotated'), 200);
  assert.equal(await status('erin:plain in the file'), 401);
  assert.equal(await status('erin-dumped:from a dump'), 401);
});
