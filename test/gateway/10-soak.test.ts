// Nothing a client sends ends the node: a real `portcullis start --config` process is driven through every
// refusal (400 401 403 405 408 413 414 429 431 502 504) with Content-Length and chunked bodies, pipelined,
// aborted mid-way and slow, and must still serve afterwards with its sockets and memory back near where they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { freePort } from '../helpers/free-port.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { openRaw, statuses } from '../helpers/slow-client.ts';
import { adminCall, startNodeProcess, waitFor, type NodeProcess } from '../cluster/node-process.ts';

const ADMIN = `pcat_${randomBytes(24).toString('base64url')}`;
let up: TestUpstream;
let dir: string;
let node: NodeProcess;
let port: number;

before(async () => {
  up = await startUpstream();
  up.handler = (req, res) => {
    // /slow answers after the slow service's read_timeout (504); everything else at once
    const answer = () => res.writeHead(200, { 'content-length': '2' }).end('ok');
    if (req.url.startsWith('/slow')) setTimeout(answer, 1500).unref();
    else answer();
  };
  const dead = await freePort();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-soak-'));
  const file = join(dir, 'kong.json');
  await writeFile(
    file,
    JSON.stringify({
      _format_version: '3.0',
      consumers: [{ username: 'c', keyauth_credentials: [{ key: 'soak-key-0123456789abcdef' }] }],
      services: [
        {
          name: 'open',
          url: up.url,
          routes: [
            { name: 'open', paths: ['/open'] },
            { name: 'get-only', paths: ['/get-only'], methods: ['GET'] },
            { name: 'limited', paths: ['/limited'], plugins: [{ name: 'request-size-limiting', config: { allowed_payload_size: 1, size_unit: 'kilobytes' } }] },
            { name: 'auth', paths: ['/auth'], plugins: [{ name: 'key-auth' }] },
            { name: 'deny', paths: ['/deny'], plugins: [{ name: 'ip-restriction', config: { deny: ['127.0.0.1'] } }] },
            { name: 'rl', paths: ['/rl'], plugins: [{ name: 'rate-limiting', config: { minute: 1, policy: 'local' } }] },
          ],
        },
        { name: 'dead', url: `http://127.0.0.1:${dead}`, routes: [{ name: 'dead', paths: ['/dead'] }] },
        { name: 'slow', url: `${up.url}/slow`, read_timeout: 300, routes: [{ name: 'slow', paths: ['/slow'] }] },
      ],
    }),
  );
  node = await startNodeProcess(['--config', file, '--client-header-timeout', '800ms', '--client-body-timeout', '800ms', '--keepalive-timeout', '1s'], {
    PORTCULLIS_ADMIN_TOKEN: ADMIN,
  });
  port = Number(new URL(node.proxy).port);
});

