// A real `portcullis start` process for tests: spawned with the CLI, ready once its banner names the proxy and
// admin addresses (both bound on port 0), killed when the test file ends however it ends, with helpers to call its
// admin API and proxy.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { spawnTracked } from '../helpers/child-processes.ts';
import type { JsonBody } from '../helpers/json.ts';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface NodeProcess {
  proc: ChildProcess;
  /** `http://127.0.0.1:port` of the proxy. */
  proxy: string;
  /** `http://127.0.0.1:port` of the admin API. */
  admin: string;
  /** The admin token the banner printed, if it printed one. */
  token: string | undefined;
  output(): string;
  /** SIGTERM and wait for the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Readiness is awaited, never assumed: the limit is only a ceiling for a machine so loaded that the first
 * PGlite start takes tens of seconds (it is ready in well under a second on an idle one).
 */
export const START_LIMIT_MS = Number(process.env.TEST_START_LIMIT_MS ?? 120_000);

export async function startNodeProcess(args: readonly string[], env: Record<string, string> = {}, timeoutMs = START_LIMIT_MS): Promise<NodeProcess> {
  const proc = spawnTracked(process.execPath, [CLI, 'start', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORTCULLIS_LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const { proxy, admin } = await new Promise<{ proxy: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // a node that never became ready must not outlive the test
      reject(new Error(`node did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const p = /(?:listening on\s+|gateway \(proxy\)\s+)(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const a = /admin API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (p && a) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve({ proxy: p[1]!, admin: a[1]! });
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    proc,
    proxy,
    admin,
    token: /admin token\s+(pcat_[A-Za-z0-9_-]+)/.exec(out)?.[1],
    output: () => out,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

export interface AdminAnswer {
  status: number;
  body: JsonBody;
}

/** One admin API call with a bearer token; JSON in, JSON (or nothing) out. */
export async function adminCall(node: Pick<NodeProcess, 'admin'>, token: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const res = await fetch(`${node.admin}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function proxyStatus(node: Pick<NodeProcess, 'proxy'>, path: string): Promise<number> {
  const res = await fetch(`${node.proxy}${path}`);
  await res.arrayBuffer();
  return res.status;
}

/** Polls `check` every 10 ms until it holds; returns the milliseconds it took, fails after `limitMs`. */
export async function waitFor(check: () => Promise<boolean>, what: string, limitMs = 10_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what}: not within ${limitMs} ms`);
}
