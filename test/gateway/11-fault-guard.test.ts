// The last-resort guard of `portcullis start`: an exception escaping a request's timer or promise is logged with
// its request id and ends that connection only; the process keeps serving. One outside any request still ends it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { openRaw } from '../helpers/slow-client.ts';
import { START_LIMIT_MS, waitFor } from '../cluster/node-process.ts';
import { spawnTracked } from '../helpers/child-processes.ts';

const SCRIPT = new URL('../fixtures/fault-guard-node.ts', import.meta.url).pathname;
let up: TestUpstream;
let proc: ChildProcess;
let port: number;
let out = '';

before(async () => {
  up = await startUpstream();
  proc = spawnTracked(process.execPath, [SCRIPT, up.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  await waitFor(async () => /ready \d+/.test(out) || proc.exitCode !== null, 'the gateway process is ready', START_LIMIT_MS);
  port = Number(/ready (\d+)/.exec(out)?.[1]);
  assert.ok(port > 0, out);
});

after(async () => {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await once(proc, 'exit');
  }
  await up.close();
});

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

test('a throw in a request timer or an unawaited rejection ends that connection, logged with the request id', async () => {
  for (const path of ['/bug/timer', '/bug/promise']) {
    const c = await openRaw(port);
    c.socket.write(get(path));
    await c.closed;
    assert.equal(c.status(), null, `${path}: the faulty request gets no answer, its connection is closed`);
    assert.equal(proc.exitCode, null, `${path}: the process is still running:\n${out}`);
    assert.equal((await rawRequest(port, get('/ok'))).status, 200);
  }
  const faults = out.split('\n').filter((l) => l.includes('fault on the request path'));
  assert.equal(faults.length, 2, out);
  for (const line of faults) assert.match(JSON.parse(line).request_id, /\S/);
});

test('an exception outside any request still ends the process (a control-plane bug is not swallowed)', async () => {
  proc.kill('SIGUSR2');
  const [code] = await once(proc, 'exit');
  assert.equal(code, 1);
  assert.match(out, /outside the request path/);
});
