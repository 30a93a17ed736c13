// WebSocket proxying over real sockets: handshakes run the same pipeline as requests (auth, ACL, limits, identity
// headers) before any upgrade, then frames flow both ways untouched; Kong's spec/02-integration/05-proxy/
// 09-websockets_spec.lua cases, ws/wss routes and services, upstream failures and timeouts, and no socket left behind.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequestRaw } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startWebSocketEcho, parseFrame, type WebSocketEcho } from '../helpers/websocket-echo.ts';
import { httpRequest, type SimpleResponse } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { assertRefused } from '../helpers/refusal.ts';
import { selfSigned } from '../helpers/self-signed.ts';

const ALICE_KEY = 'alice-ws-key-0123456789abcdef';
const BOB_KEY = 'bob-ws-key-0123456789abcdef';
const JWT_SECRET = 'ws-jwt-secret-0123456789abcdef-0123';

let echo: WebSocketEcho;
let refusing: WebSocketEcho;
let silent: WebSocketEcho;
let tlsEcho: WebSocketEcho;
let untrustedEcho: WebSocketEcho;
let http: TestUpstream;
let gw: TestGateway;
let cert = '';
let deadPort = 0;
/** Accepts TCP connections and never says a word: a TLS handshake with it never completes. */
let mute: ReturnType<typeof createServer>;
const muteSockets = new Set<Socket>();

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  const pair = selfSigned('localhost');
  cert = pair.cert;
  // One trust store for the gateway's verified wss upstream and this file's wss clients; the untrusted echo's is not in it.
  setDefaultCACertificates([...getCACertificates('default'), cert]);
  echo = await startWebSocketEcho();
  refusing = await startWebSocketEcho();
  silent = await startWebSocketEcho();
  silent.silent = true;
  tlsEcho = await startWebSocketEcho({ tls: pair });
  untrustedEcho = await startWebSocketEcho({ tls: selfSigned('untrusted') });
  http = await startUpstream();
  deadPort = await closedPort();
  mute = createServer((s) => {
    muteSockets.add(s);
    s.on('error', () => {});
    s.on('close', () => muteSockets.delete(s));
    s.resume(); // read (and drop) the ClientHello, so the gateway hanging up is seen
  });
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  const echoUrl = `http://127.0.0.1:${echo.port}`;
  gw = await startGateway(
    {
      _format_version: '3.0',
      services: [
        // Kong's 09-websockets_spec: an http service with path /ws behind an http route /up-ws
        {
          name: 'ws',
          url: `${echoUrl}/ws`,
          routes: [
            { name: 'up-ws', paths: ['/up-ws'], protocols: ['http', 'https'] },
            { name: 'ws-only', paths: ['/ws-only'], protocols: ['ws', 'wss'] },
            { name: 'plain-ws-only', paths: ['/plain-ws-only'], protocols: ['ws'] },
            { name: 'wss-only', paths: ['/wss-only'], protocols: ['wss'] },
            {
              name: 'keyed',
              paths: ['/keyed'],
              plugins: [
                { name: 'key-auth', config: { key_names: ['apikey'] } },
                { name: 'acl', config: { allow: ['chat'] } },
              ],
            },
            { name: 'jwt-ws', paths: ['/jwt-ws'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] },
            { name: 'limited', paths: ['/limited'], plugins: [{ name: 'rate-limiting', config: { minute: 2, policy: 'local' } }] },
          ],
        },
        { name: 'ws-protocol', url: `ws://127.0.0.1:${echo.port}/ws`, routes: [{ name: 'ws-protocol', paths: ['/ws-protocol'], protocols: ['ws'] }] },
        { name: 'wss-upstream', url: `wss://localhost:${tlsEcho.port}/secure`, routes: [{ name: 'wss-upstream', paths: ['/wss-upstream'] }] },
        { name: 'untrusted', url: `wss://localhost:${untrustedEcho.port}/`, retries: 0, routes: [{ name: 'untrusted', paths: ['/untrusted'] }] },
        { name: 'refusing', url: `http://127.0.0.1:${refusing.port}`, routes: [{ name: 'refusing', paths: ['/refusing'] }] },
        { name: 'dead', url: `http://127.0.0.1:${deadPort}`, retries: 0, routes: [{ name: 'dead', paths: ['/dead'] }] },
        { name: 'silent', url: `http://127.0.0.1:${silent.port}`, read_timeout: 300, routes: [{ name: 'silent', paths: ['/silent'] }] },
        { name: 'idle', url: echoUrl, read_timeout: 400, routes: [{ name: 'idle', paths: ['/idle'] }] },
        { name: 'stalled', url: echoUrl, write_timeout: 300, routes: [{ name: 'stalled', paths: ['/stalled'] }] },
        {
          name: 'tls-stall',
          url: `wss://127.0.0.1:${(mute.address() as AddressInfo).port}`,
          connect_timeout: 300,
          retries: 0,
          routes: [{ name: 'tls-stall', paths: ['/tls-stall'] }],
        },
        { name: 'plain-http', url: http.url, routes: [{ name: 'plain-http', paths: ['/plain-http'] }] },
      ],
      consumers: [
        {
          username: 'alice',
          custom_id: 'alice-1',
          keyauth_credentials: [{ key: ALICE_KEY }],
          acls: [{ group: 'chat' }],
          jwt_secrets: [{ key: 'ws-iss', secret: JWT_SECRET, algorithm: 'HS256' }],
        },
        { username: 'bob', keyauth_credentials: [{ key: BOB_KEY }], acls: [{ group: 'other' }] },
      ],
    },
    { tls: pair },
  );
});

