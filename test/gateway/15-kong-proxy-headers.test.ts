// Kong's proxy specs on the headers the gateway adds, ported as black-box requests over real sockets:
// 14-server_tokens (Server, Via, X-Kong-*-Latency under each `headers` setting), 33-request-id-header
// (X-Kong-Request-Id both ways), 35-via (Via appended both ways) and 15-upstream-status-header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, FIXTURE_PLUGINS_DIR, type TestGateway } from '../helpers/gateway.ts';
import { specClient, type SpecRequest, type SpecResponse } from '../helpers/kong-spec.ts';
import { freePort } from '../helpers/free-port.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeProcess } from '../cluster/node-process.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
/** Kong's meta._SERVER_TOKENS (`kong/x.y.z`), ours. */
const SERVER_TOKEN = `portcullis/${version}`;
const VIA = `1.1 ${SERVER_TOKEN}`;
const UPSTREAM_LATENCY = 'x-kong-upstream-latency';
const PROXY_LATENCY = 'x-kong-proxy-latency';
const RESPONSE_LATENCY = 'x-kong-response-latency';
const UPSTREAM_STATUS = 'x-kong-upstream-status';
const REQUEST_ID = 'x-kong-request-id';
const HEX = /^[0-9a-f]+$/;

let up: TestUpstream;
let deadPort: number;
const gateways = new Map<string, TestGateway>();

const config = () => ({
  _format_version: '3.0',
  services: [
    {
      name: 'mock',
      url: up.url,
      routes: [
        { name: 'inspect', hosts: ['headers-inspect.test', 'request_id'] },
        {
          name: 'short-circuit',
          hosts: ['short-circuit.test'],
          plugins: [
            { name: 'request-termination', config: { status_code: 200, message: 'Terminated' } },
            { name: 'response-transformer', config: { add: { headers: [`Via:${SERVER_TOKEN}`, 'Server:Demo'] } } },
          ],
        },
        { name: 'termination', hosts: ['request-termination.test'], plugins: [{ name: 'request-termination' }] },
        { name: 'error-access', hosts: ['error-access.test'], plugins: [{ name: 'error-generator', config: { access: true } }] },
        { name: 'key-auth', hosts: ['non-proxied-request.test'], plugins: [{ name: 'key-auth' }] },
        { name: 'status-changed', hosts: ['plugin-changes-200-to-500.test'], plugins: [{ name: 'dummy', config: { resp_code: 500 } }] },
        {
          name: 'pf-access',
          hosts: ['post-function-access'],
          plugins: [{ name: 'request-transformer', config: { add: { headers: ['X-Kong-Request-Id:overwritten'] } } }],
        },
        {
          name: 'pf-header-filter',
          hosts: ['post-function-header-filter'],
          plugins: [{ name: 'response-transformer', config: { add: { headers: ['X-Kong-Request-Id:overwritten'] } } }],
        },
      ],
    },
    { name: 'via_service', url: `${up.url}/via`, routes: [{ name: 'via_route', hosts: ['test.via'], paths: ['/get'] }] },
    { name: 'dead', url: `http://127.0.0.1:${deadPort}`, retries: 0, routes: [{ name: 'dead', hosts: ['502.test'] }] },
  ],
});

/** A gateway started with Kong's `headers` / `headers_upstream` settings as given (one per setting, kept for the file). */
async function kong(headers?: string, headersUpstream?: string): Promise<(host: string, path: string, options?: SpecRequest) => Promise<SpecResponse>> {
  const key = `${headers}|${headersUpstream}`;
  let gw = gateways.get(key);
  if (gw === undefined) {
    gw = await startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR], headers, headersUpstream });
    gateways.set(key, gw);
  }
  return specClient(gw.url, up);
}

