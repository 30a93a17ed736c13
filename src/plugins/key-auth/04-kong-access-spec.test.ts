// Kong's spec/03-plugins/09-key-auth/02-access_spec.lua, case by case, as black-box requests over real
// sockets: same routes (by host), consumers, keys, statuses, messages and challenges. Cases that need a
// feature this gateway lacks say so where they would be; deliberate differences are pinned as ours.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { specClient, type SpecResponse } from '../../../test/helpers/kong-spec.ts';

const ANONYMOUS = { id: randomUUID(), username: 'no-body' };
const BOB = { id: randomUUID(), username: 'bob' };
const KONG_CRED = { id: randomUUID(), key: 'kong' };
const NONEXISTING_ANONYMOUS = randomUUID();

/**
 * key_in_body arrives on another branch. The key-locations table runs its body routes as soon as the config
 * loads; the body-only cases below are listed, not ported: port them with key_in_body.
 */

function unauthorized(res: SpecResponse, message: string, challenge = 'Key'): void {
  assert.equal(res.status, 401, res.body);
  assert.equal(res.json?.message, message);
  assert.equal(res.headers['www-authenticate'], challenge);
  assert.equal(res.upstream, undefined, 'nothing reaches the upstream');
}

describe('Plugin: key-auth (access)', () => {
  let gw: PluginGateway;
  let send: ReturnType<typeof specClient>;

  before(async () => {
    const route = (n: number | string, config: Record<string, unknown> = {}) => ({
      name: `key-auth${n}`,
      hosts: [`key-auth${n}.test`],
      plugins: [{ name: 'key-auth', config }],
    });
    gw = await startPluginGateway({
      consumers: [ANONYMOUS, { ...BOB, keyauth_credentials: [KONG_CRED] }],
      routes: [
        route(1),
        route(2, { hide_credentials: true, realm: 'test-realm' }),
        route(3, { anonymous: ANONYMOUS.id }),
        route(4, { anonymous: NONEXISTING_ANONYMOUS }),
        route(7, { run_on_preflight: false }),
        route(8, { key_names: ['api_key'] }),
        route(9, { key_names: ['api-key'] }),
        route(10, { anonymous: ANONYMOUS.username }),
      ],
    });
    send = specClient(gw.url, gw.upstream);
  });
  after(() => gw?.close());

  describe('Unauthorized', () => {
    test('returns 200 on OPTIONS requests if run_on_preflight is false', async () => {
      assert.equal((await send('key-auth7.test', '/status/200', { method: 'OPTIONS' })).status, 200);
    });
    test('returns Unauthorized on OPTIONS requests if run_on_preflight is true', async () => {
      unauthorized(await send('key-auth1.test', '/status/200', { method: 'OPTIONS' }), 'No API key found in request');
    });
    test('returns Unauthorized on missing credentials', async () => {
      unauthorized(await send('key-auth1.test', '/status/200'), 'No API key found in request');
    });
    test('returns Unauthorized on empty key header', async () => {
      unauthorized(await send('key-auth1.test', '/status/200', { headers: { apikey: '' } }), 'No API key found in request');
    });
    test('when realm is not configured: returns Unauthorized on empty key header with no realm', async () => {
      unauthorized(await send('key-auth1.test', '/status/200', { headers: { apikey: '' } }), 'No API key found in request', 'Key');
    });
    test('when realm is configured: returns Unauthorized on empty key header with configured realm', async () => {
      unauthorized(await send('key-auth2.test', '/status/200', { headers: { apikey: '' } }), 'No API key found in request', 'Key realm="test-realm"');
    });
    test('returns Unauthorized on empty key querystring', async () => {
      unauthorized(await send('key-auth1.test', '/status/200?apikey'), 'No API key found in request');
    });
    test('returns WWW-Authenticate header on missing credentials', async () => {
      assert.equal((await send('key-auth1.test', '/status/200')).headers['www-authenticate'], 'Key');
    });
  });

  describe('key in querystring', () => {
    test('authenticates valid credentials', async () => {
      assert.equal((await send('key-auth1.test', '/request?apikey=kong')).status, 200);
    });
    test('returns 401 Unauthorized on invalid key', async () => {
      unauthorized(await send('key-auth1.test', '/status/200?apikey=123'), 'Unauthorized');
    });
    test('handles duplicated key in querystring', async () => {
      unauthorized(await send('key-auth1.test', '/status/200?apikey=kong&apikey=kong'), 'Duplicate API key found');
    });
  });

  // Kong's 'key in request body' cases (form, JSON, multipart, duplicates) are ported in 05-key-in-body.test.ts.

  describe('key in headers', () => {
    test('authenticates valid credentials', async () => {
      assert.equal((await send('key-auth1.test', '/request', { headers: { apikey: 'kong' } })).status, 200);
    });
    test('returns 401 Unauthorized on invalid key', async () => {
      unauthorized(await send('key-auth1.test', '/status/200', { headers: { apikey: '123' } }), 'Unauthorized');
    });
    // Not in Kong's spec, but its handler: a repeated header is a list in kong.request.get_headers(), and a list is a duplicate.
    test('handles a duplicated key header (two header lines) as a duplicate, even when both carry the valid key', async () => {
      unauthorized(await send('key-auth1.test', '/status/200', { headers: { apikey: ['kong', 'kong'] } }), 'Duplicate API key found');
      unauthorized(await send('key-auth1.test', '/status/200', { headers: { apikey: ['kong', 'other'] } }), 'Duplicate API key found');
      // the header and the query each once is no duplicate: the header wins
      assert.equal((await send('key-auth1.test', '/request?apikey=wrong', { headers: { apikey: 'kong' } })).status, 200);
    });
  });

  test('key in gRPC headers', { skip: 'gRPC is not proxied by this gateway (http and https only)' }, () => {});

  describe('underscores or hyphens in key headers', () => {
    test('authenticates valid credentials', async () => {
      assert.equal((await send('key-auth8.test', '/request', { headers: { api_key: 'kong' } })).status, 200);
      assert.equal((await send('key-auth8.test', '/request', { headers: { 'api-key': 'kong' } })).status, 200);
    });
    test('returns 401 Unauthorized on invalid key', async () => {
      unauthorized(await send('key-auth8.test', '/status/200', { headers: { api_key: '123' } }), 'Unauthorized');
      unauthorized(await send('key-auth8.test', '/status/200', { headers: { 'api-key': '123' } }), 'Unauthorized');
    });
    test('a hyphenated key name does not match an underscored header (nginx lookup is one-way)', async () => {
      assert.equal((await send('key-auth9.test', '/request', { headers: { 'api-key': 'kong' } })).status, 200);
    });
  });

  describe('Consumer headers', () => {
    test('sends Consumer headers to upstream', async () => {
      const res = await send('key-auth1.test', '/request?apikey=kong');
      assert.equal(res.status, 200);
      const headers = res.upstream!.headers;
      assert.equal(typeof headers['x-consumer-id'], 'string');
      assert.equal(headers['x-consumer-username'], 'bob');
      assert.equal(headers['x-credential-identifier'], KONG_CRED.id);
      assert.equal(headers['x-anonymous-consumer'], undefined);
    });
  });

  describe('config.hide_credentials', () => {
    test('uri_args: false sends key to upstream', async () => {
      const res = await send('key-auth1.test', '/request?apikey=kong');
      assert.equal(new URLSearchParams(res.upstream!.url.split('?')[1]).get('apikey'), 'kong');
    });
    test("uri_args: true doesn't send key to upstream", async () => {
      const res = await send('key-auth2.test', '/request?apikey=kong');
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.url, '/request');
    });
    test('headers: false sends key to upstream', async () => {
      assert.equal((await send('key-auth1.test', '/request', { headers: { apikey: 'kong' } })).upstream!.headers.apikey, 'kong');
    });
    test("headers: true doesn't send key to upstream", async () => {
      const res = await send('key-auth2.test', '/request', { headers: { apikey: 'kong' } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers.apikey, undefined);
    });
    // post_data.params (hide_credentials on bodies): ported in 05-key-in-body.test.ts.

    test('does not remove apikey and preserves order of query parameters', async () => {
      const res = await send('key-auth1.test', '/request?c=value1&b=value2&apikey=kong&a=value3');
      assert.equal(res.upstream!.url, '/request?c=value1&b=value2&apikey=kong&a=value3');
    });
    test('removes apikey and preserves order of query parameters', async () => {
      const res = await send('key-auth2.test', '/request?c=value1&b=value2&apikey=kong&a=value3');
      assert.equal(res.upstream!.url, '/request?c=value1&b=value2&a=value3');
    });
    test('removes apikey in encoded query and preserves order of query parameters', async () => {
      const res = await send('key-auth2.test', '/request?c=valu%651&b=value2&api%6B%65%79=kong&a=valu%653');
      assert.equal(res.status, 200);
      // Kong re-encodes what is left (`c=value1&b=value2&a=value3`); here the other parameters keep the
      // client's exact bytes, so the upstream decodes the very same values: a deliberate difference.
      assert.equal(res.upstream!.url, '/request?c=valu%651&b=value2&a=valu%653');
    });
    test('hides the key from the query even when it was found in the header, and only that parameter', async () => {
      const res = await send('key-auth2.test', '/request?x=%2F+y&apikey=other&z', { headers: { apikey: 'kong' } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.url, '/request?x=%2F+y&z');
      assert.equal(res.upstream!.headers.apikey, undefined);
    });
  });

  describe('config.anonymous', () => {
    test('works with right credentials and anonymous', async () => {
      const headers = (await send('key-auth3.test', '/request?apikey=kong')).upstream!.headers;
      assert.equal(headers['x-consumer-username'], 'bob');
      assert.equal(headers['x-credential-identifier'], KONG_CRED.id);
      assert.equal(headers['x-anonymous-consumer'], undefined);
    });
    test('works with wrong credentials and anonymous', async () => {
      const res = await send('key-auth3.test', '/request');
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], 'true');
      assert.equal(res.upstream!.headers['x-credential-identifier'], undefined);
      assert.equal(res.upstream!.headers['x-consumer-username'], 'no-body');
    });
    test('works with wrong credentials and username as anonymous', async () => {
      const res = await send('key-auth10.test', '/request');
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], 'true');
      assert.equal(res.upstream!.headers['x-consumer-username'], 'no-body');
    });
    test("errors when anonymous user doesn't exist", async () => {
      const res = await send('key-auth4.test', '/request');
      assert.equal(res.status, 500);
      assert.equal(res.json?.message, `anonymous consumer ${NONEXISTING_ANONYMOUS} is configured but doesn't exist`);
      assert.equal(res.json?.code, 'ANONYMOUS_CONSUMER_MISSING');
      assert.equal(res.json?.plugin, 'key-auth');
      assert.equal(res.upstream, undefined);
    });
  });

  test("a refusal names the plugin that refused, beside Kong's message", async () => {
    const res = await send('key-auth1.test', '/status/200');
    assert.equal(res.json?.plugin, 'key-auth');
    assert.equal(res.json?.code, 'KEY_AUTH_MISSING');
  });
});