after(async () => {
  await gw.close();
  await Promise.all([echo, refusing, silent, tlsEcho, untrustedEcho, http].map((u) => u.close()));
  for (const s of muteSockets) s.destroy();
  await new Promise<void>((resolve) => mute.close(() => resolve()));
});

type Handshake = SimpleResponse & { rawHeaders: string[]; socket?: Socket; head?: Buffer };

/** A WebSocket handshake with node:http: the upstream's 101 (socket kept) or whatever else the gateway answers. */
function handshake(path: string, options: { headers?: Record<string, string>; tls?: boolean } = {}): Promise<Handshake> {
  const headers = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    'sec-websocket-version': '13',
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', path, headers, agent: false } as const;
    const req = options.tls ? httpsRequestRaw({ ...common, port: gw.tlsPort, servername: 'localhost' }) : httpRequestRaw({ ...common, port: gw.port });
    req.setTimeout(5000, () => req.destroy(new Error('handshake timed out')));
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      socket.on('error', () => {});
      resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: '', socket, head });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A client frame: masked, as RFC 6455 requires of clients. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x80 | opcode]), length, mask, masked]);
}

function nextFrame(socket: Socket, head: Buffer = Buffer.alloc(0)): Promise<{ opcode: number; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffer = head;
    const tryParse = () => {
      const parsed = parseFrame(buffer);
      if (parsed === null) return false;
      socket.off('data', onData);
      resolve(parsed);
      return true;
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      tryParse();
    };
    if (!tryParse()) {
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('closed before a frame')));
    }
  });
}

async function openClient(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`WebSocket to ${url} failed`));
  });
  return ws;
}

function nextMessage(ws: WebSocket): Promise<string | ArrayBuffer> {
  return new Promise((resolve) => {
    ws.onmessage = (e) => resolve(e.data as string | ArrayBuffer);
  });
}

function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(new CloseEvent('close'));
    ws.addEventListener('close', (e) => resolve(e));
  });
}