before(async () => {
  deadPort = await freePort();
  up = await startUpstream();
  // Kong's mock upstream: /status/N answers N, /via answers as spec 35's http_mock, everything else echoes.
  up.handler = (req, res) => {
    const status = /^\/status\/(\d{3})/.exec(req.url);
    if (status) {
      res.writeHead(Number(status[1]), { server: 'mock-upstream', 'content-type': 'application/json', 'content-length': '2' });
      return res.end('{}');
    }
    if (req.url.startsWith('/via')) {
      const body = JSON.stringify({ via: String(req.headers.via) });
      res.writeHead(200, {
        server: 'http-mock',
        via: '2 nginx, HTTP/1.1 http_mock',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      return res.end(body);
    }
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (!req.url.startsWith('/no-server')) headers.server = 'mock-upstream';
    res.writeHead(200, headers);
    res.end(body);
  };
});

after(async () => {
  await Promise.all([...gateways.values()].map((g) => g.close()));
  await up.close();
});

// --- 14-server_tokens_spec: Server/Via -----------------------------------------------------------------------

test("14 (defaults): proxied responses get Kong's Via and keep the upstream's Server", async () => {
  const send = await kong();
  const res = await send('headers-inspect.test', '/get');
  assert.equal(res.status, 200);
  assert.equal(res.headers.server, 'mock-upstream');
  assert.equal(res.headers.via, VIA);
});

test('14 (defaults): an upstream without a Server header gets ours (nginx would write its own)', async () => {
  const send = await kong();
  const res = await send('headers-inspect.test', '/no-server');
  assert.equal(res.status, 200);
  assert.equal(res.headers.server, SERVER_TOKEN);
});

test('14 (defaults): no route matched: Server is ours, no Via', async () => {
  const send = await kong();
  const res = await send('404.test', '/get');
  assert.equal(res.status, 404);
  assert.equal(res.headers.server, SERVER_TOKEN);
  assert.equal(res.headers.via, undefined);
});

test("14 (defaults): a short-circuit whose plugin wrote Kong's own Via keeps the plugin's Server", async () => {
  const send = await kong();
  const res = await send('short-circuit.test', '/get');
  assert.equal(res.status, 200);
  assert.equal(res.headers.via, SERVER_TOKEN);
  assert.equal(res.headers.server, 'Demo');
});

for (const [setting, via, server404] of [
  ['Via', VIA, undefined],
  ['Server', undefined, SERVER_TOKEN],
  ['server_tokens', VIA, SERVER_TOKEN],
  ['off', undefined, undefined],
] as const) {
  test(`14 (headers = ${setting}): Via ${via ? 'on' : 'off'} when proxied (upstream Server untouched), Server ${server404 ? 'on' : 'off'} when no route matched`, async () => {
    const send = await kong(setting);
    const proxied = await send('headers-inspect.test', '/get');
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers.via, via);
    assert.equal(proxied.headers.server, 'mock-upstream');
    const missed = await send('404.test', '/get');
    assert.equal(missed.status, 404);
    assert.equal(missed.headers.via, undefined);
    assert.equal(missed.headers.server, server404);
  });
}

test("14 (headers = off): a plugin's Server on a short-circuit is removed, as Kong does", async () => {
  const send = await kong('off');
  const res = await send('short-circuit.test', '/get');
  assert.equal(res.status, 200);
  assert.equal(res.headers.server, undefined);
});

// --- 14-server_tokens_spec: X-Kong-Proxy-Latency / X-Kong-Upstream-Latency / X-Kong-Response-Latency ---------

function assertLatencies(res: SpecResponse, expected: { upstream: boolean; proxy: boolean; response: boolean }, label: string): void {
  for (const [name, present] of [
    [UPSTREAM_LATENCY, expected.upstream],
    [PROXY_LATENCY, expected.proxy],
    [RESPONSE_LATENCY, expected.response],
  ] as const) {
    if (present) assert.match(String(res.headers[name]), /^\d+$/, `${label}: ${name}`);
    else assert.equal(res.headers[name], undefined, `${label}: ${name}`);
  }
}

const PROXIED = { upstream: true, proxy: true, response: false };
const ANSWERED = { upstream: false, proxy: false, response: true };
const NONE = { upstream: false, proxy: false, response: false };

test('14 (defaults): upstream and proxy latency when proxied; response latency when no route matched, short-circuited or a plugin failed', async () => {
  const send = await kong();
  assertLatencies(await send('headers-inspect.test', '/get'), PROXIED, 'proxied');
  const missed = await send('404.test', '/get');
  assert.equal(missed.status, 404);
  assertLatencies(missed, ANSWERED, 'no route');
  const terminated = await send('request-termination.test', '/get');
  assert.equal(terminated.status, 503);
  assertLatencies(terminated, ANSWERED, 'short-circuited');
  const failed = await send('error-access.test', '/get');
  assert.equal(failed.status, 500);
  assertLatencies(failed, ANSWERED, 'plugin error in access');
});

test('14 (defaults): upstream error statuses are still proxied responses', async () => {
  const send = await kong();
  for (const code of [400, 404, 408, 411, 412, 413, 414, 417, 494, 500, 502, 503, 504]) {
    const res = await send('headers-inspect.test', `/status/${code}`);
    assert.equal(res.status, code);
    assertLatencies(res, PROXIED, `upstream ${code}`);
  }
});

test('14 (defaults): a 502 from an unreachable upstream carries the proxied latencies, Via and Server', async () => {
  const send = await kong();
  const res = await send('502.test', '/get');
  assert.equal(res.status, 502);
  assertLatencies(res, PROXIED, '502');
  assert.equal(res.headers.via, VIA);
  assert.equal(res.headers.server, SERVER_TOKEN);
});

test('14 (defaults): a global plugin failing in rewrite: 500 with the response latency only', async () => {
  const gw = await startGateway({ ...config(), plugins: [{ name: 'error-generator', config: { rewrite: true } }] }, { pluginDirs: [FIXTURE_PLUGINS_DIR] });
  try {
    const res = await specClient(gw.url, up)('error-rewrite.test', '/get');
    assert.equal(res.status, 500);
    assertLatencies(res, ANSWERED, 'rewrite error');
  } finally {
    await gw.close();
  }
});

for (const [setting, proxied, missed] of [
  ['latency_tokens', PROXIED, ANSWERED],
  ['X-Kong-Upstream-Latency', { ...NONE, upstream: true }, NONE],
  ['X-Kong-Proxy-Latency', { ...NONE, proxy: true }, NONE],
  ['X-Kong-Response-Latency', NONE, ANSWERED],
  ['off', NONE, NONE],
] as const) {
  test(`14 (headers = ${setting}): latency headers when proxied and when no route matched`, async () => {
    const send = await kong(setting);
    assertLatencies(await send('headers-inspect.test', '/get'), proxied, 'proxied');
    assertLatencies(await send('404.test', '/get'), missed, 'no route');
  });
}

for (const setting of ['server_tokens, X-Kong-Proxy-Latency', 'server_tokens, off, X-Kong-Proxy-Latency', 'serVer_TokEns, x-kOng-pRoXy-lAtency']) {
  test(`14 (headers = '${setting}'): Via and proxy latency when proxied, Server when not ('off' later in the list and case do not matter)`, async () => {
    const send = await kong(setting);
    const proxied = await send('headers-inspect.test', '/get');
    assert.equal(proxied.headers.server, 'mock-upstream');
    assert.equal(proxied.headers.via, VIA);
    assertLatencies(proxied, { ...NONE, proxy: true }, 'proxied');
    const missed = await send('404.test', '/get');
    assert.equal(missed.headers.server, SERVER_TOKEN);
    assert.equal(missed.headers.via, undefined);
    assertLatencies(missed, NONE, 'no route');
  });
}

test('14: an unknown value in --headers refuses the start, naming it', async () => {
  await assert.rejects(
    startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR], headers: 'server_tokens, X-Kong-Nonsense' }),
    /unknown value 'x-kong-nonsense'/,
  );
  // a name every object inherits is no setting either (the token table was an object literal)
  await assert.rejects(startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR], headers: 'constructor' }), /unknown value 'constructor'/);
  await assert.rejects(startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR], headersUpstream: 'Via' }), /headers-upstream: unknown value 'via'/);
});

