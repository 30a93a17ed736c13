// `portcullis config diff | sync | dump | validate --online` against a real node (database mode on PGlite,
// as `portcullis start` runs it): sync a file into an empty node, diff clean, dump round-trips, an edit shows
// up as exactly its changes and the proxy serves it; refusals, secrets and exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import type { ConfigEntities } from '../../src/schema/entity-catalogue.ts';
import { plugins } from '../helpers/gateway.ts';
import { actionLines as lines, runCli, startCliNode, type CliNode } from './cli-node.ts';

let n: CliNode;
let dir: string;
let up: CliNode['up'];
let adminUrl: string;
let proxyUrl: string;
let token: string;

before(async () => {
  n = await startCliNode();
  ({ dir, up, adminUrl, proxyUrl, token } = n);
});

after(async () => {
  await n?.close();
});

const cli = (args: string[], env?: Record<string, string>) => n.cli(args, env);

function fileText(opts: { path: string; withBob: boolean; cors: boolean }): string {
  return `_format_version: "3.0"
services:
  - name: echo
    url: ${up.url}
    routes:
      - name: echo
        paths: [${opts.path}]
        plugins:
          - name: key-auth
    plugins:
      - name: acl
        config: { allow: [staff] }
${opts.cors ? `      - name: cors\n        config: { origins: [https://app.example] }\n` : ''}consumers:
  - username: alice
    keyauth_credentials:
      - key: alice-key-0123456789
    acls:
      - group: staff
${
  opts.withBob
    ? `  - username: bob
    keyauth_credentials:
      - key: bob-key-0123456789
    acls:
      - group: staff
    jwt_secrets:
      - key: bob-issuer
        secret: bob-jwt-secret-0123456789abcdef-0123
`
    : ''
}upstreams:
  - name: pool
    targets:
      - target: 127.0.0.1:9
plugins:
  - name: correlation-id
    config: { header_name: X-Request-ID }
`;
}

test('diff against an empty node lists every entity to create; --exit-code says so with 2', async () => {
  const file = join(dir, 'kong.yaml');
  await writeFile(file, fileText({ path: '/echo', withBob: true, cors: false }));
  const [diff, exitCode] = await Promise.all([cli(['diff', file]), cli(['diff', file, '--exit-code'])]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.equal(exitCode.code, 2);
  assert.deepEqual(lines(diff.stdout), [
    'creating service echo',
    'creating route echo',
    'creating upstream pool',
    'creating target 127.0.0.1:9 for upstream pool',
    'creating consumer alice',
    'creating consumer bob',
    'creating jwt-auth bob-issuer for consumer bob',
    'creating key-auth <id> for consumer alice',
    'creating key-auth <id> for consumer bob',
    'creating acl-group staff for consumer alice',
    'creating acl-group staff for consumer bob',
    'creating plugin acl for service echo',
    'creating plugin correlation-id (global)',
    'creating plugin key-auth for route echo',
  ]);
  assert.match(diff.stdout, /\nSummary:\n {2}Created: 14\n {2}Updated: 0\n {2}Deleted: 0\n$/);
  assert.doesNotMatch(diff.stdout + diff.stderr, /alice-key-0123456789|bob-jwt-secret/);
});

test('sync applies it, the proxy serves it, and a second sync (and diff) finds nothing to do', async () => {
  const file = join(dir, 'kong.yaml');
  const sync = await cli(['sync', file]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(lines(sync.stdout).length, 14);
  assert.match(sync.stdout, /Summary:\n {2}Created: 14\n {2}Updated: 0\n {2}Deleted: 0\n$/);

  const res = await fetch(`${proxyUrl}/echo/hi`, { headers: { apikey: 'alice-key-0123456789' } });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { url: string }).url, '/hi');
  assert.equal((await fetch(`${proxyUrl}/echo/hi`)).status, 401);

  for (const again of [await cli(['sync', file]), await cli(['diff', file, '--exit-code'])]) {
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.deepEqual(lines(again.stdout), []);
    assert.match(again.stdout, /^Summary:\n {2}Created: 0\n {2}Updated: 0\n {2}Deleted: 0\n$/);
  }
});

const SECRET_FIELDS = new Set(['secret', 'key', 'key_hash']);

/** Lists sorted by id, secrets (which the server never shows) out: what must survive a round trip. */
function comparable(e: ConfigEntities): unknown {
  const out: Record<string, unknown> = {};
  for (const [kind, list] of Object.entries(e)) {
    out[kind] = (list as Record<string, unknown>[])
      .map((row) => {
        if (kind !== 'keyauth_credentials' && kind !== 'jwt_secrets') return row;
        const shown = Object.fromEntries(Object.entries(row).filter(([field]) => !SECRET_FIELDS.has(field)));
        return kind === 'jwt_secrets' ? { ...shown, key: row.key } : shown;
      })
      .sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  }
  return out;
}

test("dump writes the live config without secrets; it loads to the file's entities and diffs clean", async () => {
  const dumpFile = join(dir, 'dump.yaml');
  const [dump, json, stdout] = await Promise.all([cli(['dump', '-o', dumpFile]), cli(['dump', '--format', 'json']), cli(['dump'])]);
  assert.equal(dump.code, 0, dump.stderr);
  const text = await readFile(dumpFile, 'utf8');
  assert.match(text, /^_format_version: "3\.0"\n/);
  assert.doesNotMatch(text, /alice-key-0123456789|bob-key|bob-jwt-secret|secret:/);
  assert.match(text, /key_hash: hmac-sha256:/);
  assert.equal(stdout.stdout, text, 'to stdout without -o, the same bytes');
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), parseYaml(text));

  const registry = await plugins();
  const fromFile = loadDeclarative(parseYaml(await readFile(join(dir, 'kong.yaml'), 'utf8')), registry);
  const fromDump = loadDeclarative(parseYaml(text), registry, 'dump', { generateSecrets: false });
  assert.deepEqual(comparable(fromDump), comparable(fromFile));

  const diff = await cli(['diff', dumpFile, '--exit-code']);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
  assert.match(diff.stdout, /^Summary:\n {2}Created: 0\n {2}Updated: 0\n {2}Deleted: 0\n$/);
});

test('an edit (route path, a consumer gone, a plugin added) diffs as exactly that, and sync makes the proxy serve it', async () => {
  const file = join(dir, 'kong.yaml');
  await writeFile(file, fileText({ path: '/echo2', withBob: false, cors: true }));
  const [diff, dry] = await Promise.all([cli(['diff', file]), cli(['sync', file, '--dry-run'])]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, diff.stdout, '--dry-run prints what diff prints');
  assert.equal((await fetch(`${proxyUrl}/echo/hi`, { headers: { apikey: 'alice-key-0123456789' } })).status, 200, '…and changes nothing');
  assert.deepEqual(lines(diff.stdout), [
    'updating route echo  {',
    'creating plugin cors for service echo',
    'deleting acl-group staff for consumer bob',
    'deleting key-auth <id> for consumer bob',
    'deleting jwt-auth bob-issuer for consumer bob',
    'deleting consumer bob',
  ]);
  assert.match(diff.stdout, /\n- {2}"paths": \[\n- {4}"\/echo"\n- {2}\],\n\+ {2}"paths": \[\n\+ {4}"\/echo2"\n\+ {2}\],\n/);
  assert.match(diff.stdout, /Summary:\n {2}Created: 1\n {2}Updated: 1\n {2}Deleted: 4\n$/);

  const sync = await cli(['sync', file]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.match(sync.stdout, /Summary:\n {2}Created: 1\n {2}Updated: 1\n {2}Deleted: 4\n$/);

  assert.equal((await fetch(`${proxyUrl}/echo/hi`, { headers: { apikey: 'alice-key-0123456789' } })).status, 404);
  const res = await fetch(`${proxyUrl}/echo2/hi`, { headers: { apikey: 'alice-key-0123456789', origin: 'https://app.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.equal((await fetch(`${proxyUrl}/echo2/hi`, { headers: { apikey: 'bob-key-0123456789' } })).status, 401);
  assert.deepEqual(lines((await cli(['diff', file])).stdout), []);
});

test('a write the server refuses stops the sync and names the field; nothing after it is applied', async () => {
  // Made outside the file's select tag, so the file cannot see it, but its name is taken.
  const made = await fetch(`${adminUrl}/services`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'taken', url: up.url }),
  });
  assert.equal(made.status, 201);
  const file = join(dir, 'team.yaml');
  await writeFile(
    file,
    `_format_version: "3.0"\n_info:\n  select_tags: [team-a]\nservices:\n  - name: taken\n    url: ${up.url}\n  - name: zz-after\n    url: ${up.url}\n`,
  );
  const sync = await cli(['sync', file]);
  assert.equal(sync.code, 1, sync.stdout + sync.stderr);
  assert.match(sync.stdout, /^creating service taken\nSummary:\n {2}Created: 0\n/);
  assert.match(sync.stderr, /could not create service taken: PUT \/services\/[0-9a-f-]{36}: 409 ADMIN_UNIQUE_VIOLATION/);
  assert.match(sync.stderr, /\n {2}name: /);
  const after = await fetch(`${adminUrl}/services/zz-after`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 404);
  // With the tag, the untagged services outside it are neither shown nor deleted.
  const diff = await cli(['diff', file]);
  assert.deepEqual(lines(diff.stdout), ['creating service taken', 'creating service zz-after']);
});

test('validate --online asks the server about each entity a sync would write', async () => {
  const good = join(dir, 'kong.yaml');
  const ok = await cli(['validate', good, '--online']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /the admin API accepts all 0 entities a sync would write/);
  const more = join(dir, 'more.yaml');
  await writeFile(more, (await readFile(good, 'utf8')).replace('name: alice', 'name: alice\n    custom_id: a-1'));
  const changed = await cli(['validate', more, '--online']);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /accepts all 1 entities/);
});

test('exit codes: 3 when the admin API cannot be reached, 1 when the token is refused or the file is, 2 for usage', async () => {
  const file = join(dir, 'kong.yaml');
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, '_format_version: "3.0"\nservices:\n  - name: x\n');
  const [unreachable, wrongToken, usage, format, refused] = await Promise.all([
    runCli(['diff', file, '--admin-url', 'http://127.0.0.1:9'], { PORTCULLIS_ADMIN_TOKEN: token }),
    cli(['dump', '--admin-token', 'not-the-token'], {}),
    cli(['sync']),
    cli(['dump', '--format', 'xml']),
    cli(['sync', bad]),
  ]);
  assert.equal(unreachable.code, 3);
  assert.match(unreachable.stderr, /cannot reach the admin API at http:\/\/127\.0\.0\.1:9/);
  assert.equal(wrongToken.code, 1);
  assert.match(wrongToken.stderr, /GET \/config: 401 ADMIN_UNAUTHORIZED/);
  assert.doesNotMatch(wrongToken.stderr, /not-the-token/);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: portcullis config sync FILE/);
  assert.equal(format.code, 2);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /bad\.yaml: 1 error\(s\)\n {2}services\[0\]\.host: /);
});