async function waitFor(what: string | (() => string), check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Both ends of every tunnel closed: the gateway's client sockets and the upstream's. */
async function noSocketsLeft(): Promise<void> {
  let counts = '';
  await waitFor(
    () => `sockets to close (${counts})`,
    async () => {
      const [gateway, upstream] = [await gw.gateway.connections(), await echo.connections()];
      counts = `gateway ${gateway}, upstream ${upstream}`;
      return gateway === 0 && upstream === 0;
    },
  );
}

function hs256(claims: object): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signing = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${signing}.${createHmac('sha256', JWT_SECRET).update(signing).digest('base64url')}`;
}

test('Kong 09-websockets: the handshake is answered 101 with Connection: upgrade and Upgrade: websocket', async () => {
  const res = await handshake('/up-ws');
  assert.equal(res.status, 101);
  const raw = res.rawHeaders;
  const pairs = raw.flatMap((v, i) => (i % 2 === 0 ? [`${v}: ${raw[i + 1]}`] : []));
  assert.ok(pairs.includes('Connection: upgrade'), pairs.join('\n'));
  assert.ok(pairs.includes('Upgrade: websocket'), pairs.join('\n'));
  assert.ok(res.headers['sec-websocket-accept'], "the upstream's accept key is relayed");
  assert.equal(echo.handshakes.at(-1)!.url, '/ws', 'strip_path: /up-ws becomes the service path /ws');
  res.socket!.destroy();
  await noSocketsLeft();
});

test('Kong 09-websockets: text and binary echo through the gateway, plain and over TLS', async () => {
  for (const url of [`ws://127.0.0.1:${gw.port}/up-ws`, `wss://localhost:${gw.tlsPort}/up-ws`]) {
    const ws = await openClient(url);
    ws.binaryType = 'arraybuffer';
    const payload = JSON.stringify({ message: 'hello websocket' });
    ws.send(payload);
    assert.deepEqual(JSON.parse(String(await nextMessage(ws))), { message: 'hello websocket' }, url);
    ws.send(new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual([...new Uint8Array((await nextMessage(ws)) as ArrayBuffer)], [0, 1, 2, 255], url);
    ws.close(1000);
    await closed(ws);
  }
  assert.equal(echo.handshakes.at(-1)!.headers['x-forwarded-proto'], 'https', 'the TLS client is told upstream');
  await noSocketsLeft();
});

test('Kong 09-websockets: ping-pong through the gateway', async () => {
  const res = await handshake('/up-ws');
  assert.equal(res.status, 101);
  const payload = Buffer.from(JSON.stringify({ message: 'give me a pong' }));
  res.socket!.write(clientFrame(0x9, payload));
  const pong = await nextFrame(res.socket!, res.head);
  assert.equal(pong.opcode, 0xa);
  assert.deepEqual(JSON.parse(pong.payload.toString()), { message: 'give me a pong' });
  res.socket!.end(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
  await noSocketsLeft();
});

test('frames the client sends right behind its handshake reach the upstream', async () => {
  const socket = connect(gw.port, '127.0.0.1');
  socket.on('error', () => {});
  let buffer = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => (buffer = Buffer.concat([buffer, c])));
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /up-ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.write(clientFrame(0x1, Buffer.from('early')));
  await waitFor('the 101 and the echo of the early frame', () => {
    const end = buffer.indexOf('\r\n\r\n');
    return end !== -1 && parseFrame(buffer.subarray(end + 4)) !== null;
  });
  const end = buffer.indexOf('\r\n\r\n');
  assert.match(buffer.subarray(0, end).toString(), /^HTTP\/1\.1 101 /);
  assert.equal(parseFrame(buffer.subarray(end + 4))!.payload.toString(), 'early');
  socket.destroy();
  await noSocketsLeft();
});

test('key-auth: no key is 401 before any upgrade (the upstream never hears of it); with the key, echo', async () => {
  const before = echo.handshakes.length;
  const refused = await handshake('/keyed');
  assertRefused(refused, { status: 401, code: 'KEY_AUTH_MISSING', message: 'No API key found in request' });
  assert.equal(refused.headers.connection, 'close', 'a refused handshake ends the connection');
  assertRefused(await handshake('/keyed', { headers: { apikey: 'wrong-key-0123456789' } }), { status: 401, code: 'KEY_AUTH_INVALID', message: 'Unauthorized' });
  assert.equal(echo.handshakes.length, before, 'nothing reached the upstream');
  const ws = await openClient(`ws://127.0.0.1:${gw.port}/keyed`, { apikey: ALICE_KEY });
  ws.send('with a key');
  assert.equal(await nextMessage(ws), 'with a key');
  ws.close();
  await closed(ws);
  await noSocketsLeft();
});

test('acl: an authenticated consumer outside the allowed group is 403 before any upgrade', async () => {
  const before = echo.handshakes.length;
  assertRefused(await handshake('/keyed', { headers: { apikey: BOB_KEY } }), {
    status: 403,
    code: 'ACL_FORBIDDEN',
    message: 'You cannot consume this service',
  });
  assert.equal(echo.handshakes.length, before);
  await noSocketsLeft();
});

