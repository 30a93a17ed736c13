// response-transformer over real sockets, from Kong's spec/03-plugins/15-response-transformer/01 (headers),
// 02 (JSON bodies) and 04 (filter): what the client receives, and which responses are left as they came.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { RESPONSE_BODY_BUFFER_LIMIT } from '../../gateway/proxy/response-body.ts';

let gw: PluginGateway;
const rt = (name: string, config: Record<string, unknown>, extra: object[] = []) => ({
  name,
  paths: [`/${name}`],
  plugins: [{ name: 'response-transformer', config }, ...extra],
});

before(async () => {
  gw = await startPluginGateway({
    routes: [
      rt('headers', {
        remove: { headers: ['h1', 'Access-Control-Allow-Origin'] },
        rename: { headers: ['h2:h2-renamed'] },
        replace: { headers: ['h3:replaced', 'h4:replaced'] },
        add: { headers: ['h5:added', 'h6:not-added'] },
        append: { headers: ['h7:appended', 'h8:appended'] },
      }),
      rt('add', {
        add: {
          json: ['p1:v1', 'p3:value:3', 'p4:"v1"', 'p5:-1', 'p6:false', 'p7:true'],
          json_types: ['string', 'string', 'string', 'number', 'boolean', 'boolean'],
        },
      }),
      rt('append', {
        append: { json: ['p1:v1', 'p3:"v1"', 'p4:-1', 'p5:false', 'p6:true'], json_types: ['string', 'string', 'number', 'boolean', 'boolean'] },
      }),
      rt('remove', { remove: { json: ['p1', 'p2'] } }),
      rt('rename', { rename: { json: ['p1:k1', 'p2:k2', 'p3:k3', 'p4:k4', 'p5:k5'] } }),
      rt('replace', {
        replace: {
          json: ['p1:v2', 'p2:"v2"', 'p3:-1', 'p4:false', 'p5:true', 'headers:/hello/world'],
          json_types: ['string', 'string', 'number', 'boolean', 'boolean'],
        },
      }),
      rt('combo', {
        remove: { json: ['p1'] },
        rename: { json: ['p4:p2'] },
        replace: { json: ['p2:v2'] },
        add: { json: ['p3:v1'] },
        append: { json: ['p3:v2'] },
      }),
      rt('header-only', { remove: { headers: ['h1', 'h2', 'h3'] } }),
      rt('short-circuit', { remove: { json: ['ip'] }, add: { headers: ['x-transformed:yes'] } }, [{ name: 'key-auth', config: {} }]),
    ],
  });
});
after(() => gw?.close());

/** Has the upstream answer `body` with `headers`, then sends a request through `path`. */
async function through(
  path: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = { 'content-type': 'application/json' },
  options: { chunked?: boolean; method?: string } = {},
): Promise<SimpleResponse> {
  gw.upstream.handler = (_req, res: ServerResponse) => {
    const h: Record<string, string | string[]> = { ...headers };
    if (!options.chunked) h['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(200, h);
    if (options.chunked) {
      const buf = Buffer.from(body);
      res.write(buf.subarray(0, buf.length >> 1));
      setImmediate(() => res.end(buf.subarray(buf.length >> 1)));
    } else res.end(body);
  };
  try {
    return await httpRequest(`${gw.url}${path}`, { method: options.method });
  } finally {
    gw.upstream.handler = null;
  }
}

function assertFramed(res: SimpleResponse): void {
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), 'Content-Length matches the body sent');
  assert.equal(res.headers['transfer-encoding'], undefined);
}

test('headers: remove, rename, replace and add when present or absent, append as another line', async () => {
  const res = await through('/headers', '{}', {
    'content-type': 'application/json',
    h1: 'v',
    h2: 'v2',
    h3: 'v3',
    h6: 'kept',
    h8: 'first',
    'access-control-allow-origin': '*',
  });
  assert.equal(res.headers.h1, undefined);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  assert.equal(res.headers.h2, undefined);
  assert.equal(res.headers['h2-renamed'], 'v2');
  assert.equal(res.headers.h3, 'replaced');
  assert.equal(res.headers.h4, undefined, 'replace never adds');
  assert.equal(res.headers.h5, 'added');
  assert.equal(res.headers.h6, 'kept', 'add never overwrites');
  assert.equal(res.headers.h7, 'appended');
  assert.equal(res.headers.h8, 'first, appended');
  assert.equal(res.body, '{}');
});