after(async () => {
  if (node) {
    const killer = setTimeout(() => node.proc.kill('SIGKILL'), 10_000);
    await node.stop();
    clearTimeout(killer);
  }
  await up?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function assertAlive(): void {
  assert.equal(node.proc.exitCode, null, `the node exited:\n${node.output().slice(-3000)}`);
  assert.equal(node.proc.signalCode, null, `the node was killed:\n${node.output().slice(-3000)}`);
}

async function proxyConnections(): Promise<number> {
  const res = await adminCall(node, ADMIN, 'GET', '/status');
  assert.equal(res.status, 200);
  return res.body.server.connections_proxy as number;
}

async function heapUsed(): Promise<number> {
  return (await adminCall(node, ADMIN, 'GET', '/status?unit=b')).body.memory.process.heap_used as number;
}

const head = (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nHost: x\r\n${extra}`;
const withLength = (method: string, path: string, body: string, extra = '') => `${head(method, path, extra)}Content-Length: ${body.length}\r\n\r\n${body}`;
const chunked = (method: string, path: string, body: string, extra = '') =>
  `${head(method, path, extra)}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

/** Every refusal the edge can give, each as one complete request (keep-alive unless the gateway closes). */
function refusals(): Array<{ status: number; payload: string }> {
  const small = 'x'.repeat(100);
  const big = 'y'.repeat(4096);
  return [
    { status: 400, payload: `${head('GET', '/open', 'Host: y\r\n')}\r\n` },
    { status: 400, payload: withLength('POST', '/open/..%2f', small) },
    { status: 401, payload: withLength('POST', '/auth', small) },
    { status: 401, payload: chunked('POST', '/auth', small) },
    { status: 403, payload: withLength('POST', '/deny', small) },
    { status: 403, payload: chunked('POST', '/deny', big) },
    { status: 405, payload: withLength('POST', '/get-only', small) },
    { status: 405, payload: chunked('DELETE', '/get-only', big) },
    { status: 413, payload: withLength('POST', '/limited', big) },
    { status: 413, payload: chunked('POST', '/limited', big) },
    { status: 414, payload: `${head('GET', `/open/${'u'.repeat(9000)}`)}\r\n` },
    { status: 429, payload: withLength('POST', '/rl', small) },
    { status: 431, payload: `${head('GET', '/open', `X-Big: ${'h'.repeat(20_000)}\r\n`)}\r\n` },
    { status: 502, payload: withLength('POST', '/dead', small) },
    { status: 502, payload: chunked('POST', '/dead', big) },
    { status: 504, payload: withLength('POST', '/slow', small) },
    { status: 504, payload: chunked('POST', '/slow', small) },
  ];
}

test('a chunked upload over the size limit gets 413, and the node outlives the lingering close (it used to exit)', async () => {
  assertAlive();
  const c = await openRaw(port);
  c.socket.write(`${head('POST', '/limited')}Transfer-Encoding: chunked\r\n\r\n`);
  c.socket.write(`1000\r\n${'z'.repeat(4096)}\r\n`);
  await waitFor(async () => c.status() !== null, 'an answer to the oversize upload');
  assert.equal(c.status(), 413, c.received());
  await c.closed;
  // The lingering close fires 5 s after the refusal; it used to read a socket the finished response had dropped.
  await new Promise((r) => setTimeout(r, 6000));
  assertAlive();
  assert.equal((await rawRequest(port, `${head('GET', '/open', 'Connection: close\r\n')}\r\n`)).status, 200);
  assert.equal((await adminCall(node, ADMIN, 'GET', '/status')).status, 200);
});

test('every refusal, framed every way, pipelined, aborted and slow: the node keeps serving and returns to baseline', async () => {
  assertAlive();
  await waitFor(async () => (await proxyConnections()) === 0, 'no proxy connections before the soak');
  const heapBefore = await heapUsed();
  const seen = new Set<number>();

  for (let round = 0; round < 3; round++) {
    const work: Promise<unknown>[] = [];
    // each refusal alone, then the same requests cut off half-way (aborted mid-head or mid-body)
    for (const r of refusals()) {
      work.push(
        rawRequest(port, r.payload, 5000).then((res) => {
          if (r.status !== 429 || res.status === 429) assert.equal(res.status, r.status, r.payload.slice(0, 60));
          seen.add(res.status);
        }),
      );
      work.push(
        openRaw(port).then((c) => {
          c.socket.write(r.payload.slice(0, Math.max(10, r.payload.length >> 1)));
          setTimeout(() => c.socket.destroy(), 20);
          return c.closed;
        }),
      );
    }
    // pipelined: two refusals and a good request in one write; the gateway answers what it can, in order
    work.push(
      openRaw(port).then(async (c) => {
        c.socket.write(withLength('POST', '/auth', 'a') + withLength('POST', '/get-only', 'b') + `${head('GET', '/open', 'Connection: close\r\n')}\r\n`);
        await c.closed;
        assert.deepEqual(statuses(c.received()), [401, 405, 200]);
      }),
    );
    work.push(
      openRaw(port).then(async (c) => {
        c.socket.write(chunked('POST', '/limited', 'y'.repeat(2048)) + withLength('POST', '/open', 'after'));
        await c.closed;
        assert.equal(statuses(c.received())[0], 413);
      }),
    );
    // slow: a trickled head, a stalled Content-Length body, a stalled chunked body, a silent connection
    work.push(
      openRaw(port).then(async (c) => {
        void c.trickle(`${head('GET', '/open')}X-Slow: ${'s'.repeat(200)}\r\n\r\n`, 30);
        await c.closed;
        assert.equal(c.status(), 408);
        seen.add(408);
      }),
    );
    for (const stalled of [
      `${head('POST', '/open')}Content-Length: 1000\r\n\r\nabc`,
      `${head('POST', '/slow')}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`,
    ]) {
      work.push(
        openRaw(port).then(async (c) => {
          c.socket.write(stalled);
          await c.closed;
          assert.equal(c.status(), 408, c.received());
        }),
      );
    }
    work.push(openRaw(port).then((c) => c.closed));
    await Promise.all(work);
    assertAlive();
  }
  for (const status of [400, 401, 403, 405, 408, 413, 414, 429, 431, 502, 504]) assert.ok(seen.has(status), `saw ${status}`);

  // Still serving, sockets back to baseline (lingering closes end within 5 s), memory near where it was.
  assert.equal((await rawRequest(port, `${head('GET', '/open', 'Connection: close\r\n')}\r\n`)).status, 200);
  await waitFor(async () => (await proxyConnections()) === 0, 'proxy connections back to baseline', 15_000);
  const heapAfter = await heapUsed();
  assert.ok(heapAfter < heapBefore + 64 * 1024 * 1024, `heap ${heapBefore} -> ${heapAfter} bytes`);
  assertAlive();
  assert.doesNotMatch(node.output(), /uncaught exception|fault on the request path/);
});
