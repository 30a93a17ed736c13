// request-transformer over real sockets, ported from Kong's spec/03-plugins/36-request-transformer/
// 02-access_spec.lua: what the upstream receives for each step, templates, http_method, replace.uri.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { decodeBody, encodeBody, type BodyType } from '../../../test/helpers/bodies.ts';
import { rawRequest } from '../../../test/helpers/raw-http.ts';
import type { RecordedRequest } from '../../../test/helpers/upstream.ts';

let gw: PluginGateway;
const rt = (name: string, config: Record<string, unknown>, route: Record<string, unknown> = {}) => ({
  name,
  paths: [`/${name}`],
  ...route,
  plugins: [{ name: 'request-transformer', config }],
});

before(async () => {
  gw = await startPluginGateway({
    consumers: [{ username: 'bob', id: '8c3e6d7a-5b4f-4a3e-9d2c-1b0a9f8e7d6c', keyauth_credentials: [{ key: 'bob-key' }] }],
    routes: [
      rt('add', { add: { headers: ['h1:v1', 'h2:value:2'], querystring: ['q1:v1'], body: ['p1:v1'] } }),
      rt('preserve', { add: { headers: ['host:mark'] } }, { preserve_host: true }),
      rt('combo', {
        add: { headers: ['x-added:a1', 'x-added2:b1', 'x-added3:c2'], querystring: ['query-added:newvalue', 'p1:anything:1'], body: ['newformparam:newvalue'] },
        remove: { headers: ['x-to-remove'], querystring: ['toremovequery'] },
        append: { headers: ['x-added:a2', 'x-added:a3'], querystring: ['p1:a2', 'p2:b1'] },
        replace: { headers: ['x-to-replace:false'], querystring: ['toreplacequery:no'] },
      }),
      rt('remove', { remove: { headers: ['x-to-remove'], querystring: ['q1'], body: ['toremoveform'] } }),
      rt('replace', { replace: { headers: ['h1:v1'], querystring: ['q1:v1'], body: ['p1:v1'] } }),
      rt('append', {
        append: {
          headers: ['h1:v1', 'h1:v2', 'h1:#value_with_hash', 'h2:v1'],
          querystring: ['q1:v1', 'q1:v2', 'q2:v1'],
          body: ['p1:v1', 'p1:v2', 'p2:value:1'],
        },
      }),
      rt('to-post', { http_method: 'POST' }),
      rt('to-get', { http_method: 'GET' }),
      rt('rename', { rename: { headers: ['x-to-rename:x-is-renamed'], querystring: ['originalparam:renamedparam'], body: ['originalparam:renamedparam'] } }),
      rt(
        'captures',
        {
          add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:$(headers.host)'], headers: ['x-test-header:$(query_params.q1)'] },
          remove: { querystring: ['q1'] },
        },
        { paths: ['~/requests/user1/(?<user1>\\w+)/user2/(?<user2>\\S+)'], strip_path: false },
      ),
      rt(
        'swap',
        { replace: { uri: '/requests/user2/$(uri_captures.user2)/user1/$(uri_captures.user1)' } },
        { paths: ['~/swap/user1/(?<user1>\\w+)/user2/(?<user2>\\S+)'] },
      ),
      rt('defaults', { add: { querystring: ["uri_param1:$(uri_captures.user1 or 'default1')", "uri_param2:$(uri_captures.user2 or 'default2')"] } }),
      rt('old-values', {
        replace: { querystring: ["q2:$(headers['x-remove-header'])"] },
        add: { querystring: ['q1:literal'], headers: ["x-test-header:$(headers['x-remove-header'])"] },
        remove: { headers: ['x-remove-header'] },
      }),
      rt('escaped', { add: { querystring: ["q1:$('$(uri_captures.user1)')"] } }),
      rt('json-post', { http_method: 'POST', add: { headers: ['Content-Type:application/json'], body: ['body:somecontent'] } }),
      rt('auth-swap', { http_method: 'POST', remove: { headers: ['Authorization'] }, add: { headers: ['Authorization:Basic test'] } }),
      rt('untouched', {}),
      rt('optional-capture', { replace: { uri: '/api/v2/$(uri_captures["subpath"])' } }, { paths: ['~/(gw/)?api/(?<subpath>htest)$'], strip_path: false }),
      rt('headers-only', { add: { headers: ['x-a:1'] } }),
      rt('note', { add: { body: ['note:$(headers.x_note)'] } }),
      rt('replace-host', { replace: { headers: ['host:upstream.example'] } }),
      {
        name: 'who',
        paths: ['/who'],
        plugins: [
          { name: 'key-auth', config: {} },
          {
            name: 'request-transformer',
            config: { add: { querystring: ['consumer:$(headers["x-consumer-username"])'] }, rename: { headers: ['x-consumer-id:x-seen-id'] } },
          },
        ],
      },
    ],
  });
});
after(() => gw?.close());

