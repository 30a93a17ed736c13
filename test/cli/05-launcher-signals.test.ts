// Signals through the launchers a new user runs: `npm run portcullis -- start` and `npx portcullis start`. A
// process manager signals the launcher's pid; the node process must stop with it and release the PGlite lock.
// Also: SIGHUP in database mode says what it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_LIMIT_MS, startNodeProcess } from '../cluster/node-process.ts';
import { spawnTracked } from '../helpers/child-processes.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: () => string, check: () => boolean, timeoutMs = START_LIMIT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `command args… start` on a fresh PGlite folder; resolves once the node serves, with the node's pid (from the lock). */
async function launch(command: string, args: string[]): Promise<{ launcher: ChildProcess; nodePid: number; lock: string; dir: string; output: () => string }> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-signals-'));
  const seed = join(dir, 'seed.yaml');
  await writeFile(seed, '_format_version: "3.0"\n');
  const data = join(dir, 'data');
  const launcher = spawnTracked(command, [...args, 'start', '--data', data, '--seed', seed, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORTCULLIS_LOG_LEVEL: 'info' },
  });
  let out = '';
  launcher.stdout!.on('data', (c) => (out += c));
  launcher.stderr!.on('data', (c) => (out += c));
  const lock = join(data, 'pglite.lock');
  await until(
    () => `the node to serve:\n${out}`,
    () => /listening on/.test(out) || launcher.exitCode !== null,
  );
  assert.equal(launcher.exitCode, null, out);
  const nodePid = Number(readFileSync(lock, 'utf8'));
  assert.ok(nodePid > 0 && nodePid !== launcher.pid, 'the gateway runs in a process of its own under the launcher');
  return { launcher, nodePid, lock, dir, output: () => out };
}

for (const [label, command, args, signal] of [
  ['npm run portcullis, SIGTERM', 'npm', ['run', '-s', 'portcullis', '--'], 'SIGTERM'],
  ['npm run portcullis, SIGINT', 'npm', ['run', '-s', 'portcullis', '--'], 'SIGINT'],
  ['npm run portcullis, SIGHUP (npm dies of it)', 'npm', ['run', '-s', 'portcullis', '--'], 'SIGHUP'],
  ['npx portcullis, SIGTERM', 'npx', ['--offline', 'portcullis'], 'SIGTERM'],
] as const) {
  test(`${label} to the launcher's pid stops the node and releases the PGlite lock`, { timeout: 2 * START_LIMIT_MS }, async () => {
    const run = await launch(command, [...args]);
    try {
      run.launcher.kill(signal);
      await until(
        () => `node pid ${run.nodePid} to exit:\n${run.output()}`,
        () => !alive(run.nodePid),
        30_000,
      );
      await until(
        () => 'the lock file to go',
        () => !existsSync(run.lock),
        5_000,
      );
    } finally {
      if (alive(run.nodePid)) process.kill(run.nodePid, 'SIGKILL');
      run.launcher.kill('SIGKILL');
      await rm(run.dir, { recursive: true, force: true });
    }
  });
}

test('SIGHUP in database mode logs that it checked the store and which version it serves', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-sighup-'));
  const node = await startNodeProcess(['--data', join(dir, 'data'), '--seed', join(ROOT, 'examples/demo/portcullis.yaml')], {}, 90_000);
  try {
    node.proc.kill('SIGHUP');
    await until(
      () => 'the SIGHUP log line',
      () => /SIGHUP in database mode: no file to re-read.*version \d+/.test(node.output()),
      30_000,
    );
    assert.equal(node.proc.exitCode, null, 'SIGHUP does not stop the node');
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
