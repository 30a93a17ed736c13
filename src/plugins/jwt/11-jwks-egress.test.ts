// JWKS fetches reach public addresses only unless the operator allows a network (no blind SSRF from an
// issuer URL an admin wrote): IP literals, names that resolve to loopback, IPv4-mapped forms; the opt-in
// works from startNode's option and environment; every failure is logged (rate limited, URL without
// secrets); a trial build of an admin write never fetches at all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createConfigBuilder } from '../../control-plane/config-builder.ts';
import { startNode } from '../../control-plane/start-node.ts';
import { loadDeclarative } from '../../config/declarative/load-declarative.ts';
import { startPluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { plugins } from '../../../test/helpers/gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import { parseAllowedNetworks, refusedAddress } from './jwks-address-policy.ts';
import { JwksCache } from './jwks-cache.ts';
import { fetchJwks } from './jwks-fetch.ts';
import { jwk, keyPair, nowS, signToken, startJwksServer, type JwksServer } from '../../../test/plugins/jwt/test-support.ts';

const es = keyPair('ES256');
const LIMITS = { timeoutMs: 2000, maxBytes: 65536 };
const servers: JwksServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function jwksServer(): Promise<JwksServer> {
  const server = await startJwksServer([jwk(es, 'k1')]);
  servers.push(server);
  return server;
}

/** A logger whose lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null) throw new Error(`log line is not an object: ${line}`);
        lines.push({ ...parsed });
      }
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('address policy: loopback, RFC 1918, CGNAT, link-local, ULA, unspecified and IPv4-mapped forms are refused; public is not', () => {
  for (const address of [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::127.0.0.1',
    '224.0.0.1',
  ]) {
    assert.match(refusedAddress(address, undefined) ?? 'allowed', /loopback, private, link-local or reserved/, address);
  }
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(refusedAddress(address, undefined), null, address);
  const allowed = parseAllowedNetworks(['10.0.0.0/8', '::1']);
  assert.equal(refusedAddress('10.9.9.9', allowed), null);
  assert.equal(refusedAddress('::1', allowed), null);
  assert.notEqual(refusedAddress('192.168.0.1', allowed), null);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x'])
    assert.throws(() => parseAllowedNetworks([bad]), /not an IP address or CIDR/, bad);
});

test('a fetch to a loopback JWKS is refused before connecting: IP literal, IPv4-mapped literal, and a name that resolves to it', async () => {
  const server = await jwksServer();
  const port = new URL(server.url).port;
  const spellings = [
    server.url,
    `http://[::ffff:127.0.0.1]:${port}/jwks`,
    `http://[::1]:${port}/jwks`,
    `http://localhost:${port}/jwks`,
    `http://2130706433:${port}/jwks`,
    `http://0x7f.1:${port}/jwks`,
    `http://127.1:${port}/jwks`,
  ];
  for (const uri of spellings) {
    await assert.rejects(fetchJwks(uri, LIMITS), /JWKS host refused: .*loopback, private, link-local or reserved/, uri);
  }
  assert.equal(server.fetches, 0, 'nothing reached the server');
});

test("the operator's allowance opens exactly the named networks, names resolved through the checked lookup", async () => {
  const server = await jwksServer();
  const port = new URL(server.url).port;
  const doc = (await fetchJwks(server.url, { ...LIMITS, allowedNetworks: parseAllowedNetworks(['127.0.0.1/32']) })) as { keys: unknown[] };
  assert.equal(doc.keys.length, 1);
  // localhost may also resolve to ::1: every address it resolves to must be allowed
  const both = parseAllowedNetworks(['127.0.0.0/8', '::1/128']);
  await fetchJwks(`http://localhost:${port}/jwks`, { ...LIMITS, allowedNetworks: both }).catch((err: Error) => {
    // a ::1-only resolver can't reach a 127.0.0.1 listener; what matters is that the policy let it try
    assert.doesNotMatch(err.message, /refused: /);
  });
  await assert.rejects(fetchJwks(server.url, { ...LIMITS, allowedNetworks: parseAllowedNetworks(['10.0.0.0/8']) }), /JWKS host refused/);
  assert.ok(server.fetches >= 1);
});

test('every fetch failure is logged as a warning with the URL minus credentials, rate limited per issuer', async () => {
  const server = await jwksServer();
  const { logger, lines } = capturingLogger();
  const uri = server.url.replace('http://', 'http://user:pw@') + '?access_token=hunter2';
  const cache = new JwksCache({ uri, timeoutMs: 1000, maxBytes: 65536, cooldownMs: 0, maxAgeMs: 60_000 }, { logger });
  await cache.refresh();
  await cache.refresh();
  await cache.refresh();
  assert.equal(cache.fetches, 3);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const line = lines[0];
  assert.ok(line);
  assert.equal(line.msg, 'JWKS fetch failed');
  assert.equal(line.level, 40);
  assert.equal(line.jwks_uri, server.url);
  assert.match(String(line.err), /JWKS host refused/);
  assert.ok(!JSON.stringify(line).includes('hunter2') && !JSON.stringify(line).includes(':pw@'));
  assert.equal(server.fetches, 0);
});

test('a gateway without the opt-in answers 503 for a loopback issuer and never contacts it', async () => {
  const server = await jwksServer();
  const gw = await startPluginGateway({
    routes: [{ name: 'idp', paths: ['/idp'], plugins: [{ name: 'jwt', config: { issuers: [{ issuer: 'https://idp.test', jwks_uri: server.url }] } }] }],
    consumers: [{ username: 'partner', custom_id: 'client-1' }],
  });
  try {
    const token = signToken({ alg: 'ES256', kid: 'k1' }, { iss: 'https://idp.test', sub: 'client-1', exp: nowS() + 60 }, es.privateKey);
    const res = await httpRequest(`${gw.url}/idp`, { headers: { authorization: `Bearer ${token}` } });
    const body = assertRefused(res, { status: 503, code: 'JWKS_UNAVAILABLE', message: 'An unexpected error occurred' });
    // the reason is logged, not told to the client
    assert.equal(body.detail, "the issuer's signing keys could not be fetched; retry later");
    assert.equal(server.fetches, 0);
  } finally {
    await gw.close();
  }
});

test("checking a config (an admin write's trial build) fetches nothing; serving it does", async () => {
  const server = await jwksServer();
  const registry = await plugins();
  const entities = loadDeclarative(
    {
      _format_version: '3.0',
      plugins: [{ name: 'jwt', config: { issuers: [{ issuer: 'https://idp.test', jwks_uri: server.url }] } }],
    },
    registry,
  );
  const builder = createConfigBuilder({ plugins: registry, logger: pino({ level: 'silent' }), allowedPrivateNetworks: parseAllowedNetworks(['127.0.0.1/32']) });
  try {
    for (let i = 0; i < 5; i++) await builder.check(entities);
    // the prefetch would run on the next turn of the event loop; give it several
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(server.fetches, 0, 'a trial build fetched');
    await builder.build(entities, 1);
    await until(() => server.fetches === 1, 'the served config to prefetch its JWKS');
  } finally {
    builder.close();
  }
});

test('startNode passes the allowance through: PORTCULLIS_JWKS_ALLOW_PRIVATE, or the option (the --jwks-allow-private flag)', async () => {
  const server = await jwksServer();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-jwks-'));
  const file = join(dir, 'kong.json');
  await writeFile(
    file,
    JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/idp'] }] }],
      plugins: [{ name: 'jwt', config: { issuers: [{ issuer: 'https://idp.test', jwks_uri: server.url }] } }],
      consumers: [{ username: 'partner', custom_id: 'client-1' }],
    }),
  );
  const token = signToken({ alg: 'ES256', kid: 'k1' }, { iss: 'https://idp.test', sub: 'client-1', exp: nowS() + 60 }, es.privateKey);
  const statusWith = async (extra: { env?: Record<string, string>; jwksAllowPrivate?: string[] }) => {
    const node = await startNode({
      configFile: file,
      listen: [{ host: '127.0.0.1', port: 0 }],
      adminListen: { host: '127.0.0.1', port: 0 },
      env: { PORTCULLIS_ADMIN_TOKEN: 'jwks-egress-admin-token-0123456789', ...extra.env },
      jwksAllowPrivate: extra.jwksAllowPrivate,
      logger: pino({ level: 'silent' }),
      plugins: await plugins(),
    });
    try {
      const port = node.gateway.addresses()[0]?.port;
      assert.ok(port !== undefined);
      const res = await httpRequest(`http://127.0.0.1:${port}/idp`, { headers: { authorization: `Bearer ${token}` } });
      return res.status;
    } finally {
      await node.close();
    }
  };
  try {
    // 502: the key was fetched and the token accepted; the upstream at port 9 is not there
    assert.equal(await statusWith({ env: { PORTCULLIS_JWKS_ALLOW_PRIVATE: '127.0.0.1/32' } }), 502);
    assert.equal(await statusWith({ jwksAllowPrivate: ['127.0.0.0/8'] }), 502);
    const before = server.fetches;
    assert.equal(await statusWith({}), 503);
    assert.equal(server.fetches, before, 'no opt-in, no fetch');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
