// Kong's plugin precedence over real requests: for one plugin name the most specific scope wins, and
// consumer-scoped plugins take over once an auth plugin has identified the consumer.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';

let up: TestUpstream;
let gw: TestGateway;

const limit = (minute: number) => ({ name: 'rate-limiting', config: { minute, policy: 'local' } });

before(async () => {
  up = await startUpstream();
  gw = await startGateway({
    _format_version: '3.0',
    services: [
      {
        name: 'svc',
        url: up.url,
        plugins: [limit(50)],
        routes: [
          { name: 'plain', paths: ['/plain'] },
          { name: 'tight', paths: ['/tight'], plugins: [limit(20)] },
        ],
      },
      { name: 'other', url: up.url, routes: [{ name: 'other', paths: ['/other'] }] },
    ],
    consumers: [
      { username: 'vip', keyauth_credentials: [{ key: 'vip-key' }], plugins: [limit(5)] },
      { username: 'regular', keyauth_credentials: [{ key: 'regular-key' }] },
    ],
    plugins: [
      limit(100),
      { name: 'key-auth', config: { key_names: ['apikey'] } },
      { name: 'rate-limiting', route: 'tight', consumer: 'vip', config: { minute: 2, policy: 'local' } },
    ],
  });
});

after(async () => {
  await gw.close();
  await up.close();
});

async function limitFor(path: string, key: string): Promise<string | null> {
  const res = await fetch(`${gw.url}${path}`, { headers: { apikey: key } });
  await res.arrayBuffer();
  assert.equal(res.status, 200, `${path} with ${key}`);
  return res.headers.get('x-ratelimit-limit-minute');
}

test('global < service < route for anonymous-to-the-plugin traffic', async () => {
  assert.equal(await limitFor('/other', 'regular-key'), '100');
  assert.equal(await limitFor('/plain', 'regular-key'), '50');
  assert.equal(await limitFor('/tight', 'regular-key'), '20');
});

test('a consumer-scoped plugin overrides service and route scopes once the consumer is known', async () => {
  assert.equal(await limitFor('/plain', 'vip-key'), '5');
  assert.equal(await limitFor('/other', 'vip-key'), '5');
});

test('route+consumer beats consumer alone', async () => {
  assert.equal(await limitFor('/tight', 'vip-key'), '2');
});
