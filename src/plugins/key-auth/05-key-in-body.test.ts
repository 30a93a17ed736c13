// key-auth's key_in_body over real sockets, from Kong's spec/03-plugins/09-key-auth/02-access_spec.lua
// ("key in request body", "config.hide_credentials", the header/query/body matrix), plus how the body is
// read: 100-continue, chunked, size limits, a client that goes away mid-body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import { decodeBody, encodeBody, type BodyType } from '../../../test/helpers/bodies.ts';
import { rawRequest } from '../../../test/helpers/raw-http.ts';

const KEY = 'kong-body-key';
const TYPES: BodyType[] = ['form', 'json', 'multipart'];
let gw: PluginGateway;

before(async () => {
  const route = (name: string, config: Record<string, unknown>, extra: object[] = []) => ({
    name,
    paths: [`/${name}`],
    plugins: [{ name: 'key-auth', config }, ...extra],
  });
  gw = await startPluginGateway({
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: KEY }] }],
    routes: [
      route('body', { key_in_body: true }),
      route('hidden', { key_in_body: true, hide_credentials: true }),
      route('fft', { key_in_header: false, key_in_query: false, key_in_body: true }),
      route('tft', { key_in_header: true, key_in_query: false, key_in_body: true }),
      route('small', { key_in_body: true }, [{ name: 'request-size-limiting', config: { allowed_payload_size: 64, size_unit: 'bytes' } }]),
    ],
  });
});
after(() => gw?.close());

async function post(path: string, type: BodyType, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const { body, contentType } = await encodeBody(type, fields);
  const seen = gw.upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  return { res, upstream: gw.upstream.requests.at(seen), sentContentType: contentType };
}

for (const type of TYPES) {
  test(`${type}: a valid key in the body authenticates, and goes upstream untouched without hide_credentials`, async () => {
    const { res, upstream, sentContentType } = await post('/body', type, { apikey: KEY, foo: 'bar' });
    assert.ok(upstream, 'proxied');
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.headers['x-consumer-username'], 'bob');
    assert.equal(upstream.headers['content-type'], sentContentType);
    assert.deepEqual(await decodeBody(upstream.body, upstream.headers['content-type']), { apikey: [KEY], foo: ['bar'] });
  });

  test(`${type}: keys in the query or a header still count; an unknown key in the body is Unauthorized`, async () => {
    assert.equal((await post(`/body?apikey=${KEY}`, type, { non_apikey: 'x' })).res.status, 200);
    assert.equal((await post('/body', type, { non_apikey: 'x' }, { apikey: KEY })).res.status, 200);
    const before = gw.upstream.requests.length;
    assertRefused(
      (await post('/body', type, { apikey: '123' })).res,
      { status: 401, code: 'KEY_AUTH_INVALID', message: 'Unauthorized', headers: { 'www-authenticate': 'Key' } },
      gw.upstream,
      before,
    );
  });

  test(`${type}: hide_credentials removes the key from the body, keeps the other fields and the MIME type`, async () => {
    const { res, upstream, sentContentType } = await post('/hidden', type, { apikey: KEY, foo: 'bar' });
    assert.ok(upstream, 'proxied');
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.headers['content-type'], sentContentType);
    assert.deepEqual(await decodeBody(upstream.body, upstream.headers['content-type']), { foo: ['bar'] });
    assert.equal(upstream.headers['content-length'], String(Buffer.byteLength(upstream.body)));
  });

  test(`${type}: with hide_credentials, a key found in a header is stripped from the body too (as Kong)`, async () => {
    const { res, upstream } = await post('/hidden', type, { apikey: 'other', foo: 'bar' }, { apikey: KEY });
    assert.ok(upstream, 'proxied');
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.headers.apikey, undefined);
    assert.deepEqual(await decodeBody(upstream.body, upstream.headers['content-type']), { foo: ['bar'] });
  });
}

