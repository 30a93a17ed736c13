// basic-auth over real sockets beyond Kong's spec: the catalogue codes of its refusals, which header wins
// when both are sent, what the upstream is never shown, spoofed identity headers, and the realm's escaping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { specClient } from '../../../test/helpers/kong-spec.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';

const ALICE = { id: randomUUID(), username: 'alice', custom_id: 'a-1' };
const GUEST = { id: randomUUID(), username: 'guest' };
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

let gw: PluginGateway;
let send: ReturnType<typeof specClient>;

before(async () => {
  const route = (name: string, config: Record<string, unknown> = {}) => ({ name, hosts: [`${name}.test`], plugins: [{ name: 'basic-auth', config }] });
  gw = await startPluginGateway({
    consumers: [
      {
        ...ALICE,
        basicauth_credentials: [
          { username: 'alice', password: 'wonder land' },
          { username: 'älice', password: 'pässwörd' },
        ],
      },
      GUEST,
    ],
    routes: [
      route('plain'),
      route('hidden', { hide_credentials: true }),
      route('anon-hidden', { hide_credentials: true, anonymous: GUEST.username }),
      route('quoted', { realm: 'say "hi" \\o/' }),
    ],
  });
  send = specClient(gw.url, gw.upstream);
});

after(() => gw?.close());

async function refused(host: string, headers: Record<string, string | string[]>, code: ErrorCode, challenge = 'Basic realm="service"') {
  const before = gw.upstream.requests.length;
  const res = await send(`${host}.test`, '/x', { headers });
  assertRefused(
    res,
    { status: 401, code, message: 'Unauthorized', headers: { 'www-authenticate': challenge }, label: JSON.stringify(headers) },
    gw.upstream,
    before,
  );
}

test('no credentials: BASIC_AUTH_MISSING; malformed, unknown or wrong ones: BASIC_AUTH_INVALID; both "Unauthorized"', async () => {
  await refused('plain', {}, 'BASIC_AUTH_MISSING');
  await refused('plain', { authorization: '' }, 'BASIC_AUTH_INVALID');
  await refused('plain', { authorization: 'Bearer abc' }, 'BASIC_AUTH_INVALID');
  await refused('plain', { authorization: basic('nobody:wonder land') }, 'BASIC_AUTH_INVALID');
  await refused('plain', { authorization: basic('alice:wonder') }, 'BASIC_AUTH_INVALID');
  await refused('plain', { authorization: basic('alice:wonder land ') }, 'BASIC_AUTH_INVALID');
  await refused('plain', { authorization: basic('Alice:wonder land') }, 'BASIC_AUTH_INVALID');
  await refused('quoted', {}, 'BASIC_AUTH_MISSING', 'Basic realm="say \\"hi\\" \\\\o/"');
});

test("a good password authenticates: Kong's identity headers upstream, spoofed ones from the client gone", async () => {
  const res = await send('plain.test', '/x', {
    headers: { authorization: basic('alice:wonder land'), 'x-consumer-username': 'admin', 'x-anonymous-consumer': 'true', 'x-credential-identifier': 'root' },
  });
  assert.equal(res.status, 200);
  const h = res.upstream!.headers;
  assert.equal(h['x-consumer-id'], ALICE.id);
  assert.equal(h['x-consumer-username'], 'alice');
  assert.equal(h['x-consumer-custom-id'], 'a-1');
  assert.equal(h['x-credential-identifier'], 'alice');
  assert.equal(h['x-anonymous-consumer'], undefined);
  assert.equal(h.authorization, basic('alice:wonder land'), 'hide_credentials is off');
  // UTF-8 usernames and passwords, as browsers send them today (RFC 7617 charset="UTF-8")
  assert.equal((await send('plain.test', '/x', { headers: { authorization: basic('älice:pässwörd') } })).upstream!.headers['x-credential-identifier'], 'älice');
});

test('Proxy-Authorization is tried first: a username it knows settles the check; an unknown one falls back to Authorization', async () => {
  await refused('plain', { 'proxy-authorization': basic('alice:wrong'), authorization: basic('alice:wonder land') }, 'BASIC_AUTH_INVALID');
  const fallback = await send('plain.test', '/x', { headers: { 'proxy-authorization': basic('nobody:x'), authorization: basic('alice:wonder land') } });
  assert.equal(fallback.status, 200);
  const proxied = await send('plain.test', '/x', { headers: { 'proxy-authorization': basic('alice:wonder land') } });
  assert.equal(proxied.status, 200);
  assert.equal(proxied.upstream!.headers['proxy-authorization'], undefined, 'hop-by-hop: never proxied, hidden or not');
});

test('hide_credentials removes the Authorization header read, also when anonymous takes over', async () => {
  const ok = await send('hidden.test', '/x', { headers: { authorization: basic('alice:wonder land'), 'x-other': 'kept' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.upstream!.headers.authorization, undefined);
  assert.equal(ok.upstream!.headers['x-other'], 'kept');
  const anon = await send('anon-hidden.test', '/x', { headers: { authorization: basic('alice:wrong') } });
  assert.equal(anon.status, 200);
  assert.equal(anon.upstream!.headers['x-consumer-id'], GUEST.id);
  assert.equal(anon.upstream!.headers['x-anonymous-consumer'], 'true');
  assert.equal(anon.upstream!.headers.authorization, undefined, 'a wrong password is not passed on either');
  // Kong leaves Authorization alone when Proxy-Authorization settled it
  const viaProxy = await send('hidden.test', '/x', {
    headers: { 'proxy-authorization': basic('alice:wonder land'), authorization: 'Bearer for-the-upstream' },
  });
  assert.equal(viaProxy.status, 200);
  assert.equal(viaProxy.upstream!.headers.authorization, 'Bearer for-the-upstream');
});

test('a repeated Authorization header: the first line is read, as kong.request.get_header does', async () => {
  assert.equal((await send('plain.test', '/x', { headers: { authorization: [basic('alice:wonder land'), basic('alice:wrong')] } })).status, 200);
  await refused('plain', { authorization: [basic('alice:wrong'), basic('alice:wonder land')] }, 'BASIC_AUTH_INVALID');
});
