// Child processes for the bench: free ports, CPU pinning with taskset, readiness polling and clean shutdown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Last output lines, shown when the child fails to start or dies. */
  output(): string;
}

/** Repository root: children run from here, as `npm run` would run them. */
export const ROOT = new URL('..', import.meta.url).pathname;

const children = new Set<Child>();

/** Cores are pinned only when taskset exists and there are at least two cores to split. */
export const PINNING = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('could not allocate a port');
  return address.port;
}

/** Command line pinned to one core with taskset (or unpinned, when pinning is unavailable). */
export function pinned(core: number | null, command: string, args: string[]): [string, string[]] {
  return PINNING && core !== null ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/**
 * Output goes to `logPath`, not a pipe: a gateway that logs every request must not make the bench process
 * (which is not pinned) compete for CPU while it reads that pipe.
 */
export function spawnChild(name: string, core: number | null, command: string, args: string[], logPath: string, env: Record<string, string> = {}): Child {
  const [cmd, argv] = pinned(core, command, args);
  const fd = openSync(logPath, 'a');
  const proc = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const child: Child = { name, proc, output: () => readFileSync(logPath, 'utf8').slice(-4000) };
  children.add(child);
  proc.on('exit', () => children.delete(child));
  return child;
}

/** Resolves once the server answers any HTTP status on `url`; rejects if the child exits or time runs out. */
export async function waitReady(child: Child, url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before serving:\n${child.output()}`);
    }
    if (await answers(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} did not serve ${url} within ${timeoutMs} ms:\n${child.output()}`);
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
    child.proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.proc.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

/** Runs a bench entry point, always stopping every child it started, then exits with its code. */
export async function runMain(main: () => Promise<number>): Promise<never> {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
  } finally {
    await stopAll();
  }
  process.exit(code);
}
