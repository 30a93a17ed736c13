// Secrets through `config dump` and `config sync` on a real node: a dump never holds them, syncing a dump
// (credentials without `secret`, API keys as `key_hash`) keeps the stored ones working, and a new plaintext
// key in a file is an update the diff shows without printing it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { actionLines, startCliNode, type CliNode } from './cli-node.ts';

let n: CliNode;

before(async () => {
  n = await startCliNode();
});

after(async () => {
  await n?.close();
});

const SECRET = 'carol-hs256-secret-0123456789abcdef';

function file(key: string): string {
  return `_format_version: "3.0"
services:
  - name: api
    url: ${n.up.url}
    routes:
      - name: by-jwt
        paths: [/jwt]
        plugins:
          - name: jwt
      - name: by-key
        paths: [/key]
        plugins:
          - name: key-auth
consumers:
  - username: carol
    jwt_secrets:
      - key: carol-issuer
        secret: ${SECRET}
    keyauth_credentials:
      # an id: a new key is then an update of this credential, not a new one
      - id: 5b0e8c1a-7d2f-4e6b-9a3c-1f2e3d4c5b6a
        key: ${key}
`;
}

async function jwtStatus(): Promise<number> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('carol-issuer')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  return (await fetch(`${n.proxyUrl}/jwt/x`, { headers: { authorization: `Bearer ${token}` } })).status;
}

const keyStatus = async (key: string) => (await fetch(`${n.proxyUrl}/key/x`, { headers: { apikey: key } })).status;

test('synced credentials work; the dump holds neither the jwt secret nor the API key', async () => {
  const path = join(n.dir, 'kong.yaml');
  await writeFile(path, file('carol-key-one-0123456789'));
  const sync = await n.cli(['sync', path]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(await jwtStatus(), 200);
  assert.equal(await keyStatus('carol-key-one-0123456789'), 200);

  const dumpPath = join(n.dir, 'dump.yaml');
  assert.equal((await n.cli(['dump', '-o', dumpPath])).code, 0);
  const text = await readFile(dumpPath, 'utf8');
  assert.doesNotMatch(text, new RegExp(`${SECRET}|carol-key-one|secret:`));
  assert.match(text, /key_hash: hmac-sha256:/);
});

test('syncing an edited dump updates credentials without their secrets, and the stored ones keep working', async () => {
  const dumpPath = join(n.dir, 'dump.yaml');
  const doc = parseYaml(await readFile(dumpPath, 'utf8'));
  doc.consumers[0].jwt_secrets[0].tags = ['rotated-never'];
  doc.consumers[0].keyauth_credentials[0].tags = ['from-dump'];
  await writeFile(dumpPath, stringifyYaml(doc));

  const diff = await n.cli(['diff', dumpPath]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(actionLines(diff.stdout), ['updating jwt-auth carol-issuer for consumer carol  {', 'updating key-auth <id> for consumer carol  {']);
  assert.match(diff.stdout, /\+ {2}"tags": \[\n\+ {4}"from-dump"\n\+ {2}\]\n/);

  const sync = await n.cli(['sync', dumpPath]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.match(sync.stdout, /Summary:\n {2}Created: 0\n {2}Updated: 2\n {2}Deleted: 0\n$/);
  assert.equal(await jwtStatus(), 200, 'the jwt secret the dump left out is still the stored one');
  assert.equal(await keyStatus('carol-key-one-0123456789'), 200, 'the API key behind key_hash still works');
  assert.deepEqual(actionLines((await n.cli(['diff', dumpPath])).stdout), []);
});

test('a new plaintext key is an update the diff shows as [CHANGED], never in clear; after sync only it works', async () => {
  const path = join(n.dir, 'kong.yaml');
  // The tags the dump added are not in this file: they go, and the key changes.
  await writeFile(path, file('carol-key-two-0123456789'));
  const diff = await n.cli(['diff', path]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(actionLines(diff.stdout), ['updating jwt-auth carol-issuer for consumer carol  {', 'updating key-auth <id> for consumer carol  {']);
  assert.match(diff.stdout, /\+ {2}"key": "\[CHANGED\]",\n- {2}"key_hash": "hmac-sha256:/);
  assert.doesNotMatch(diff.stdout + diff.stderr, /carol-key-two|carol-key-one/);

  const sync = await n.cli(['sync', path]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(await keyStatus('carol-key-two-0123456789'), 200);
  assert.equal(await keyStatus('carol-key-one-0123456789'), 401);
  assert.equal(await jwtStatus(), 200);
  // The server confirms the file's key is the one it holds: nothing left to do.
  assert.deepEqual(actionLines((await n.cli(['diff', path])).stdout), []);
});
