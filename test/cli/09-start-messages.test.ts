// What `portcullis start` tells a new user: progress while PGlite creates and seeds a new database (the slow first
// start), and, when a port is taken, that port and the flag that sets it (not always the demo's ports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');

function start(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [join(ROOT, 'src/cli/main.ts'), 'start', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORTCULLIS_LOG_LEVEL: 'warn' }, timeout: 180_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
      },
    );
  });
}

async function takenPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

test('a first start says it is creating and seeding the database; a taken port is named with its flag', { timeout: 400_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-start-msg-'));
  const seed = join(dir, 'seed.yaml');
  await writeFile(seed, '_format_version: "3.0"\n');
  const data = join(dir, 'data');
  const taken = await takenPort();
  try {
    const proxy = await start(['--data', data, '--seed', seed, '--listen', `127.0.0.1:${taken.port}`, '--admin-listen', '127.0.0.1:0']);
    assert.equal(proxy.code, 1);
    const lines = proxy.stderr.split('\n').filter((l) => l.startsWith('portcullis: '));
    assert.match(lines[0]!, new RegExp(`^portcullis: creating the database in ${data} \\(first start: PGlite initialises it, a few seconds\\)\\.\\.\\.$`));
    assert.match(lines[1]!, /^portcullis: database created in \d+\.\d s$/);
    assert.equal(lines[2], `portcullis: seeding it from ${seed}...`);
    assert.equal(lines.at(-1), `portcullis: cannot listen on 127.0.0.1:${taken.port} (already in use): stop what holds it, or pick another with --listen`);

    const admin = await start(['--data', data, '--seed', seed, '--listen', '127.0.0.1:0', '--admin-listen', `127.0.0.1:${taken.port}`]);
    assert.equal(admin.code, 1);
    assert.doesNotMatch(admin.stderr, /creating the database/, 'the database exists now');
    assert.match(
      admin.stderr,
      new RegExp(`portcullis: cannot listen on 127\\.0\\.0\\.1:${taken.port} \\(already in use\\): stop what holds it, or pick another with --admin-listen\\n`),
    );
    assert.doesNotMatch(admin.stderr, /3001|3002/);
  } finally {
    taken.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
