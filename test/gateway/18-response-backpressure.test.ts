// A client that stops reading holds the upstream back: the proxy pauses the upstream's body while the client's
// socket is full (a drain listener only then) and resumes it on drain, so nothing is buffered without bound and
// every byte still arrives, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway } from '../helpers/gateway.ts';

const CHUNK = 64 * 1024;
const CHUNKS = 1024; // 64 MiB: far more than the socket buffers between client, gateway and upstream hold
const TOTAL = CHUNK * CHUNKS;

/** Chunk `i` is filled with byte `i % 251`, so order and completeness can be checked without keeping 64 MiB. */
const chunkByte = (i: number) => i % 251;

test('a client that stops reading pauses the upstream body, and gets all of it once it reads again', { timeout: 60_000 }, async () => {
  let written = 0;
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
    let i = 0;
    const pump = () => {
      while (i < CHUNKS) {
        const ok = res.write(Buffer.alloc(CHUNK, chunkByte(i)));
        i++;
        written += CHUNK;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const gw = await startGateway({
    _format_version: '3.0',
    services: [{ name: 'big', url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: 'big', paths: ['/'] }] }],
  });
  let res: IncomingMessage | undefined;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${gw.url}/download`, { agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    res.pause();

    // Wait until the upstream can write no more: it is held back by the paused client, not finished.
    let last = -1;
    let stableFor = 0;
    const deadline = Date.now() + 20_000;
    while (stableFor < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (written === last) stableFor++;
      else stableFor = 0;
      last = written;
    }
    assert.equal(stableFor, 5, 'the upstream never stopped writing');
    assert.ok(written < TOTAL, `the upstream wrote all ${TOTAL} bytes to a client that reads nothing: no backpressure`);

    // Reading again resumes the upstream: every byte arrives, in order.
    let received = 0;
    let mismatch: string | null = null;
    const body = res;
    await new Promise<void>((resolve, reject) => {
      body.on('data', (piece: Buffer) => {
        for (let k = 0; k < piece.length && mismatch === null; k += 4096) {
          const at = received + k;
          if (piece[k] !== chunkByte(Math.floor(at / CHUNK))) mismatch = `byte ${at}`;
        }
        received += piece.length;
      });
      body.on('end', resolve);
      body.on('error', reject);
      body.resume();
    });
    assert.equal(mismatch, null);
    assert.equal(received, TOTAL);
  } finally {
    res?.destroy();
    await gw.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});