async function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; upstream: RecordedRequest; query: URLSearchParams; path: string }> {
  const seen = gw.upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, options);
  assert.equal(res.status, 200, `${path}: ${res.body}`);
  const upstream = gw.upstream.requests.at(seen);
  assert.ok(upstream, 'proxied');
  const url = new URL(upstream.url, 'http://x');
  return { status: res.status, upstream, query: url.searchParams, path: url.pathname };
}

async function sendBody(path: string, type: BodyType, fields: Record<string, string>, method = 'POST') {
  const { body, contentType } = await encodeBody(type, fields);
  const r = await send(path, { method, headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) }, body });
  return { ...r, fields: await decodeBody(r.upstream.body, r.upstream.headers['content-type']) };
}

/** The values a header line carried, however the upstream's parser joined them. */
function headerValues(upstream: RecordedRequest, name: string): string[] {
  const out: string[] = [];
  const raw = upstream.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const value = raw[i + 1];
    if (raw[i]?.toLowerCase() === name && value !== undefined) out.push(value);
  }
  return out;
}

test('http method: GET becomes POST (the query stays); a form POST becomes GET with its fields in the query', async () => {
  const post = await send('/to-post?hello=world&name=marco');
  assert.equal(post.upstream.method, 'POST');
  assert.equal(post.query.get('hello'), 'world');
  const get = await sendBody('/to-get?hello=world', 'form', { name: 'marco' });
  assert.equal(get.upstream.method, 'GET');
  assert.equal(get.query.get('hello'), 'world');
  assert.equal(get.query.get('name'), 'marco');
});

test('http method: GET to POST with an added JSON content type and body field', async () => {
  const { upstream } = await send('/json-post');
  assert.equal(upstream.method, 'POST');
  assert.equal(upstream.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(upstream.body), { body: 'somecontent' });
  assert.equal(upstream.headers['content-length'], String(upstream.body.length));
});

test('remove: the header, form / JSON / multipart fields and query parameters; other values stay', async () => {
  const h = await send('/remove', { headers: { 'x-to-remove': 'true', 'x-another-header': 'true' } });
  assert.equal(h.upstream.headers['x-to-remove'], undefined);
  assert.equal(h.upstream.headers['x-another-header'], 'true');
  for (const type of ['form', 'json', 'multipart'] as const) {
    const { fields } = await sendBody('/remove', type, { toremoveform: 'yes', nottoremove: 'yes' });
    assert.deepEqual(fields, { nottoremove: ['yes'] }, type);
  }
  const q = await send('/remove?q1=v1&q2=v2');
  assert.equal(q.upstream.url, '/?q2=v2');
});

test('remove: a malformed JSON body goes on untouched; an empty one too; an empty JSON array survives', async () => {
  const bad = await send('/remove', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'malformed json body' });
  assert.equal(bad.upstream.body, 'malformed json body');
  const empty = await send('/remove', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
  assert.equal(empty.upstream.body, '');
  const arr = await send('/remove', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"emptyarray":[]}' });
  assert.equal(arr.upstream.body, '{"emptyarray":[]}');
});

test('rename: headers, query parameters and body fields that exist; the target is overwritten; nothing is invented', async () => {
  const h = await send('/rename', { headers: { 'x-to-rename': 'new-result', 'X-Is-Renamed': 'old-result', 'x-another-header': 'true' } });
  assert.equal(h.upstream.headers['x-to-rename'], undefined);
  assert.equal(h.upstream.headers['x-is-renamed'], 'new-result');
  assert.equal(h.upstream.headers['x-another-header'], 'true');
  const none = await send('/rename', { headers: { 'x-a-header': 'true' } });
  assert.equal(none.upstream.headers['x-is-renamed'], undefined);
  for (const type of ['form', 'json', 'multipart'] as const) {
    const { fields } = await sendBody('/rename', type, { originalparam: 'yes', nottorename: 'yes' });
    assert.deepEqual(fields, { renamedparam: ['yes'], nottorename: ['yes'] }, type);
    assert.deepEqual((await sendBody('/rename', type, { 'x-a-header': 'true' })).fields, { 'x-a-header': ['true'] }, type);
  }
  const q = await send('/rename?originalparam=true&nottorename=true');
  assert.equal(q.upstream.url, '/?renamedparam=true&nottorename=true');
});