test('jwt: no token is 401; a valid token opens the WebSocket', async () => {
  const before = echo.handshakes.length;
  assertRefused(await handshake('/jwt-ws'), { status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
  assert.equal(echo.handshakes.length, before);
  const token = hs256({ iss: 'ws-iss', exp: Math.floor(Date.now() / 1000) + 300 });
  const ws = await openClient(`ws://127.0.0.1:${gw.port}/jwt-ws`, { authorization: `Bearer ${token}` });
  ws.send('signed');
  assert.equal(await nextMessage(ws), 'signed');
  assert.equal(echo.handshakes.at(-1)!.headers['x-consumer-username'], 'alice');
  ws.close();
  await closed(ws);
  await noSocketsLeft();
});

test("identity headers: the gateway's reach the upstream in the handshake; client-forged ones never do", async () => {
  const res = await handshake('/keyed', {
    headers: {
      apikey: ALICE_KEY,
      'x-consumer-username': 'mallory',
      'x-consumer-id': 'forged',
      'x-anonymous-consumer': 'true',
      'x-credential-identifier': 'forged',
      'x-forwarded-for': '6.6.6.6',
    },
  });
  assert.equal(res.status, 101);
  const h = echo.handshakes.at(-1)!.headers;
  assert.equal(h['x-consumer-username'], 'alice');
  assert.equal(h['x-consumer-custom-id'], 'alice-1');
  assert.match(String(h['x-consumer-id']), /^[0-9a-f-]{36}$/);
  assert.notEqual(h['x-consumer-id'], 'forged');
  assert.notEqual(h['x-credential-identifier'], 'forged');
  assert.equal(h['x-anonymous-consumer'], undefined);
  assert.equal(h['x-forwarded-for'], '127.0.0.1', "an untrusted client's X-Forwarded-For is replaced");
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h.connection, 'Upgrade');
  assert.equal(h.upgrade, 'websocket');
  assert.ok(h['sec-websocket-key'], "the client's handshake headers are passed on");
  res.socket!.destroy();
  await noSocketsLeft();
});

test('rate limiting counts handshakes: the third in a minute is 429; the 101 carries the counters', async () => {
  const first = await handshake('/limited');
  assert.equal(first.status, 101);
  assert.equal(first.headers['x-ratelimit-limit-minute'], '2', 'header-filter plugins run on the 101');
  assert.equal(first.headers['x-ratelimit-remaining-minute'], '1');
  first.socket!.destroy();
  const second = await handshake('/limited');
  assert.equal(second.status, 101);
  second.socket!.destroy();
  const before = echo.handshakes.length;
  assertRefused(await handshake('/limited'), {
    status: 429,
    code: 'RATE_LIMITED',
    message: 'API rate limit exceeded',
    headers: { 'x-ratelimit-remaining-minute': '0' },
  });
  assert.equal(echo.handshakes.length, before);
  await noSocketsLeft();
});

test('the upstream closing closes the client; the client closing or vanishing closes the upstream', async () => {
  const ws = await openClient(`ws://127.0.0.1:${gw.port}/up-ws`);
  await waitFor('the upstream to hold the connection', async () => (await echo.connections()) === 1);
  const gone = closed(ws);
  echo.closeAll();
  assert.equal((await gone).code, 1000);
  await noSocketsLeft();

  const ws2 = await openClient(`ws://127.0.0.1:${gw.port}/up-ws`);
  await waitFor('the upstream to hold the connection', async () => (await echo.connections()) === 1);
  ws2.close(1000);
  await closed(ws2);
  await noSocketsLeft();

  const raw = await handshake('/up-ws');
  assert.equal(raw.status, 101);
  await waitFor('the upstream to hold the connection', async () => (await echo.connections()) === 1);
  raw.socket!.resetAndDestroy();
  await noSocketsLeft();
});

test('many tunnels opened and dropped leave no socket behind', async () => {
  const sockets = await Promise.all(Array.from({ length: 20 }, () => handshake('/up-ws')));
  assert.deepEqual(new Set(sockets.map((s) => s.status)), new Set([101]));
  await waitFor('20 upstream connections', async () => (await echo.connections()) === 20);
  sockets.forEach((s, i) => (i % 2 === 0 ? s.socket!.destroy() : s.socket!.end(clientFrame(0x8, Buffer.from([0x03, 0xe8])))));
  await noSocketsLeft();
});

test("nothing listening upstream: 502 with Kong's message", async () => {
  assertRefused(await handshake('/dead'), { status: 502, code: 'UPSTREAM_UNAVAILABLE', message: 'An invalid response was received from the upstream server' });
  await waitFor("the refused handshake's socket to close", async () => (await gw.gateway.connections()) === 0);
});

test('an upstream that answers the handshake with anything but 101: its answer is relayed as a response', async () => {
  refusing.refuseWith = { status: 403, body: 'not for you', headers: { 'x-upstream': 'said no' } };
  const res = await handshake('/refusing');
  assert.equal(res.status, 403);
  assert.equal(res.body, 'not for you');
  assert.equal(res.headers['x-upstream'], 'said no');
  assert.equal(res.headers.connection, 'close');
  await waitFor('the socket to close', async () => (await gw.gateway.connections()) === 0 && (await refusing.connections()) === 0);
});

test("an upstream that never answers the handshake: 504 after the service's read_timeout", async () => {
  const started = Date.now();
  assertRefused(await handshake('/silent'), { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'The upstream server is timing out' });
  assert.ok(Date.now() - started >= 280, `waited ${Date.now() - started} ms`);
  await waitFor('the sockets to close', async () => (await gw.gateway.connections()) === 0 && (await silent.connections()) === 0);
});

test("a silent tunnel is closed after the service's read_timeout; traffic either way keeps it open", async () => {
  const ws = await openClient(`ws://127.0.0.1:${gw.port}/idle`);
  const started = Date.now();
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 200));
    ws.send(`tick ${i}`);
    assert.equal(await nextMessage(ws), `tick ${i}`);
  }
  assert.equal(ws.readyState, WebSocket.OPEN, 'open past read_timeout while frames flow');
  const active = Date.now();
  await closed(ws);
  const idle = Date.now() - active;
  assert.ok(Date.now() - started > 800 && idle >= 350, `closed after ${idle} ms of silence`);
  await noSocketsLeft();
});