// Kong runs these with basic-auth (priority 1100, after key-auth); there is no basic-auth here, so jwt
// (priority 1450, before key-auth) plays the other plugin. Which plugin answers a logical-AND refusal follows
// from the order: with only the key, jwt refuses (`Bearer`) where Kong's basic-auth did (`Basic realm="service"`).
describe('Plugin: key-auth (access): multiple auth plugins', () => {
  const anonymous = { id: randomUUID(), username: 'Anonymous' };
  const user1 = { id: randomUUID(), username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] };
  const secret = 'a-jwt-secret-of-at-least-32-bytes-long!';
  const user2 = { id: randomUUID(), username: 'Aladdin', jwt_secrets: [{ key: 'aladdin-iss', secret, algorithm: 'HS256' }] };
  let gw: PluginGateway;
  let send: ReturnType<typeof specClient>;
  let bearer: string;

  before(async () => {
    bearer = `Bearer ${await new SignJWT({ iss: 'aladdin-iss' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret))}`;
    gw = await startPluginGateway({
      consumers: [anonymous, user1, user2],
      routes: [
        { name: 'and', hosts: ['logical-and.test'], plugins: [{ name: 'jwt' }, { name: 'key-auth' }] },
        {
          name: 'or',
          hosts: ['logical-or.test'],
          plugins: [
            { name: 'jwt', config: { anonymous: anonymous.id } },
            { name: 'key-auth', config: { anonymous: anonymous.id } },
          ],
        },
      ],
    });
    send = specClient(gw.url, gw.upstream);
  });
  after(() => gw?.close());

  describe('multiple auth without anonymous, logical AND', () => {
    test('passes with all credentials provided', async () => {
      const res = await send('logical-and.test', '/request', { headers: { apikey: 'Mouse', authorization: bearer } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], undefined);
      assert.ok(([user1.id, user2.id] as string[]).includes(res.upstream!.headers['x-consumer-id'] as string));
    });
    test('fails 401, with only the first credential provided', async () => {
      const res = await send('logical-and.test', '/request', { headers: { apikey: 'Mouse' } });
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.equal(res.json?.plugin, 'jwt');
    });
    test('fails 401, with only the second credential provided', async () => {
      const res = await send('logical-and.test', '/request', { headers: { authorization: bearer } });
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Key');
      assert.equal(res.json?.plugin, 'key-auth');
    });
    test('fails 401, with no credential provided', async () => {
      assert.equal((await send('logical-and.test', '/request')).status, 401);
    });
  });

  describe('multiple auth with anonymous, logical OR', () => {
    test('passes with all credentials provided', async () => {
      const res = await send('logical-or.test', '/request', { headers: { apikey: 'Mouse', authorization: bearer } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], undefined);
      const id = res.upstream!.headers['x-consumer-id'];
      assert.notEqual(id, anonymous.id);
      assert.ok(id === user1.id || id === user2.id);
    });
    test('passes with only the first credential provided', async () => {
      const res = await send('logical-or.test', '/request', { headers: { apikey: 'Mouse' } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], undefined);
      assert.equal(res.upstream!.headers['x-consumer-id'], user1.id);
    });
    test('passes with only the second credential provided', async () => {
      const res = await send('logical-or.test', '/request', { headers: { authorization: bearer } });
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], undefined);
      assert.equal(res.upstream!.headers['x-consumer-id'], user2.id);
    });
    test('passes with no credential provided', async () => {
      const res = await send('logical-or.test', '/request');
      assert.equal(res.status, 200);
      assert.equal(res.upstream!.headers['x-anonymous-consumer'], 'true');
      assert.equal(res.upstream!.headers['x-consumer-id'], anonymous.id);
    });
  });
});