// --- 33-request-id-header_spec -----------------------------------------------------------------------------

test('33 (downstream, defaults): X-Kong-Request-Id in hex on proxied responses and when no route matched', async () => {
  const send = await kong();
  const proxied = await send('request_id', '/');
  assert.equal(proxied.status, 200);
  assert.match(String(proxied.headers[REQUEST_ID]), HEX);
  const missed = await send('404.test', '/');
  assert.equal(missed.status, 404);
  assert.equal(missed.json?.message, 'no Route matched with those values');
  assert.match(String(missed.headers[REQUEST_ID]), HEX);
  // the same id names the request in the problem body
  assert.equal(missed.json?.request_id, missed.headers[REQUEST_ID]);
  assert.notEqual(proxied.headers[REQUEST_ID], missed.headers[REQUEST_ID]);
});

test('33 (downstream, defaults): overwrites the value a plugin set in its header filter', async () => {
  const send = await kong();
  const res = await send('post-function-header-filter', '/');
  assert.equal(res.status, 200);
  assert.match(String(res.headers[REQUEST_ID]), HEX);
});

test('33 (downstream): headers = X-Kong-Request-Id sends it; headers = off does not', async () => {
  assert.match(String((await (await kong('X-Kong-Request-Id'))('request_id', '/')).headers[REQUEST_ID]), HEX);
  assert.equal((await (await kong('off'))('request_id', '/')).headers[REQUEST_ID], undefined);
});

test("33 (upstream, defaults): the upstream receives the id the client gets, never the client's or a plugin's", async () => {
  const send = await kong();
  const res = await send('request_id', '/anything');
  assert.match(String(res.upstream?.headers[REQUEST_ID]), HEX);
  assert.equal(res.upstream?.headers[REQUEST_ID], res.headers[REQUEST_ID]);
  const spoofed = await send('request_id', '/anything', { headers: { 'X-Kong-Request-Id': 'client_value' } });
  assert.match(String(spoofed.upstream?.headers[REQUEST_ID]), HEX);
  const plugin = await send('post-function-access', '/');
  assert.match(String(plugin.upstream?.headers[REQUEST_ID]), HEX);
});