test('ws and wss routes: handshakes only; a plain request is 426 Upgrade required; wss demands TLS', async () => {
  const before = echo.handshakes.length;
  assertRefused(await httpRequest(`${gw.url}/ws-only`), {
    status: 426,
    code: 'WEBSOCKET_REQUIRED',
    message: 'Upgrade required',
    headers: { upgrade: 'websocket' },
  });
  assert.equal(echo.handshakes.length, before);
  const plain = await handshake('/ws-only');
  assert.equal(plain.status, 101);
  plain.socket!.destroy();
  const tls = await handshake('/ws-only', { tls: true });
  assert.equal(tls.status, 101);
  tls.socket!.destroy();
  // a ws-only route takes no TLS handshake (that is wss), and nothing else matches the path
  assertRefused(await handshake('/plain-ws-only', { tls: true }), { status: 404, code: 'ROUTE_NOT_FOUND', message: 'no Route matched with those values' });
  assertRefused(await handshake('/wss-only'), { status: 426, code: 'PROTOCOL_NOT_ALLOWED', message: 'Please use HTTPS protocol' });
  const secure = await handshake('/wss-only', { tls: true });
  assert.equal(secure.status, 101);
  secure.socket!.destroy();
  await noSocketsLeft();
});

test('ws and wss services: ws:// connects in plain, wss:// over verified TLS; an untrusted certificate is 502', async () => {
  const ws = await openClient(`ws://127.0.0.1:${gw.port}/ws-protocol`);
  ws.send('ws service');
  assert.equal(await nextMessage(ws), 'ws service');
  ws.close();
  await closed(ws);
  const wss = await openClient(`ws://127.0.0.1:${gw.port}/wss-upstream/room`);
  wss.send('wss service');
  assert.equal(await nextMessage(wss), 'wss service');
  assert.equal(tlsEcho.handshakes.at(-1)!.url, '/secure/room');
  assert.equal(tlsEcho.handshakes.at(-1)!.headers.host, `localhost:${tlsEcho.port}`);
  wss.close();
  await closed(wss);
  const before = untrustedEcho.handshakes.length;
  const refused = assertRefused(await handshake('/untrusted'), {
    status: 502,
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'An invalid response was received from the upstream server',
  });
  assert.match(String(refused.detail), /self-signed|SELF_SIGNED|certificate/i);
  assert.equal(untrustedEcho.handshakes.length, before, 'no handshake sent over an unverified connection');
  await noSocketsLeft();
});