test('replace: only values that exist, in headers, form / JSON / multipart bodies and the query', async () => {
  const h = await send('/replace', { headers: { h1: 'V', h2: 'v2' } });
  assert.equal(h.upstream.headers.h1, 'v1');
  assert.equal(h.upstream.headers.h2, 'v2');
  assert.equal((await send('/replace', { headers: { h2: 'v2' } })).upstream.headers.h1, undefined);
  for (const type of ['form', 'json', 'multipart'] as const) {
    assert.deepEqual((await sendBody('/replace', type, { p1: 'v', p2: 'v1' })).fields, { p1: ['v1'], p2: ['v1'] }, type);
    assert.deepEqual((await sendBody('/replace', type, { p2: 'v1' })).fields, { p2: ['v1'] }, type);
  }
  assert.equal((await send('/replace?q1=v&q2=v2')).upstream.url, '/?q1=v1&q2=v2');
  assert.equal((await send('/replace?q2=v2')).upstream.url, '/?q2=v2');
});

test('add: new headers, query parameters and body fields; existing values are never changed', async () => {
  const h = await send('/add');
  assert.equal(h.upstream.headers.h1, 'v1');
  assert.equal(h.upstream.headers.h2, 'value:2');
  assert.equal(h.query.get('q1'), 'v1');
  assert.equal((await send('/add', { headers: { h1: 'v3' } })).upstream.headers.h1, 'v3');
  assert.equal((await send('/add?q1=v2')).query.get('q1'), 'v2');
  for (const type of ['form', 'json', 'multipart'] as const) {
    assert.deepEqual((await sendBody('/add', type, { hello: 'world' })).fields, { hello: ['world'], p1: ['v1'] }, type);
    assert.deepEqual((await sendBody('/add', type, { p1: 'should not change', hello: 'world' })).fields, { p1: ['should not change'], hello: ['world'] }, type);
  }
});

test("add: the Host header is never added (preserve_host keeps the client's)", async () => {
  const { upstream } = await send('/preserve', { headers: { host: 'test2.test' } });
  assert.equal(upstream.headers.host, 'test2.test');
});

test('append: header lines, query parameters and form fields gain values; multipart bodies are left as Kong leaves them', async () => {
  const h = await send('/append');
  assert.deepEqual(headerValues(h.upstream, 'h1'), ['v1', 'v2', '#value_with_hash']);
  assert.deepEqual(headerValues(h.upstream, 'h2'), ['v1']);
  assert.deepEqual(h.query.getAll('q1'), ['v1', 'v2']);
  assert.deepEqual((await sendBody('/append', 'form', { p1: 'v0' })).fields, { p1: ['v0', 'v1', 'v2'], p2: ['value:1'] });
  const json = await sendBody('/append', 'json', { p1: 'v0' });
  assert.deepEqual(JSON.parse(json.upstream.body), { p1: ['v0', 'v1', 'v2'], p2: ['value:1'] });
  assert.deepEqual((await sendBody('/append', 'multipart', { p1: 'This should not change' })).fields, { p1: ['This should not change'] });
});

test("remove, replace, add and append together, in Kong's order", async () => {
  const h = await send('/combo', { headers: { 'x-to-remove': 'true', 'x-to-replace': 'true', 'x-added3': 'c1' } });
  assert.equal(h.upstream.headers['x-to-remove'], undefined);
  assert.equal(h.upstream.headers['x-to-replace'], 'false');
  assert.equal(h.upstream.headers['x-added2'], 'b1');
  assert.equal(h.upstream.headers['x-added3'], 'c1');
  assert.deepEqual(headerValues(h.upstream, 'x-added'), ['a1', 'a2', 'a3']);
  const q = await sendBody('/combo?toremovequery=yes&nottoremove=yes&toreplacequery=yes&q1=20', 'form', { hello: 'world' }, 'GET');
  assert.equal(q.query.get('toremovequery'), null);
  assert.equal(q.query.get('nottoremove'), 'yes');
  assert.equal(q.query.get('toreplacequery'), 'no');
  assert.equal(q.query.get('query-added'), 'newvalue');
  assert.deepEqual(q.query.getAll('p1'), ['anything:1', 'a2']);
  assert.equal(q.query.get('p2'), 'b1');
  assert.equal(q.query.get('q1'), '20');
  assert.equal((await send('/combo?query-added=oldvalue')).query.get('query-added'), 'oldvalue');
});