test('33 (upstream): headers_upstream = X-Kong-Request-Id sends it; headers_upstream = off does not', async () => {
  assert.match(String((await (await kong(undefined, 'X-Kong-Request-Id'))('request_id', '/')).upstream?.headers[REQUEST_ID]), HEX);
  assert.equal((await (await kong(undefined, 'off'))('request_id', '/')).upstream?.headers[REQUEST_ID], undefined);
});

// --- 35-via_spec ---------------------------------------------------------------------------------------------

test('35: HTTP/1.1 in both directions: Via appended towards the upstream and on its response; its Server kept', async () => {
  const send = await kong();
  const res = await send('test.via', '/get', { headers: { Via: '1.1 dev' } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { via: `1.1 dev, ${VIA}` });
  assert.equal(res.headers.via, `2 nginx, HTTP/1.1 http_mock, ${VIA}`);
  assert.equal(res.headers.server, 'http-mock');
});

test("35: the upstream's Via is appended whatever `headers` says (Kong sets it unconditionally)", async () => {
  const send = await kong('off');
  const res = await send('test.via', '/get');
  assert.deepEqual(res.json, { via: VIA });
  assert.equal(res.headers.via, '2 nginx, HTTP/1.1 http_mock');
});

test('35: an HTTP/1.0 client is named as such in the Via the upstream receives', async () => {
  await kong(); // the default gateway, started if no test before this one did
  const gw = gateways.get('undefined|undefined')!;
  const res = await rawRequest(gw.port, 'GET /get HTTP/1.0\r\nHost: test.via\r\n\r\n');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { via: `1.0 ${SERVER_TOKEN}` });
});

// --- 15-upstream-status-header_spec ------------------------------------------------------------------------

test("15 (headers = server_tokens,latency_tokens,x-kong-upstream-status): the upstream's status, even when a plugin changes it", async () => {
  const send = await kong('server_tokens,latency_tokens,x-kong-upstream-status');
  const res = await send('headers-inspect.test', '/status/200');
  assert.equal(res.status, 200);
  assert.equal(res.headers[UPSTREAM_STATUS], '200');
  const changed = await send('plugin-changes-200-to-500.test', '/status/200');
  assert.equal(changed.status, 500);
  assert.equal(changed.headers[UPSTREAM_STATUS], '200');
});

test('15: not sent with the default configuration', async () => {
  const res = await (await kong())('headers-inspect.test', '/status/200');
  assert.equal(res.status, 200);
  assert.equal(res.headers[UPSTREAM_STATUS], undefined);
});

test('15 (headers = X-Kong-Upstream-Status): sent when proxied; absent when an auth plugin refused the request', async () => {
  const send = await kong('X-Kong-Upstream-Status');
  assert.equal((await send('headers-inspect.test', '/status/200')).headers[UPSTREAM_STATUS], '200');
  const refused = await send('non-proxied-request.test', '/status/200');
  assert.equal(refused.status, 401);
  assert.equal(refused.headers[UPSTREAM_STATUS], undefined);
});

// --- the settings on a real node: `portcullis start --headers` / PORTCULLIS_HEADERS ------------------------

test('portcullis start takes --headers and --headers-upstream, or PORTCULLIS_HEADERS / PORTCULLIS_HEADERS_UPSTREAM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-headers-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ paths: ['/get'], strip_path: false }] }] }));
  try {
    for (const [args, env] of [
      [['--headers', 'Server', '--headers-upstream', 'off'], {}],
      [[], { PORTCULLIS_HEADERS: 'Server', PORTCULLIS_HEADERS_UPSTREAM: 'off' }],
    ] as const) {
      const node = await startNodeProcess(['--config', file, ...args], env);
      try {
        const seen = up.requests.length;
        const proxied = await fetch(`${node.proxy}/get`);
        await proxied.arrayBuffer();
        assert.equal(proxied.headers.get('via'), null);
        assert.equal(proxied.headers.get('x-kong-proxy-latency'), null);
        assert.equal(proxied.headers.get('x-kong-request-id'), null);
        assert.equal(up.requests[seen]!.headers['x-kong-request-id'], undefined);
        assert.equal(up.requests[seen]!.headers.via, VIA);
        const missed = await fetch(`${node.proxy}/nowhere`);
        assert.equal(missed.status, 404);
        await missed.arrayBuffer();
        assert.equal(missed.headers.get('server'), SERVER_TOKEN);
      } finally {
        await node.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('portcullis start refuses an unknown --headers or --headers-upstream value (exit 2)', () => {
  const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  for (const [flag, value, message] of [
    ['--headers', 'server_tokens,Nope', /--headers: unknown value 'nope'/],
    ['--headers-upstream', 'Via', /--headers-upstream: unknown value 'via'/],
  ] as const) {
    const run = spawnSync(process.execPath, [cli, 'start', '--config', '/nonexistent.yaml', flag, value], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 2, `${value}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
