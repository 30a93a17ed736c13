// For the `config` command tests: a real node (database mode on PGlite in a temp folder, as `portcullis start`
// runs it) with an upstream behind it, and the CLI run as a user runs it, in its own process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../src/control-plane/start-node.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { plugins } from '../helpers/gateway.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliNode {
  dir: string;
  up: TestUpstream;
  node: RunningNode;
  adminUrl: string;
  proxyUrl: string;
  token: string;
  /** `portcullis config ARGS --admin-url <this node>`, with PORTCULLIS_ADMIN_TOKEN set unless `env` says otherwise. */
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
  close(): Promise<void>;
}

export async function startCliNode(): Promise<CliNode> {
  const up = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
  const node = await startNode({
    dataDir: join(dir, 'data'),
    listen: [{ host: '127.0.0.1', port: 0 }],
    adminListen: { host: '127.0.0.1', port: 0 },
    env: {},
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    plugins: await plugins(),
  });
  const token = node.adminToken;
  assert.ok(token, 'the first start makes an admin token');
  const adminUrl = `http://127.0.0.1:${node.admin.address().port}`;
  return {
    dir,
    up,
    node,
    adminUrl,
    proxyUrl: `http://127.0.0.1:${node.gateway.addresses()[0]!.port}`,
    token,
    cli: (args, env = { PORTCULLIS_ADMIN_TOKEN: token }) => runCli([...args, '--admin-url', adminUrl], env),
    async close() {
      await node.close();
      await up.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(NODE, ['src/cli/main.ts', 'config', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The decK action lines of an output, key-auth ids (random per run) masked. */
export function actionLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^(creating|updating|deleting) /.test(l))
    .map((l) => l.replace(/key-auth [0-9a-f-]{36}/, 'key-auth <id>'));
}