test('duplicates: a JSON list or a repeated form field is "Duplicate API key found"; apikey[] is not the key', async () => {
  const refused = async (body: string, contentType: string, code: 'KEY_AUTH_DUPLICATE' | 'KEY_AUTH_MISSING', message: string) => {
    const before = gw.upstream.requests.length;
    const res = await httpRequest(`${gw.url}/body`, { method: 'POST', headers: { 'content-type': contentType }, body });
    assertRefused(res, { status: 401, code, message, headers: { 'www-authenticate': 'Key' }, label: body }, gw.upstream, before);
  };
  await refused(JSON.stringify({ apikey: [KEY, KEY] }), 'application/json', 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
  await refused(JSON.stringify({ apikey: { a: KEY } }), 'application/json', 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
  await refused(`apikey=${KEY}&apikey=${KEY}`, 'application/x-www-form-urlencoded', 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
  const twice = `--b\r\nContent-Disposition: form-data; name="apikey"\r\n\r\n${KEY}\r\n--b\r\nContent-Disposition: form-data; name="apikey"\r\n\r\n${KEY}\r\n--b--\r\n`;
  await refused(twice, 'multipart/form-data; boundary=b', 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
  await refused(`apikey[]=${KEY}&apikey[]=${KEY}`, 'application/x-www-form-urlencoded', 'KEY_AUTH_MISSING', 'No API key found in request');
  await refused(`apikey[1]=${KEY}`, 'application/x-www-form-urlencoded', 'KEY_AUTH_MISSING', 'No API key found in request');
  await refused(JSON.stringify({ apikey: 12345 }), 'application/json', 'KEY_AUTH_MISSING', 'No API key found in request');
});

test('an unsupported content type, malformed JSON or multipart: no key found (Kong treats the body as empty)', async () => {
  const cases: [string, string][] = [
    ['text/plain', `apikey=${KEY}`],
    ['application/json', `{"apikey":"${KEY}"`],
    ['multipart/form-data', `apikey=${KEY}`],
  ];
  for (const [contentType, body] of cases) {
    const before = gw.upstream.requests.length;
    const res = await httpRequest(`${gw.url}/hidden`, { method: 'POST', headers: { 'content-type': contentType }, body });
    assertRefused(res, { status: 401, code: 'KEY_AUTH_MISSING', message: 'No API key found in request', label: contentType }, gw.upstream, before);
  }
});

test("Kong's header/query/body matrix: each place counts only when its key_in_* is on", async () => {
  const cases: [string, Record<string, string>, string, number][] = [
    ['/fft', { apikey: 'wrong' }, KEY, 200], // body only: the header is not looked at
    ['/fft', { apikey: KEY }, 'wrong', 401],
    ['/tft', { apikey: KEY }, 'wrong', 200], // header first
    ['/tft', { apikey: 'wrong' }, KEY, 401],
  ];
  for (const [path, headers, bodyKey, status] of cases) {
    const { res } = await post(`${path}?apikey=${KEY}`, 'json', { apikey: bodyKey }, headers);
    assert.equal(res.status, status, `${path} ${JSON.stringify(headers)} body ${bodyKey}`);
  }
});

test('a chunked body is read whole and sent upstream with a Content-Length', async () => {
  const body = JSON.stringify({ apikey: KEY, pad: 'x'.repeat(100) });
  const half = body.length >> 1;
  const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
  const seen = gw.upstream.requests.length;
  const res = await rawRequest(
    gw.port,
    `POST /body HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk(body.slice(0, half))}${chunk(body.slice(half))}0\r\n\r\n`,
  );
  assert.equal(res.status, 200, res.body);
  const upstream = gw.upstream.requests.at(seen);
  assert.ok(upstream, 'proxied');
  assert.equal(upstream.body, body);
  assert.equal(upstream.headers['content-length'], String(body.length));
  assert.equal(upstream.headers['transfer-encoding'], undefined);
});

test('Expect: 100-continue: the client gets its go-ahead before the gateway reads the key from the body', async () => {
  const body = `apikey=${KEY}`;
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1');
    let text = '';
    let sent = false;
    const timer = setTimeout(() => socket.destroy(new Error(`no answer; got ${JSON.stringify(text)}`)), 5000);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!sent && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sent = true;
        socket.write(body);
      }
      if (/\r\n\r\n[\s\S]*\r\n\r\n\{/.test(text) && text.endsWith('}')) {
        clearTimeout(timer);
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(
      `POST /body HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
  });
  assert.match(response, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.equal(response.match(/100 Continue/g)?.length, 1, 'one 100 Continue only');
});

test("the route's request-size limit bounds the body read for the key: 413 beyond, declared or chunked", async () => {
  const big = JSON.stringify({ apikey: KEY, pad: 'x'.repeat(100) });
  let before = gw.upstream.requests.length;
  const declared = await httpRequest(`${gw.url}/small`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
  assertRefused(declared, { status: 413, code: 'REQUEST_TOO_LARGE', message: 'Request size limit exceeded' }, gw.upstream, before);
  before = gw.upstream.requests.length;
  const chunked = await rawRequest(
    gw.port,
    `POST /small HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
  );
  assert.equal(chunked.status, 413, chunked.raw);
  assert.equal(gw.upstream.requests.length, before);
  assert.equal((await post('/small', 'json', { apikey: KEY })).res.status, 200, 'a body within the limit passes');
});

test('a client that goes away mid-body is no crash: the gateway keeps serving', async () => {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => {
      socket.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apikey":"');
      setImmediate(() => socket.destroy());
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  assert.equal((await post('/body', 'json', { apikey: KEY })).res.status, 200);
});
