// Kong's declarative format: nested entities, references, defaults, and every error listed with its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { parseDeclarativeText } from '../../src/config/declarative/parse-file.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { plugins } from '../helpers/gateway.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** What loadDeclarative throws for `doc`; fails the test if it loads. */
async function refusal(doc: Record<string, unknown>): Promise<ConfigError> {
  const registry = await plugins();
  try {
    loadDeclarative(doc, registry);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  return assert.fail('the config loaded');
}

const KONG_FILE = `
_format_version: "3.0"
_transform: true
services:
  - name: orders
    url: http://127.0.0.1:9/v1
    tags: [team-a]
    routes:
      - name: orders-read
        paths: ["/orders", "~/orders/(?<id>\\\\d+)$"]
        methods: [GET]
        plugins:
          - name: rate-limiting
            config: { minute: 10, policy: local }
    plugins:
      - name: acl
        config: { allow: [partners] }
routes:
  - name: top-level
    service: orders
    paths: [/top]
upstreams:
  - name: orders-upstream
    targets:
      - target: 127.0.0.1:9001
        weight: 50
consumers:
  - username: acme
    custom_id: partner-1
    jwt_secrets:
      - key: acme-issuer
        secret: s3cr3t-value-0123456789abcdef0123
    keyauth_credentials:
      - key: acme-api-key
    acls:
      - group: partners
    plugins:
      - name: rate-limiting
        config: { second: 5, policy: local }
plugins:
  - name: jwt
  - name: key-auth
    service: orders
    config: { key_names: [apikey] }
`;

test('a Kong 3.0 file with nested entities loads, with references resolved and Kong defaults filled', async () => {
  const entities = loadDeclarative(parseDeclarativeText(KONG_FILE), await plugins());
  assert.equal(entities.services.length, 1);
  const svc = entities.services[0]!;
  assert.deepEqual([svc.protocol, svc.host, svc.port, svc.path, svc.retries, svc.connect_timeout], ['http', '127.0.0.1', 9, '/v1', 5, 60000]);
  assert.equal(entities.routes.length, 2);
  assert.ok(entities.routes.every((r) => r.serviceId === svc.id));
  const read = entities.routes.find((r) => r.name === 'orders-read')!;
  assert.equal(read.strip_path, true);
  assert.equal(read.preserve_host, false);
  assert.deepEqual(read.protocols, ['http', 'https']);
  assert.equal(entities.targets[0]!.upstreamId, entities.upstreams[0]!.id);
  const acme = entities.consumers[0]!;
  assert.equal(entities.jwt_secrets[0]!.consumerId, acme.id);
  assert.equal(entities.jwt_secrets[0]!.algorithm, 'HS256');
  assert.equal(entities.keyauth_credentials[0]!.consumerId, acme.id);
  assert.equal(entities.acls[0]!.consumerId, acme.id);
  const scoped = (name: string) => entities.plugins.filter((p) => p.name === name);
  assert.equal(scoped('rate-limiting').find((p) => p.routeId === read.id)?.serviceId, null);
  assert.equal(scoped('rate-limiting').find((p) => p.consumerId === acme.id)?.routeId, null);
  assert.equal(scoped('acl')[0]!.serviceId, svc.id);
  assert.equal(scoped('key-auth')[0]!.serviceId, svc.id);
  assert.equal(scoped('jwt')[0]!.serviceId, null);
});

test('ids are stable across loads of the same file', async () => {
  const one = loadDeclarative(parseDeclarativeText(KONG_FILE), await plugins());
  const two = loadDeclarative(parseDeclarativeText(KONG_FILE), await plugins());
  assert.deepEqual(
    one.services.map((s) => s.id),
    two.services.map((s) => s.id),
  );
  assert.deepEqual(
    one.routes.map((s) => s.id),
    two.routes.map((s) => s.id),
  );
  assert.deepEqual(
    one.plugins.map((s) => s.id),
    two.plugins.map((s) => s.id),
  );
});

test('an invalid file lists every error with its path, not just the first', async () => {
  const bad = parseDeclarativeText(`
_format_version: "3.0"
services:
  - name: orders
    url: not a url
    routes:
      - name: r1
        paths: [relative]
        strip_pth: true
  - name: orders
    host: 127.0.0.1
    port: 99999
routes:
  - name: orphan
    service: nowhere
    paths: [/x]
  - name: nothing-to-match
    service: orders
  - name: unroutable
    hosts: [ok.example, a.*.com]
    headers: { x-v: ["~*("] }
consumers:
  - username: a
    jwt_secrets: [{ key: dup, secret: x }]
  - username: b
    jwt_secrets: [{ key: dup, secret: y, algorithm: HS999 }]
plugins:
  - name: no-such-plugin
  - name: rate-limiting
    config: { minute: "ten" }
bogus: 1
`);
  const error = await refusal(bad);
  const paths = error.errors.map((e) => e.path);
  for (const expected of [
    'services[0].url',
    'services[0].routes[0].paths[0]',
    'services[0].routes[0].strip_pth',
    'services[1].port',
    'routes[0].service',
    'routes[1]',
    'routes[2].hosts[1]',
    'routes[2].headers.x-v[0]',
    'consumers[1].jwt_secrets[0].algorithm',
    'consumers[0].jwt_secrets[0].secret',
    'plugins[0].name',
    'plugins[1].config.minute',
    'bogus',
  ]) {
    assert.ok(paths.includes(expected), `missing error for ${expected}; got ${JSON.stringify(error.errors, null, 1)}`);
  }
  assert.ok(
    error.errors.some((e) => e.path === 'services[1].name' || e.path.startsWith('services[1]')),
    'duplicate service name',
  );
  // secrets are never echoed in errors
  assert.ok(!error.message.includes('dup,') && !JSON.stringify(error.errors).includes('"y"'));
});

test('`portcullis config validate` exits 0 on a good file and 1 with every error on a bad one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.json');
  await writeFile(good, KONG_FILE);
  await writeFile(
    bad,
    JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 'x', host: 'h', routes: [{ paths: ['nope'] }] }],
      plugins: [{ name: 'jwt', config: { key_claim_name: 5 } }],
    }),
  );
  const ok = await run(process.execPath, [CLI, 'config', 'validate', good]);
  assert.match(ok.stdout, /valid \(1 services, 2 routes, 1 consumers/);
  const failed = await run(process.execPath, [CLI, 'config', 'validate', bad]).then(
    () => null,
    (err: { code: number; stderr: string }) => err,
  );
  assert.ok(failed, 'validate accepted a bad file');
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /services\[0\]\.routes\[0\]\.paths\[0\]/);
  assert.match(failed.stderr, /plugins\[0\]\.config\.key_claim_name/);
});

test('`portcullis start` refuses an invalid file and exits non-zero', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-'));
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, '_format_version: "3.0"\nservices:\n  - name: x\n');
  const failed = await run(process.execPath, [CLI, 'start', '--config', bad, '--listen', '127.0.0.1:0']).then(
    () => null,
    (err: { code: number; stderr: string }) => err,
  );
  assert.ok(failed);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /refusing to start/);
  assert.match(failed.stderr, /services\[0\]\.host/);
});

test("plugins that decide who the consumer is cannot be scoped to a consumer (Kong's no_consumer)", async () => {
  const doc = parseDeclarativeText(`
_format_version: "3.0"
consumers:
  - username: a
    plugins:
      - name: key-auth
plugins:
  - name: acl
    consumer: a
    config: { allow: [x] }
  - name: rate-limiting
    consumer: a
    config: { minute: 1 }
`);
  assert.deepEqual((await refusal(doc)).errors.map((e) => e.path).sort(), ['consumers[0].plugins[0]', 'plugins[0].consumer']);
});
