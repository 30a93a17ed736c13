// request-size-limiting over real sockets: a declared Content-Length is judged before anything is proxied;
// a chunked body is cut off by the proxy once it passes the limit; require_content_length gives 411.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { startGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';

let upstream: TestUpstream;
let gw: TestGateway;

function route(name: string, config: Record<string, unknown>) {
  return { name, paths: [`/${name}`], plugins: [{ name: 'request-size-limiting', config }] };
}

before(async () => {
  upstream = await startUpstream();
  gw = await startGateway({
    _format_version: '3.0',
    services: [{
      name: 'api',
      url: upstream.url,
      routes: [
        route('default', {}),
        route('kib', { allowed_payload_size: 1, size_unit: 'kilobytes' }),
        route('bytes', { allowed_payload_size: 10, size_unit: 'bytes' }),
        route('require', { allowed_payload_size: 1, size_unit: 'kilobytes', require_content_length: true }),
      ],
    }],
  });
});

after(async () => {
  await gw.close();
  await upstream.close();
});

interface StreamedResponse extends SimpleResponse {
  /** Whether the server sent `100 Continue`. */
  continued: boolean;
}

/**
 * Sends a body in chunks with pauses between them (chunked unless a Content-Length is given) and resolves
 * with the response, even one that arrives before the body is finished.
 */
function streamRequest(path: string, chunks: readonly string[], headers: Record<string, string> = {}): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    let continued = false;
    let answered = false;
    const req = request(`${gw.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued });
        req.destroy();
      });
    });
    req.on('continue', () => (continued = true));
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    void (async () => {
      if (headers.expect !== undefined) return req.flushHeaders(); // wait for the server's verdict
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        req.write(chunk);
        await sleep(30);
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

function assertTooLarge(res: SimpleResponse, before: number): void {
  assert.equal(res.status, 413);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(res.body);
  assert.equal(body.code, 'REQUEST_TOO_LARGE');
  assert.equal(body.message, 'Request size limit exceeded');
  assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
}

test('a Content-Length up to the limit is proxied with its body intact', async () => {
  const body = 'x'.repeat(1024);
  const res = await httpRequest(`${gw.url}/kib`, { method: 'POST', body });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.at(-1)!.body, body);
  assert.equal(upstream.requests.at(-1)!.headers['content-length'], '1024');
  assert.equal((await httpRequest(`${gw.url}/bytes`, { method: 'PUT', body: '0123456789' })).status, 200);
  assert.equal((await httpRequest(`${gw.url}/default`, { method: 'POST', body })).status, 200);
});

test('a Content-Length over the limit gets 413 before anything is proxied', async () => {
  const before = upstream.requests.length;
  assertTooLarge(await httpRequest(`${gw.url}/kib`, { method: 'POST', body: 'x'.repeat(1025) }), before);
  assertTooLarge(await httpRequest(`${gw.url}/bytes`, { method: 'POST', body: '0123456789A' }), before);
});

test('a declared length is refused without waiting for the body', async () => {
  const before = upstream.requests.length;
  // 200 MB announced, 5 bytes sent: the answer must come from the header alone.
  const res = await streamRequest('/default', ['hello'], { 'content-length': String(200 * 1048576) });
  assertTooLarge(res, before);
  assert.match(JSON.parse(res.body).detail, /209715200/);
});

test('a chunked body under the limit streams through', async () => {
  const res = await streamRequest('/kib', ['a'.repeat(500), 'b'.repeat(500)]);
  assert.equal(res.status, 200);
  const seen = upstream.requests.at(-1)!;
  assert.equal(seen.body, 'a'.repeat(500) + 'b'.repeat(500));
  assert.equal(seen.headers['content-length'], undefined);
});

test('a chunked body that passes the limit is cut off: 413, and the upstream never gets a whole request', async () => {
  const before = upstream.requests.length;
  const res = await streamRequest('/kib', ['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600)]);
  await sleep(50); // an upstream that had been handed the whole body would have recorded it by now
  assertTooLarge(res, before);
});

test('require_content_length: no Content-Length and no body gets 411; a declared length passes', async () => {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}/require`);
  assert.equal(res.status, 411);
  const body = JSON.parse(res.body);
  assert.equal(body.code, 'LENGTH_REQUIRED');
  assert.equal(body.message, 'A valid Content-Length header is required');
  assert.equal(upstream.requests.length, before);
  assert.equal((await httpRequest(`${gw.url}/require`, { method: 'POST', body: 'small' })).status, 200);
  assert.equal((await httpRequest(`${gw.url}/require`, { headers: { 'content-length': '0' } })).status, 200);
});

// Both need the request context to say how the body is framed: the gateway strips Transfer-Encoding and
// Expect from ctx.headers (hop-by-hop) and answers 100-continue itself before any plugin runs.
test('require_content_length lets a chunked body through, as Kong does', async () => {
  const res = await streamRequest('/require', ['small', 'body']);
  assert.equal(res.status, 200);
});

test('a client waiting on Expect: 100-continue gets 417 and is never told to send the body', async () => {
  const before = upstream.requests.length;
  const res = await streamRequest('/kib', [], { 'content-length': '4096', expect: '100-continue' });
  assert.equal(res.status, 417);
  assert.equal(JSON.parse(res.body).code, 'EXPECTATION_FAILED');
  assert.equal(res.continued, false);
  assert.equal(upstream.requests.length, before);
});