describe('Plugin: key-auth (access): auto-expiring keys', () => {
  // Kong gives 30 s "to reduce flakiness on slow setups"; 5 s from just before the gateway starts is enough here.
  const ttl = 5;
  let gw: PluginGateway;
  let send: ReturnType<typeof specClient>;
  let insertedAt = 0;

  before(async () => {
    insertedAt = Math.floor(Date.now() / 1000);
    gw = await startPluginGateway({
      consumers: [{ username: 'Jafar', keyauth_credentials: [{ key: 'kong', ttl, created_at: insertedAt }] }],
      routes: [{ name: 'ttl', hosts: ['key-ttl.test'], plugins: [{ name: 'key-auth' }] }],
    });
    send = specClient(gw.url, gw.upstream);
  });
  after(() => gw?.close());

  test('authenticate for up to ttl', async () => {
    assert.equal((await send('key-ttl.test', '/status/200', { headers: { apikey: 'kong' } })).status, 200);
    const deadline = (insertedAt + ttl + 2) * 1000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await send('key-ttl.test', '/status/200', { headers: { apikey: 'kong' } })).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 401, 'refused once the ttl has passed');
  });
});

// Kong's table: header, query and body key ('right', 'wrong' or none) against every combination of
// key_in_header / key_in_query / key_in_body (route /<h><q><b>, t or f), POSTed as a form.
describe('Plugin: key-auth (access): key locations', () => {
  const ROUTES = ['/ttt', '/ttf', '/tff', '/fff', '/fft', '/tft', '/ftf'];
  type Key = 'right' | 'wrong' | null;
  // Kong's rows, grouped as in the spec: [header, query, body] then the status for each route above.
  const TABLE: [Key, Key, Key, number[]][] = [
    ['right', 'right', 'right', [200, 200, 200, 401, 200, 200, 200]],
    ['right', 'right', 'wrong', [200, 200, 200, 401, 401, 200, 200]],
    ['right', 'wrong', 'wrong', [200, 200, 200, 401, 401, 200, 401]],
    ['wrong', 'wrong', 'wrong', [401, 401, 401, 401, 401, 401, 401]],
    ['wrong', 'wrong', 'right', [401, 401, 401, 401, 200, 401, 401]],
    ['right', 'wrong', 'right', [200, 200, 200, 401, 200, 200, 401]],
    ['wrong', 'right', 'wrong', [401, 401, 401, 401, 401, 401, 200]],
    [null, null, null, [401, 401, 401, 401, 401, 401, 401]],
    [null, null, 'wrong', [401, 401, 401, 401, 401, 401, 401]],
    [null, 'wrong', 'wrong', [401, 401, 401, 401, 401, 401, 401]],
    ['wrong', 'wrong', null, [401, 401, 401, 401, 401, 401, 401]],
    [null, 'wrong', null, [401, 401, 401, 401, 401, 401, 401]],
    ['wrong', null, 'wrong', [401, 401, 401, 401, 401, 401, 401]],
    ['right', 'right', null, [200, 200, 200, 401, 401, 200, 200]],
    ['right', null, null, [200, 200, 200, 401, 401, 200, 401]],
    [null, null, 'right', [200, 401, 401, 401, 200, 200, 401]],
    ['right', null, 'right', [200, 200, 200, 401, 200, 200, 401]],
    [null, 'right', null, [200, 200, 401, 401, 401, 401, 200]],
    [null, 'right', 'wrong', [200, 200, 401, 401, 401, 401, 200]],
    ['right', 'wrong', null, [200, 200, 200, 401, 401, 200, 401]],
    ['right', null, 'wrong', [200, 200, 200, 401, 401, 200, 401]],
    [null, 'wrong', 'right', [401, 401, 401, 401, 200, 200, 401]],
    ['wrong', 'right', null, [401, 401, 401, 401, 401, 401, 200]],
    ['wrong', null, 'right', [401, 401, 401, 401, 200, 401, 401]],
  ];
  let gw: PluginGateway;
  let send: ReturnType<typeof specClient>;

  before(async () => {
    const flag = (c: string | undefined) => c === 't';
    gw = await startPluginGateway({
      consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'right' }] }],
      routes: ROUTES.map((p) => ({
        name: p.slice(1),
        paths: [p],
        plugins: [{ name: 'key-auth', config: { key_in_header: flag(p[1]), key_in_query: flag(p[2]), key_in_body: flag(p[3]) } }],
      })),
    });
    send = specClient(gw.url, gw.upstream);
  });
  after(() => gw?.close());

  let i = 0;
  for (const [header, query, body, statuses] of TABLE) {
    ROUTES.forEach((path, r) => {
      const n = ++i;
      const input = `${(header ?? 'n')[0]}${(query ?? 'n')[0]}${(body ?? 'n')[0]}`;
      test(`combination #${n} (${input} => ${path.slice(1)}) works`, async () => {
        const res = await send('localhost', `${path}${query === null ? '' : `?apikey=${query}`}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(header === null ? {} : { apikey: header }) },
          body: body === null ? undefined : `apikey=${body}`,
        });
        assert.equal(res.status, statuses[r], res.body);
        if (statuses[r] === 401) assert.equal(res.headers['www-authenticate'], 'Key');
      });
    });
  }
});
