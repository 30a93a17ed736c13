// Slow clients, as nginx bounds them: a head not finished within the header timeout, a body that pauses longer
// than the body timeout and an idle keep-alive connection are cut (408 where the client can still read one),
// a body stall while proxying aborts the upstream request, and slow clients never hold up anyone else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { openRaw, statuses } from '../helpers/slow-client.ts';
import { waitFor } from '../cluster/node-process.ts';
import { selfSigned } from '../helpers/self-signed.ts';

const HEADER_MS = 600;
const BODY_MS = 600;
const KEEPALIVE_MS = 1500;
/** Deadlines are checked every 60 ms here; the rest is room for a loaded CI box (the point: not ~58 s). */
const SLACK_MS = 2500;

let gw: TestGateway;
let upstream: Server;
/** What the upstream saw of each request: `complete`, or `aborted` when the gateway gave up mid-body. */
const seen: string[] = [];

before(async () => {
  upstream = createServer((req, res) => {
    req.on('aborted', () => seen.push('aborted'));
    req.resume();
    req.on('end', () => {
      seen.push('complete');
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway(
    {
      _format_version: '3.0',
      services: [{ name: 's', url, routes: [{ name: 'r', paths: ['/'] }] }],
    },
    { clientTimeouts: { headerMs: HEADER_MS, bodyMs: BODY_MS, keepAliveMs: KEEPALIVE_MS } },
  );
});

after(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function problemCode(raw: string): string | undefined {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  try {
    return (JSON.parse(body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

test('a head sent a byte at a time is cut at the header timeout with 408 REQUEST_TIMEOUT', async () => {
  const c = await openRaw(gw.port);
  void c.trickle(`GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`, 50);
  const ms = await c.answered;
  await c.closed;
  assert.equal(c.status(), 408, c.received());
  assert.equal(problemCode(c.received()), 'REQUEST_TIMEOUT');
  assert.ok(ms >= HEADER_MS - 50 && ms < HEADER_MS + SLACK_MS, `cut after ${Math.round(ms)} ms`);
});

test('a connection that never sends a byte is cut at the header timeout', async () => {
  const c = await openRaw(gw.port);
  const ms = await c.answered;
  await c.closed;
  assert.equal(c.status(), 408);
  assert.ok(ms >= HEADER_MS - 50 && ms < HEADER_MS + SLACK_MS, `cut after ${Math.round(ms)} ms`);
});

test('a body that stalls while proxied gets 408, the connection closes and the upstream request is aborted', async () => {
  seen.length = 0;
  const c = await openRaw(gw.port);
  c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nfirst bytes');
  const ms = await c.answered;
  await c.closed;
  assert.equal(c.status(), 408, c.received());
  assert.equal(problemCode(c.received()), 'REQUEST_TIMEOUT');
  assert.ok(ms >= BODY_MS - 50 && ms < BODY_MS + SLACK_MS, `cut after ${Math.round(ms)} ms`);
  await waitFor(async () => seen.includes('aborted'), 'the upstream sees its request aborted', 5000);
  assert.ok(!seen.includes('complete'));
});

test('a chunked body that stalls is cut the same way', async () => {
  const c = await openRaw(gw.port);
  c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  const ms = await c.answered;
  await c.closed;
  assert.equal(c.status(), 408, c.received());
  assert.ok(ms < BODY_MS + SLACK_MS, `cut after ${Math.round(ms)} ms`);
});

test('the body timeout is idle time, as nginx has it: a body that keeps coming is never cut', async () => {
  const c = await openRaw(gw.port);
  const body = 'x'.repeat(12);
  c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  await c.trickle(body, BODY_MS / 3); // the whole upload takes ~4 body timeouts
  await c.closed;
  assert.equal(c.status(), 200, c.received());
});

test('an idle keep-alive connection outlives the header timeout, then closes at the keep-alive timeout', async () => {
  const c = await openRaw(gw.port);
  c.socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(async () => statuses(c.received()).length === 1, 'first answer');
  await new Promise((r) => setTimeout(r, HEADER_MS + 300));
  const sentAt = performance.now();
  c.socket.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(async () => statuses(c.received()).length === 2, 'second answer on the same connection');
  assert.deepEqual(statuses(c.received()), [200, 200]);
  await c.closed;
  const idle = performance.now() - sentAt;
  assert.ok(idle >= KEEPALIVE_MS - 50 && idle < KEEPALIVE_MS + 1000 + SLACK_MS, `closed after ${Math.round(idle)} ms idle`);
});

test('slow clients hold up nobody: while several trickle, other clients are served', async () => {
  const slow = await Promise.all(Array.from({ length: 8 }, () => openRaw(gw.port)));
  slow.forEach((c, i) => {
    if (i % 2 === 0) void c.trickle(`GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`, 40);
    else c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nsome');
  });
  for (let i = 0; i < 20; i++) {
    const res = await rawRequest(gw.port, `GET /fast/${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 200);
  }
  const posted = await rawRequest(gw.port, 'POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
  assert.equal(posted.status, 200);
  await Promise.all(slow.map((c) => c.closed));
  for (const c of slow) assert.equal(c.status(), 408);
});

test('a request target longer than 8 KiB gets 414 URI_TOO_LONG; one that overflows the head too', async () => {
  for (const length of [9 * 1024, 20 * 1024]) {
    const res = await rawRequest(gw.port, `GET /${'a'.repeat(length)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 414, `target of ${length} bytes`);
    assert.equal((JSON.parse(res.body) as { code: string; message: string }).code, 'URI_TOO_LONG');
    assert.equal((JSON.parse(res.body) as { message: string }).message, 'URI too long');
  }
  const bigHeader = await rawRequest(gw.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`);
  assert.equal(bigHeader.status, 431);
  const ok = await rawRequest(gw.port, `GET /${'a'.repeat(7 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(ok.status, 200);
});

test('a TLS client that never finishes its handshake is cut at the header timeout', async () => {
  const pair = selfSigned();
  const tls = await startGateway(
    { _format_version: '3.0' },
    {
      tls: pair,
      clientTimeouts: { headerMs: HEADER_MS, bodyMs: BODY_MS, keepAliveMs: KEEPALIVE_MS },
    },
  );
  try {
    const c = await openRaw(tls.tlsPort!);
    c.socket.write('\x16\x03\x01'); // the start of a ClientHello, and then nothing
    const ms = await c.closed;
    assert.ok(ms >= HEADER_MS - 50 && ms < HEADER_MS + SLACK_MS, `cut after ${Math.round(ms)} ms`);
  } finally {
    await tls.close();
  }
});