test('JSON add: typed values for absent fields; present ones (false counts as absent, as in Lua) stay', async () => {
  const res = await through('/add', '{"p2":"v1"}');
  assert.deepEqual(JSON.parse(res.body), { p2: 'v1', p1: 'v1', p3: 'value:3', p4: '"v1"', p5: -1, p6: false, p7: true });
  assertFramed(res);
  assert.deepEqual(JSON.parse((await through('/add', '{"p2":-1,"p1":"mine","a":[]}')).body), {
    p2: -1,
    p1: 'mine',
    a: [],
    p3: 'value:3',
    p4: '"v1"',
    p5: -1,
    p6: false,
    p7: true,
  });
});

test('JSON append: a list, after an existing string value', async () => {
  assert.deepEqual(JSON.parse((await through('/append', '{"p2":"v1"}')).body), { p2: 'v1', p1: ['v1'], p3: ['"v1"'], p4: [-1], p5: [false], p6: [true] });
  assert.deepEqual(JSON.parse((await through('/append', '{"p1":"v2","p5":"v5","a":[]}')).body), {
    p1: ['v2', 'v1'],
    p5: ['v5', false],
    a: [],
    p3: ['"v1"'],
    p4: [-1],
    p6: [true],
  });
});

test('JSON remove and rename (numbers, booleans and empty arrays keep their type)', async () => {
  assert.equal((await through('/remove', '{"p1" : "v1", "p2" : "v1"}')).body, '{}');
  assert.deepEqual(JSON.parse((await through('/rename', '{"p1":"v1","p2":"v2","p3":[],"p4":false,"p5":true}')).body), {
    k1: 'v1',
    k2: 'v2',
    k3: [],
    k4: false,
    k5: true,
  });
});

test("JSON replace: only fields that exist; values as configured, literally (Kong's filter spec)", async () => {
  assert.deepEqual(JSON.parse((await through('/replace', '{"p1":"v1","p2":"v1","p3":"v1","p4":"v4","p5":"v5"}')).body), {
    p1: 'v2',
    p2: '"v2"',
    p3: -1,
    p4: false,
    p5: true,
  });
  assert.deepEqual(JSON.parse((await through('/replace', '{"p1":"v1","headers":{"a":"b"}}')).body), { p1: 'v2', headers: '/hello/world' });
});

test('JSON remove, rename, replace, add, append together', async () => {
  assert.deepEqual(JSON.parse((await through('/combo', '{"p1" : "v1", "p4" : "v1", "a": []}')).body), { p2: 'v2', p3: ['v1', 'v2'], a: [] });
});

test('a chunked JSON response is transformed and sent with its Content-Length', async () => {
  const res = await through(
    '/remove',
    JSON.stringify({ p1: 1, keep: 'x'.repeat(5000) }),
    { 'content-type': 'application/json; charset=utf-8' },
    { chunked: true },
  );
  assert.deepEqual(JSON.parse(res.body), { keep: 'x'.repeat(5000) });
  assertFramed(res);
});

test('left as they came: header-only configs, other content types, malformed JSON, compressed bodies, HEAD', async () => {
  const pretty = '\n\n    {\n      "id": 1,\n      "name": "Some One"\n    }\n\n  ';
  assert.equal((await through('/header-only', pretty)).body, pretty);
  assert.equal((await through('/remove', '{"p1":"v1"}', { 'content-type': 'text/plain' })).body, '{"p1":"v1"}');
  assert.equal((await through('/remove', '{"p1":"v1"}', { 'content-type': 'application/problem+json' })).body, '{"p1":"v1"}');
  assert.equal((await through('/remove', 'not a json value')).body, 'not a json value');
  assert.equal((await through('/remove', '["p1"]')).body, '["p1"]');
  const gz = gzipSync('{"p1":"v1"}');
  const zipped = await through('/remove', gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(zipped.headers['content-length'], String(gz.length), 'passed on untouched');
  const head = await through('/remove', '{"p1":"v1"}', { 'content-type': 'application/json' }, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test(`bodies over ${RESPONSE_BODY_BUFFER_LIMIT} bytes stream through untouched, declared or chunked`, async () => {
  const big = JSON.stringify({ p1: 'v1', pad: 'x'.repeat(RESPONSE_BODY_BUFFER_LIMIT) });
  const declared = await through('/remove', big);
  assert.equal(declared.body.length, big.length);
  assert.equal(declared.body, big);
  const chunked = await through('/remove', big, { 'content-type': 'application/json' }, { chunked: true });
  assert.equal(chunked.body.length, big.length);
  assert.ok(chunked.body === big, 'the same bytes, in order');
});

test('a request short-circuited in access (no key) still gets its header transforms and its 401', async () => {
  const res = await httpRequest(`${gw.url}/short-circuit`);
  assert.equal(res.status, 401);
  assert.equal(res.headers['x-transformed'], 'yes');
  const problem: unknown = JSON.parse(res.body);
  assert.ok(typeof problem === 'object' && problem !== null && 'message' in problem, res.body);
  assert.equal(problem.message, 'No API key found in request');
});
