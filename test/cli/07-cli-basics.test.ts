// The first commands a new user types: help and version, and `token mint` (quick, from the database or a file,
// never longer-lived than the jwt plugin's maximum_expiration allows). Each run as its own process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify, decodeJwt } from 'jose';
import { pino } from 'pino';
import { startNode } from '../../src/control-plane/start-node.ts';
import { plugins } from '../helpers/gateway.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const TRACE = join(ROOT, 'test/cli/fixtures/trace-heavy-imports.mjs');
const DB_SECRET = 'db-only-secret-0123456789abcdef0123';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function portcullis(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      NODE,
      ['--import', TRACE, join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '', ...opts.env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Math.round(performance.now() - started) });
      },
    );
  });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-basics-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--version, -v and version print the package version; --help, -h and help print the usage on stdout', async () => {
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const arg of ['--version', '-v', 'version']) {
    const run = await portcullis([arg]);
    assert.deepEqual([run.code, run.stdout], [0, `portcullis ${version}\n`], arg);
  }
  for (const arg of ['--help', '-h', 'help']) {
    const run = await portcullis([arg]);
    assert.equal(run.code, 0, arg);
    assert.match(run.stdout, /^usage: portcullis <command>/);
    assert.match(run.stdout, /token mint CONSUMER/);
  }
  // Names an object literal inherits (the command table was one) are no commands either.
  for (const name of ['frobnicate', 'constructor', 'toString']) {
    const unknown = await portcullis([name]);
    assert.equal(unknown.code, 2, name);
    assert.match(unknown.stderr, new RegExp(`^unknown command: ${name}`));
  }
});

test('token mint from a file loads neither PGlite nor the plugin registry, and caps --ttl at maximum_expiration', async () => {
  const demo = await readFile(join(ROOT, 'examples/demo/portcullis.yaml'), 'utf8');
  const secret = /key: web-app\s+algorithm: HS256\s+secret: (\S+)/.exec(demo)![1];
  const run = await portcullis(['token', 'mint', 'web-app'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /HEAVY-IMPORT/, 'a mint from a file loads only what it needs');
  const claims = decodeJwt(run.stdout.trim());
  assert.equal(claims.exp! - claims.iat!, 300);
  assert.equal(claims.iss, 'web-app');
  process.stdout.write(`# token mint (demo file): ${run.ms} ms\n`);

  const long = await portcullis(['token', 'mint', 'web-app', '--ttl', '7200'], { cwd: dir });
  assert.equal(long.code, 0, long.stderr);
  assert.match(
    long.stderr,
    /--ttl 7200 is more than the jwt plugin \(global\) at plugins\[\d+\]\.config\.maximum_expiration allows \(3600 s\): the token lives 3600 s/,
  );
  const capped = decodeJwt(long.stdout.trim());
  assert.equal(capped.exp! - capped.iat!, 3600);
  await jwtVerify(long.stdout.trim(), new TextEncoder().encode(secret), { issuer: 'web-app' });
});

test(
  'token mint reads the credential and maximum_expiration from the database; while a node holds the PGlite folder it says so',
  { timeout: 300_000 },
  async () => {
    const data = join(dir, 'data');
    const seed = join(dir, 'seed.yaml');
    await writeFile(
      seed,
      `_format_version: "3.0"
plugins:
  - name: jwt
    config: { maximum_expiration: 120, claims_to_verify: [exp] }
consumers:
  - username: db-only
    jwt_secrets:
      - key: db-only-issuer
        secret: ${DB_SECRET}
`,
    );
    const node = await startNode({
      dataDir: data,
      seedFile: seed,
      listen: [{ host: '127.0.0.1', port: 0 }],
      adminListen: { host: '127.0.0.1', port: 0 },
      env: {},
      logger: pino({ level: 'silent' }),
      plugins: await plugins(),
    });
    try {
      // Held by a running node: --data names the folder, so the answer is a refusal naming the holder.
      const held = await portcullis(['token', 'mint', 'db-only', '--data', data]);
      assert.equal(held.code, 1);
      assert.match(held.stderr, /is in use by a running portcullis node \(pid \d+\): pass --config FILE/);
      // The default ./data held (the demo running): the demo file's credential, said on stderr.
      const fallback = await portcullis(['token', 'mint', 'web-app'], { cwd: dir });
      assert.equal(fallback.code, 0, fallback.stderr);
      assert.match(fallback.stderr, /is held by the running node \(pid \d+\); signing with the demo file's credential/);
    } finally {
      await node.close();
    }
    const run = await portcullis(['token', 'mint', 'db-only', '--data', data]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /the default ttl is more than the jwt plugin \(global\) [0-9a-f-]{36} allows \(120 s\): the token lives 120 s/);
    const { payload } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(DB_SECRET), { issuer: 'db-only-issuer' });
    assert.equal(payload.exp! - payload.iat!, 120);
    assert.equal(payload.sub, 'db-only');
    process.stdout.write(`# token mint (PGlite database): ${run.ms} ms\n`);

    const absent = await portcullis(['token', 'mint', 'web-app', '--data', data]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /no consumer 'web-app' in the database/);
  },
);
