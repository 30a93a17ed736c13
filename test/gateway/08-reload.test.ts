// `kill -HUP` reloads the declarative file in a running gateway process; a file that fails to validate is
// refused and the previous configuration keeps serving.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startNodeProcess, waitFor, type NodeProcess } from '../cluster/node-process.ts';

let up: TestUpstream;
let node: NodeProcess;
let base = '';
let file = '';

const config = (paths: string[]) =>
  `_format_version: "3.0"\nservices:\n  - name: s\n    url: ${up.url}\n    routes:\n${paths.map((p) => `      - paths: [${p}]\n`).join('')}`;

before(async () => {
  up = await startUpstream();
  file = join(await mkdtemp(join(tmpdir(), 'portcullis-reload-')), 'kong.yaml');
  await writeFile(file, config(['/one']));
  node = await startNodeProcess(['--config', file]);
  base = node.proxy;
});

after(async () => {
  await node.stop();
  await up.close();
});

async function statusOf(path: string): Promise<number> {
  const res = await fetch(`${base}${path}`);
  await res.arrayBuffer();
  return res.status;
}

test('SIGHUP applies a changed file without a restart', async () => {
  assert.equal(await statusOf('/one'), 200);
  assert.equal(await statusOf('/two'), 404);
  await writeFile(file, config(['/two']));
  node.proc.kill('SIGHUP');
  await waitFor(async () => (await statusOf('/two')) === 200, 'the new route');
  assert.equal(await statusOf('/one'), 404);
});

test('a broken file is refused on SIGHUP and the running config keeps serving', async () => {
  await writeFile(file, '_format_version: "3.0"\nservices:\n  - name: s\n    routes: [{ paths: [nope] }]\n');
  node.proc.kill('SIGHUP');
  await waitFor(async () => /reload refused/.test(node.output()), 'the refusal log line');
  assert.equal(await statusOf('/two'), 200);
});
