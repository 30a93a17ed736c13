// The PGlite data folder lock: one process per folder, a crashed process's lock taken over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lockDataDir } from '../../src/store/drivers/data-dir-lock.ts';

const root = await mkdtemp(join(tmpdir(), 'portcullis-lock-'));
after(() => rm(root, { recursive: true, force: true }));

test('refuses a second open in this process until released', () => {
  const dir = join(root, 'a', 'pglite');
  const release = lockDataDir(dir);
  assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
  assert.throws(() => lockDataDir(dir), /already open in this process/);
  release();
  assert.equal(existsSync(`${dir}.lock`), false);
  lockDataDir(dir)();
});

test('refuses a folder another live process holds', () => {
  const dir = join(root, 'b', 'pglite');
  lockDataDir(dir)();
  // process.ppid: alive (it started us) and not us.
  writeFileSync(`${dir}.lock`, String(process.ppid));
  assert.throws(() => lockDataDir(dir), new RegExp(`in use by another portcullis process \\(pid ${process.ppid}\\)`));
});

test('takes over the lock of a process that is gone, or of an earlier run with our own pid', () => {
  const dir = join(root, 'c', 'pglite');
  lockDataDir(dir)();
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(`${dir}.lock`, gone.stdout);
  const release = lockDataDir(dir);
  assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
  release();
  writeFileSync(`${dir}.lock`, String(process.pid));
  lockDataDir(dir)();
});
