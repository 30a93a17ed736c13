// TLS termination: the gateway serves HTTPS with the configured certificate, tells the upstream the original
// scheme, and answers plain HTTP on https-only routes as Kong does (426, or the route's redirect code).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { selfSigned } from '../helpers/self-signed.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { httpRequest } from '../helpers/http.ts';

let up: TestUpstream;
let gw: TestGateway;
let cert = '';

before(async () => {
  const pair = selfSigned();
  cert = pair.cert;
  up = await startUpstream();
  gw = await startGateway(
    {
      _format_version: '3.0',
      services: [
        {
          url: up.url,
          routes: [
            { name: 'secure', paths: ['/secure'], protocols: ['https'] },
            { name: 'redirect', paths: ['/moved'], protocols: ['https'], https_redirect_status_code: 308 },
            { name: 'any', paths: ['/any'] },
          ],
        },
      ],
    },
    { tls: { cert, key: pair.key } },
  );
});

after(async () => {
  await gw.close();
  await up.close();
});

function httpsGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gw.tlsPort, path, ca: cert, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS is terminated with the configured certificate and the upstream hears X-Forwarded-Proto: https', async () => {
  const res = await httpsGet('/secure/x');
  assert.equal(res.status, 200);
  assert.equal(up.requests.at(-1)!.headers['x-forwarded-proto'], 'https');
  assert.equal(up.requests.at(-1)!.headers['x-forwarded-port'], String(gw.tlsPort));
});

test("plain HTTP on an https-only route gets 426 with Kong's message, or the route's redirect", async () => {
  const before = up.requests.length;
  const refused = await httpRequest(`${gw.url}/secure/x`);
  assert.equal(refused.status, 426);
  assert.equal(JSON.parse(refused.body).message, 'Please use HTTPS protocol');
  const moved = await httpRequest(`${gw.url}/moved/y?q=1`, { headers: { host: 'api.example.com' } });
  assert.equal(moved.status, 308);
  assert.equal(moved.headers.location, 'https://api.example.com/moved/y?q=1');
  assert.equal(up.requests.length, before);
  assert.equal((await httpRequest(`${gw.url}/any`)).status, 200);
});