test('an Upgrade other than websocket is a normal request: answered by the upstream, Upgrade not passed on', async () => {
  const res = await httpRequest(`${gw.url}/plain-http/x`, { headers: { connection: 'Upgrade', upgrade: 'h2c' } });
  assert.equal(res.status, 200);
  const seen = http.requests.at(-1)!;
  assert.equal(seen.headers.upgrade, undefined);
  assert.notEqual(String(seen.headers.connection).toLowerCase(), 'upgrade');
});

test('a handshake with a body, without Host or with two is refused (400) before routing', async () => {
  const before = echo.handshakes.length;
  assertRefused(await handshake('/up-ws', { headers: { 'content-length': '5' } }), {
    status: 400,
    code: 'WEBSOCKET_HANDSHAKE_INVALID',
    message: 'Bad request',
  });
  const head = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  for (const hosts of ['', 'Host: a\r\nHost: b\r\n']) {
    const res = await rawRequest(gw.port, `GET /up-ws HTTP/1.1\r\n${hosts}${head}\r\n`);
    assert.equal(res.status, 400, res.raw);
    assert.equal(JSON.parse(res.body).code, 'BAD_REQUEST');
  }
  assert.equal(echo.handshakes.length, before);
  await waitFor('the socket to close', async () => (await gw.gateway.connections()) === 0);
});

test('clients vanishing at any point of the handshake leave no socket behind', async () => {
  const paths = ['/up-ws', '/keyed', '/limited', '/dead', '/silent', '/refusing', '/wss-upstream/x', '/ws-only'];
  await Promise.all(
    Array.from(
      { length: 80 },
      (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect(gw.port, '127.0.0.1');
          socket.on('error', () => {});
          socket.on('close', () => resolve());
          const key = randomBytes(16).toString('base64');
          socket.write(
            `GET ${paths[i % paths.length]} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\napikey: ${ALICE_KEY}\r\n\r\n`,
          );
          setTimeout(() => (i % 2 === 0 ? socket.destroy() : socket.resetAndDestroy()), i % 7);
        }),
    ),
  );
  let counts = '';
  await waitFor(
    () => `every socket to close (${counts})`,
    async () => {
      const all = [
        await gw.gateway.connections(),
        await echo.connections(),
        await silent.connections(),
        await refusing.connections(),
        await tlsEcho.connections(),
      ];
      counts = all.join(', ');
      return all.every((n) => n === 0);
    },
  );
});

test('closing the gateway ends open tunnels after the grace period', async () => {
  const own = await startGateway({ _format_version: '3.0', services: [{ url: `http://127.0.0.1:${echo.port}`, routes: [{ paths: ['/'] }] }] });
  const ws = await openClient(`ws://127.0.0.1:${own.port}/`);
  const gone = closed(ws);
  await own.gateway.close(100);
  await gone;
  await noSocketsLeft();
});

test('connect_timeout covers the TCP and TLS handshakes: an upstream that never completes TLS is 504', async () => {
  const started = Date.now();
  assertRefused(await handshake('/tls-stall'), { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'The upstream server is timing out' });
  const waited = Date.now() - started;
  assert.ok(waited >= 280 && waited < 5000, `waited ${waited} ms`);
  await waitFor('the stalled TLS connection to close', () => muteSockets.size === 0);
});

test('a client that stops reading: the tunnel is cut once a write stays queued for write_timeout', async () => {
  const res = await handshake('/stalled');
  assert.equal(res.status, 101);
  const socket = res.socket!;
  socket.pause(); // never read the echoes: they pile up in the gateway until write_timeout
  const chunk = clientFrame(0x2, randomBytes(60_000));
  const started = Date.now();
  for (let i = 0; i < 600 && !socket.destroyed; i++) socket.write(chunk);
  // a paused socket does not notice the gateway hanging up: watch the gateway's and the upstream's side instead
  await noSocketsLeft();
  assert.ok(Date.now() - started >= 250, `cut after ${Date.now() - started} ms`);
  socket.destroy();
});
