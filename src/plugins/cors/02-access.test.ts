// cors over real sockets: preflights answered at the gateway, CORS headers on every other response
// (overriding the upstream's), origin matching by exact origin, host regex and origin regex.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';

let upstream: TestUpstream;
let gw: PluginGateway;

function route(name: string, config: Record<string, unknown>, extra: Record<string, unknown>[] = []) {
  return { name, paths: [`/${name}`], plugins: [{ name: 'cors', config }, ...extra] };
}

before(async () => {
  gw = await startPluginGateway({
    routes: [
      route('any', {}),
      route('absent-off', { allow_origin_absent: false }),
      route('fixed', {
        origins: ['http://app.example'],
        methods: ['GET', 'POST'],
        headers: ['X-A', 'X-B'],
        exposed_headers: ['X-One', 'X-Two'],
        max_age: 3600,
        credentials: true,
      }),
      route('list', { origins: ['http://app.example:80', 'https://(.+)\\.example\\.org', '.*\\.example\\.net', 'a\\.example\\.com|b\\.example\\.com'] }),
      route('star-creds', { origins: ['*'], credentials: true }),
      route('starred', { origins: ['http://a.example', '*'] }),
      route('pna', { private_network: true }),
      route('continue', { preflight_continue: true }),
      route('refused', {}, [{ name: 'ip-restriction', config: { deny: ['127.0.0.0/8'] } }]),
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

/** The upstream answers with CORS headers of its own, which the gateway must override. */
async function withUpstreamCorsHeaders<T>(fn: () => Promise<T>): Promise<T> {
  upstream.handler = (_req, res) => {
    res.writeHead(200, {
      'access-control-allow-origin': 'http://evil.example',
      'access-control-expose-headers': 'X-Leak',
      vary: 'Accept-Encoding',
      'content-length': '2',
    });
    res.end('ok');
  };
  try {
    return await fn();
  } finally {
    upstream.handler = null;
  }
}

function preflight(path: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
  return httpRequest(`${gw.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', ...headers },
  });
}

test('default config: `*` for every response, with or without an Origin', async () => {
  const withOrigin = await httpRequest(`${gw.url}/any/x`, { headers: { origin: 'http://somewhere.example' } });
  assert.equal(withOrigin.status, 200);
  assert.equal(withOrigin.headers['access-control-allow-origin'], '*');
  assert.equal(withOrigin.headers.vary, undefined);
  assert.equal(withOrigin.headers['access-control-allow-credentials'], undefined);
  assert.equal(upstream.requests.at(-1)!.url, '/x');
  const withoutOrigin = await httpRequest(`${gw.url}/any/x`);
  assert.equal(withoutOrigin.headers['access-control-allow-origin'], '*');
});

test('allow_origin_absent=false leaves requests without an Origin alone', async () => {
  const res = await withUpstreamCorsHeaders(() => httpRequest(`${gw.url}/absent-off`));
  assert.equal(res.headers['access-control-allow-origin'], 'http://evil.example', 'untouched upstream header');
  const cors = await httpRequest(`${gw.url}/absent-off`, { headers: { origin: 'http://x.example' } });
  assert.equal(cors.headers['access-control-allow-origin'], '*');
});

test("a preflight is answered by the gateway with Kong's defaults and never reaches the upstream", async () => {
  const before = upstream.requests.length;
  const res = await preflight('/any', { 'access-control-request-headers': 'x-custom, content-type' });
  assert.equal(res.status, 200);
  assert.equal(res.body, '');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['access-control-allow-methods'], ALL_METHODS);
  assert.equal(res.headers['access-control-allow-headers'], 'x-custom, content-type');
  assert.equal(res.headers['access-control-max-age'], undefined);
  assert.equal(res.headers['access-control-allow-credentials'], undefined);
  assert.equal(res.headers['access-control-allow-private-network'], undefined);
  assert.equal(upstream.requests.length, before);
});

test('a preflight with configured methods, headers, max_age and credentials', async () => {
  const before = upstream.requests.length;
  const res = await preflight('/fixed', { origin: 'http://other.example', 'access-control-request-headers': 'x-ignored' });
  assert.equal(res.status, 200);
  // One literal origin is sent as configured whatever the request says: the browser does the comparing.
  assert.equal(res.headers['access-control-allow-origin'], 'http://app.example');
  assert.equal(res.headers.vary, 'Origin');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(res.headers['access-control-allow-headers'], 'X-A,X-B');
  assert.equal(res.headers['access-control-max-age'], '3600');
  assert.equal(upstream.requests.length, before);
});

test("on proxied responses the gateway's CORS headers replace the upstream's; Vary gains Origin", async () => {
  const res = await withUpstreamCorsHeaders(() => httpRequest(`${gw.url}/fixed`, { headers: { origin: 'http://app.example' } }));
  assert.equal(res.status, 200);
  assert.equal(res.body, 'ok');
  assert.equal(res.headers['access-control-allow-origin'], 'http://app.example');
  assert.equal(res.headers['access-control-expose-headers'], 'X-One,X-Two');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers.vary, 'Accept-Encoding, Origin');
});

test('a list of origins reflects the normalised request origin when one matches', async () => {
  const cases: [string, string | undefined][] = [
    ['http://app.example', 'http://app.example'], // configured with :80, the scheme default
    ['http://app.example:80', 'http://app.example'],
    ['http://app.example:8080', undefined],
    ['https://app.example', undefined],
    ['https://api.example.org', 'https://api.example.org'], // origin regex (has a colon)
    ['https://api.example.org.evil.io', undefined],
    ['http://api.example.org', undefined],
    ['https://x.example.net:8443', 'https://x.example.net:8443'], // host regex (no colon)
    ['http://example.net', undefined],
    ['https://b.example.com', 'https://b.example.com'],
    ['https://a.example.com.evil.io', undefined], // each alternative is anchored at both ends
    ['null', undefined],
  ];
  for (const [origin, expected] of cases) {
    const res = await withUpstreamCorsHeaders(() => httpRequest(`${gw.url}/list`, { headers: { origin } }));
    assert.equal(res.headers['access-control-allow-origin'], expected, origin);
    assert.equal(res.headers.vary, 'Accept-Encoding, Origin', origin);
  }
  const noOrigin = await withUpstreamCorsHeaders(() => httpRequest(`${gw.url}/list`));
  assert.equal(noOrigin.headers['access-control-allow-origin'], undefined, "the upstream's value is cleared");
});

test('a preflight from an origin outside the list gets no Allow-Origin', async () => {
  const res = await preflight('/list', { origin: 'https://evil.example' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  assert.equal(res.headers.vary, 'Origin');
  const ok = await preflight('/list', { origin: 'https://www.example.org' });
  assert.equal(ok.headers['access-control-allow-origin'], 'https://www.example.org');
});

test('credentials with `*` reflect the request Origin, since browsers refuse `*` with credentials', async () => {
  const res = await httpRequest(`${gw.url}/star-creds`, { headers: { origin: 'http://x.example' } });
  assert.equal(res.headers['access-control-allow-origin'], 'http://x.example');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers.vary, 'Origin');
  const noOrigin = await httpRequest(`${gw.url}/star-creds`);
  assert.equal(noOrigin.headers['access-control-allow-origin'], '*');
  assert.equal(noOrigin.headers['access-control-allow-credentials'], undefined);
});

test('`*` among other origins answers `*` to any Origin, as Kong does', async () => {
  const res = await httpRequest(`${gw.url}/starred`, { headers: { origin: 'http://zzz.example' } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers.vary, 'Origin');
  const noOrigin = await httpRequest(`${gw.url}/starred`);
  assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
});

test('private_network answers a Private Network Access preflight, and only when asked', async () => {
  const asked = await preflight('/pna', { 'access-control-request-private-network': 'true' });
  assert.equal(asked.headers['access-control-allow-private-network'], 'true');
  const notAsked = await preflight('/pna');
  assert.equal(notAsked.headers['access-control-allow-private-network'], undefined);
  const notEnabled = await preflight('/any', { 'access-control-request-private-network': 'true' });
  assert.equal(notEnabled.headers['access-control-allow-private-network'], undefined);
});

test('preflight_continue hands the preflight to the upstream and adds nothing to its answer', async () => {
  const before = upstream.requests.length;
  const res = await withUpstreamCorsHeaders(() => preflight('/continue'));
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.length, before + 1);
  assert.equal(upstream.requests.at(-1)!.method, 'OPTIONS');
  assert.equal(res.headers['access-control-allow-origin'], 'http://evil.example');
  assert.equal(res.headers['access-control-allow-methods'], undefined);
});

test('an OPTIONS without Access-Control-Request-Method is not a preflight: it is proxied, with CORS headers', async () => {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}/any`, { method: 'OPTIONS', headers: { origin: 'http://app.example' } });
  assert.equal(upstream.requests.length, before + 1);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['access-control-allow-methods'], undefined);
});

test('refusals by later plugins carry CORS headers too, so the browser can read the error', async () => {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}/refused`, { headers: { origin: 'http://app.example' } });
  assertRefused(
    res,
    { status: 403, code: 'IP_FORBIDDEN', message: 'IP address not allowed: 127.0.0.1', headers: { 'access-control-allow-origin': '*' } },
    upstream,
    before,
  );
});
