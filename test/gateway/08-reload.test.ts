// `kill -HUP` reloads the declarative file in a running gateway process; a file that fails to validate is
// refused and the previous configuration keeps serving.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
let up: TestUpstream;
let proc: ChildProcess;
let base = '';
let file = '';
let logs = '';

const config = (paths: string[]) => `_format_version: "3.0"\nservices:\n  - name: s\n    url: ${up.url}\n    routes:\n${paths.map((p) => `      - paths: [${p}]\n`).join('')}`;

before(async () => {
  up = await startUpstream();
  file = join(await mkdtemp(join(tmpdir(), 'portcullis-reload-')), 'kong.yaml');
  await writeFile(file, config(['/one']));
  proc = spawn(process.execPath, [CLI, 'start', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (c) => (logs += c));
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}${logs}`)), 15_000);
    proc.stdout!.on('data', (c) => {
      out += c;
      logs += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
});

after(async () => {
  proc.kill('SIGTERM');
  await up.close();
});

async function statusOf(path: string): Promise<number> {
  const res = await fetch(`${base}${path}`);
  await res.arrayBuffer();
  return res.status;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen within 5 s`);
}

test('SIGHUP applies a changed file without a restart', async () => {
  assert.equal(await statusOf('/one'), 200);
  assert.equal(await statusOf('/two'), 404);
  await writeFile(file, config(['/two']));
  proc.kill('SIGHUP');
  await eventually(async () => (await statusOf('/two')) === 200, 'the new route');
  assert.equal(await statusOf('/one'), 404);
});

test('a broken file is refused on SIGHUP and the running config keeps serving', async () => {
  await writeFile(file, '_format_version: "3.0"\nservices:\n  - name: s\n    routes: [{ paths: [nope] }]\n');
  proc.kill('SIGHUP');
  await eventually(async () => /reload refused/.test(logs), 'the refusal log line');
  assert.equal(await statusOf('/two'), 200);
});
