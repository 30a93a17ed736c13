// request-size-limiting over real sockets: a declared Content-Length is judged before anything is proxied;
// a chunked body is cut off by the proxy once it passes the limit; require_content_length gives 411.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

let upstream: TestUpstream;
let gw: PluginGateway;

function route(name: string, config: Record<string, unknown>) {
  return { name, paths: [`/${name}`], plugins: [{ name: 'request-size-limiting', config }] };
}

before(async () => {
  gw = await startPluginGateway({
    routes: [
      route('default', {}),
      route('kib', { allowed_payload_size: 1, size_unit: 'kilobytes' }),
      route('bytes', { allowed_payload_size: 10, size_unit: 'bytes' }),
      route('require', { allowed_payload_size: 1, size_unit: 'kilobytes', require_content_length: true }),
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

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

const TOO_LARGE = { status: 413, code: 'REQUEST_TOO_LARGE', message: 'Request size limit exceeded' } as const;

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
  assertRefused(await httpRequest(`${gw.url}/kib`, { method: 'POST', body: 'x'.repeat(1025) }), TOO_LARGE, upstream, before);
  assertRefused(await httpRequest(`${gw.url}/bytes`, { method: 'POST', body: '0123456789A' }), TOO_LARGE, upstream, before);
});

test('a declared length is refused without waiting for the body', async () => {
  const before = upstream.requests.length;
  // 200 MB announced, 5 bytes sent: the answer must come from the header alone.
  const res = await streamRequest('/default', ['hello'], { 'content-length': String(200 * 1048576) });
  assert.match(String(assertRefused(res, TOO_LARGE, upstream, before).detail), /209715200/);
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
  // A request sent after the refusal reaches the upstream alone: the cut-off upload never completed there.
  const barrier = await httpRequest(`${gw.url}/kib`, { method: 'POST', headers: { 'content-length': '1' }, body: 'x' });
  assert.equal(barrier.status, 200);
  assert.deepEqual(
    upstream.requests.slice(before).map((r) => r.body),
    ['x'],
  );
  assertRefused(res, TOO_LARGE, upstream, before + 1);
});

test('require_content_length: no Content-Length and no body gets 411; a declared length passes', async () => {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}/require`);
  assertRefused(res, { status: 411, code: 'LENGTH_REQUIRED', message: 'A valid Content-Length header is required' }, upstream, before);
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
  assertRefused(res, { status: 417, code: 'EXPECTATION_FAILED', message: 'Request size limit exceeded' }, upstream, before);
  assert.equal(res.continued, false);
});
