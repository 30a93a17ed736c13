// A token header the client repeats: Kong's jwt reads it with kong.request.get_header, so the first line
// counts. Node joins a repeated custom header with ", ", which must not turn two tokens into one garbage one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { specClient } from '../../../test/helpers/kong-spec.ts';

const SECRET = 'a-jwt-secret-of-at-least-32-bytes-long!';
let gw: PluginGateway;
let send: ReturnType<typeof specClient>;
let token: string;

before(async () => {
  token = await new SignJWT({ iss: 'alice-iss' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  gw = await startPluginGateway({
    consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-iss', secret: SECRET, algorithm: 'HS256' }] }],
    routes: [{ name: 'custom', paths: ['/custom'], plugins: [{ name: 'jwt', config: { header_names: ['x-jwt', 'authorization'] } }] }],
  });
  send = specClient(gw.url, gw.upstream);
});
after(() => gw?.close());

test('a custom token header sent twice: the first line is the token, as in Kong', async () => {
  const first = await send('localhost', '/custom', { headers: { 'x-jwt': [`Bearer ${token}`, 'Bearer not-a-token'] } });
  assert.equal(first.status, 200, first.body);
  assert.equal(first.upstream?.headers['x-consumer-username'], 'alice');
  const second = await send('localhost', '/custom', { headers: { 'x-jwt': ['Bearer not-a-token', `Bearer ${token}`] } });
  assert.equal(second.status, 401);
  assert.equal(second.json?.plugin, 'jwt');
});

test('Authorization sent twice: the first line too', async () => {
  const res = await send('localhost', '/custom', { headers: { authorization: [`Bearer ${token}`, 'Bearer not-a-token'] } });
  assert.equal(res.status, 200, res.body);
});