test("templates: uri captures, the Host and query parameters as they arrived (before this plugin's changes)", async () => {
  const r = await send('/requests/user1/foo/user2/bar?q1=20', { headers: { host: 'test15.test' } });
  assert.equal(r.query.get('q1'), null);
  assert.equal(r.query.get('uri_param1'), 'foo');
  assert.equal(r.query.get('uri_param2'), 'test15.test');
  assert.equal(r.upstream.headers['x-test-header'], '20');
  const old = await send('/old-values?q2=20', { headers: { 'x-remove-header': 'its a test' } });
  assert.equal(old.upstream.headers['x-remove-header'], undefined);
  assert.equal(old.query.get('q2'), 'its a test');
  assert.equal(old.upstream.headers['x-test-header'], 'its a test');
});

test('templates: replace.uri with captures; `or` defaults; an escaped template stays text', async () => {
  assert.equal((await send('/swap/user1/foo/user2/bar')).path, '/requests/user2/bar/user1/foo');
  const d = await send('/defaults?q1=20');
  assert.equal(d.query.get('uri_param1'), 'default1');
  assert.equal(d.query.get('uri_param2'), 'default2');
  assert.equal((await send('/escaped')).query.get('q1'), '$(uri_captures.user1)');
  assert.equal((await send('/api/htest')).path, '/api/v2/htest');
  assert.equal((await send('/gw/api/htest')).path, '/api/v2/htest');
});

test('remove then add a header: the added value, whether or not the client sent one', async () => {
  for (const headers of [{ authorization: 'Basic dGVzdDp0ZXN0' }, {}] as Record<string, string>[]) {
    const { upstream } = await send('/auth-swap', { headers });
    assert.equal(upstream.headers.authorization, 'Basic test');
  }
});

test("a route without query steps sends the query's bytes as they came", async () => {
  const { upstream } = await send('/untouched?expected=$&+,/:;?@');
  assert.equal(upstream.url, '/?expected=$&+,/:;?@');
});

test('replace host sets the Host the upstream receives', async () => {
  assert.equal((await send('/replace-host')).upstream.headers.host, 'upstream.example');
});

test("identity headers: a client's copy never arrives; the transformer sees the ones authentication set", async () => {
  const { upstream, query } = await send('/who', { headers: { apikey: 'bob-key', 'x-consumer-username': 'mallory' } });
  assert.equal(query.get('consumer'), 'bob');
  assert.equal(upstream.headers['x-consumer-username'], 'bob');
  assert.equal(upstream.headers['x-seen-id'], '8c3e6d7a-5b4f-4a3e-9d2c-1b0a9f8e7d6c');
  assert.equal(upstream.headers['x-consumer-id'], undefined, "renamed away by the operator's config");
});

test('a route that only transforms headers still streams the body (not buffered: chunked stays chunked)', async () => {
  const seen = gw.upstream.requests.length;
  const res = await rawRequest(
    gw.port,
    'POST /headers-only HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n',
  );
  assert.equal(res.status, 200);
  const upstream = gw.upstream.requests.at(seen);
  assert.ok(upstream, 'proxied');
  assert.equal(upstream.body, '{"a":1}');
  assert.equal(upstream.headers['transfer-encoding'], 'chunked');
  assert.equal(upstream.headers['x-a'], '1');
});

test('a multipart file part nobody touches keeps its filename and type', async () => {
  const body =
    '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name="toremoveform"\r\n\r\nx\r\n--b--\r\n';
  const { upstream } = await send('/remove', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body });
  assert.equal(upstream.body, '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n');
  assert.equal(upstream.headers['content-length'], String(upstream.body.length));
});

test('a value that holds the multipart boundary gets a fresh boundary, so it can never open a part of its own', async () => {
  const body = '--b\r\nContent-Disposition: form-data; name="hello"\r\n\r\nworld\r\n--b--\r\n';
  const r = await send('/note', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b', 'x-note': 'a --b c' }, body });
  assert.notEqual(r.upstream.headers['content-type'], 'multipart/form-data; boundary=b');
  assert.deepEqual(await decodeBody(r.upstream.body, r.upstream.headers['content-type']), { hello: ['world'], note: ['a --b c'] });
});
