// The default a user gets: `portcullis start` with neither --workers nor PORTCULLIS_WORKERS runs one proxy worker
// thread per core. (`npm test` sets PORTCULLIS_WORKERS=1 for every other spawned node, to keep the suite within
// its time budget on 2 cores; the tests in this folder pass --workers where the count matters.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';
import { workerStatus } from './worker-node.ts';

const TOKEN = `pcat_${randomBytes(24).toString('base64url')}`;
let node: NodeProcess | undefined;
let dir: string | undefined;

after(async () => {
  await node?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('without --workers or PORTCULLIS_WORKERS, a node runs one proxy worker thread per core', async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-default-workers-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify({ _format_version: '3.0' }));
  // An empty PORTCULLIS_WORKERS is unset (the CLI reads `env || 'auto'`), whatever the runner's environment says.
  node = await startNodeProcess(['--config', file], { PORTCULLIS_ADMIN_TOKEN: TOKEN, PORTCULLIS_WORKERS: '' });
  const { workers } = await workerStatus(node, TOKEN);
  const cores = availableParallelism();
  // One core: `auto` is the single process of old, which /status shows as no worker threads.
  assert.equal(workers.length, cores > 1 ? cores : 0);
  for (const w of workers) assert.equal(w.listening, true);
});
