// basic-auth credentials through declarative files: `config sync` of a file with plaintext passwords, a
// `config dump` that holds only `password_hash`, that dump synced back (nothing to change, the passwords still
// work) and served DB-less by another gateway; a changed password in a file is an update the diff never prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { actionLines, startCliNode, type CliNode } from '../../../test/cli/cli-node.ts';
import { startGateway } from '../../../test/helpers/gateway.ts';

let n: CliNode;

before(async () => {
  n = await startCliNode();
});

after(async () => {
  await n?.close();
});

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const status = async (url: string, userPass: string) => (await fetch(`${url}/basic/x`, { headers: { authorization: basic(userPass) } })).status;

function file(password: string): string {
  return `_format_version: "3.0"
services:
  - name: api
    url: ${n.up.url}
    routes:
      - name: by-basic
        paths: [/basic]
        plugins:
          - name: basic-auth
consumers:
  - username: dora
    basicauth_credentials:
      - username: dora
        password: "${password}"
`;
}

test("a synced file's password works; the dump holds its scrypt hash only", async () => {
  const path = join(n.dir, 'kong.yaml');
  await writeFile(path, file('first password'));
  const sync = await n.cli(['sync', path]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(await status(n.proxyUrl, 'dora:first password'), 200);
  assert.equal(await status(n.proxyUrl, 'dora:wrong'), 401);

  const dumpPath = join(n.dir, 'dump.yaml');
  assert.equal((await n.cli(['dump', '-o', dumpPath])).code, 0);
  const text = await readFile(dumpPath, 'utf8');
  assert.ok(!text.includes('first password'));
  assert.doesNotMatch(text, /\bpassword:/);
  const doc = parseYaml(text) as { consumers: { basicauth_credentials: { password_hash: string }[] }[] };
  assert.match(String(doc.consumers[0]?.basicauth_credentials[0]?.password_hash), /^\$scrypt\$ln=15,r=8,p=1\$/);
});

test('the dump synced back changes nothing and the password keeps working', async () => {
  const dumpPath = join(n.dir, 'dump.yaml');
  assert.deepEqual(actionLines((await n.cli(['diff', dumpPath])).stdout), []);
  const sync = await n.cli(['sync', dumpPath]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(await status(n.proxyUrl, 'dora:first password'), 200);
});

test('the dump, served DB-less by another gateway: password_hash checks the same password', async () => {
  const doc = parseYaml(await readFile(join(n.dir, 'dump.yaml'), 'utf8')) as object;
  const gw = await startGateway(doc);
  try {
    assert.equal(await status(gw.url, 'dora:first password'), 200);
    assert.equal(await status(gw.url, 'dora:first password'), 200, 'the second time from the remembered check');
    assert.equal(await status(gw.url, 'dora:wrong'), 401);
  } finally {
    await gw.close();
  }
});

test('a new password in a file is an update the diff shows as [CHANGED], never in clear; after sync only it works', async () => {
  const path = join(n.dir, 'kong.yaml');
  await writeFile(path, file('second password'));
  const diff = await n.cli(['diff', path]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(actionLines(diff.stdout), ['updating basic-auth dora for consumer dora  {']);
  // the stored hash shows what is replaced (as key-auth's key_hash does; a dump holds it anyway), the password never
  assert.match(diff.stdout, /\+ {2}"password": "\[CHANGED\]",\n- {2}"password_hash": "\$scrypt\$/);
  assert.doesNotMatch(diff.stdout + diff.stderr, /first password|second password/);
  assert.equal((await n.cli(['sync', path])).code, 0);
  assert.equal(await status(n.proxyUrl, 'dora:second password'), 200);
  assert.equal(await status(n.proxyUrl, 'dora:first password'), 401);
  // Only a slow hash could tell a plaintext password is the stored one: config diff counts it as a change, always.
  assert.deepEqual(actionLines((await n.cli(['diff', path])).stdout), ['updating basic-auth dora for consumer dora  {']);
});
