// The demo `npm start` runs, kept at arm's length: its config is a data file read by path, and its example services
// run as programs of their own (`node examples/services/users/users-service.ts`), spawned the way microservices run
// beside a gateway. The CLI imports nothing from examples/, so the demo can change without touching the product.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DemoPorts } from './demo-banner.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url);

/** The demo's declarative config: what `npm start` seeds a new database with. */
export const DEMO_CONFIG = fileURLToPath(new URL('demo/portcullis.yaml', EXAMPLES));

const PROGRAMS: Readonly<Record<keyof DemoPorts, string>> = {
  users: fileURLToPath(new URL('services/users/users-service.ts', EXAMPLES)),
  orders: fileURLToPath(new URL('services/orders/orders-service.ts', EXAMPLES)),
};

/** A loaded machine starts a Node process in well under this; past it the demo has failed, not slowed. */
const READY_LIMIT_MS = 60_000;

/** What a service prints once it listens: the port is read from it (so `0` can pick a free one). */
const LISTENING = / service on http:\/\/127\.0\.0\.1:(\d+)/;

export interface DemoServices {
  /** Where they really listen (a requested 0 replaced by the port picked). */
  ports: DemoPorts;
  /** SIGTERM to each; they also exit by themselves when this process goes (their IPC channel closes). */
  stop(): void;
}

/**
 * Starts both example services and resolves once each has said where it listens. A service that cannot bind
 * rejects like a server of this process would (`code` EADDRINUSE or EACCES, `address`, `port`), so the caller
 * names the port and its flag; `onExit` hears of a service that stops while the demo runs.
 */
export async function startDemoServices(ports: DemoPorts, onExit: (name: string, reason: string) => void): Promise<DemoServices> {
  const names = Object.keys(PROGRAMS) as (keyof DemoPorts)[];
  const started = await Promise.allSettled(names.map((name) => startService(name, ports[name])));
  const children = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value.child] : []));
  const stop = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    stop();
    throw failed.reason;
  }
  let stopping = false;
  for (const [i, child] of children.entries()) {
    const name = names[i] ?? `service ${i}`;
    child.once('exit', (code, signal) => {
      if (!stopping) onExit(name, signal !== null ? `signal ${signal}` : `exit code ${String(code)}`);
    });
    child.on('error', (e) => {
      if (!stopping) onExit(name, e.message);
    });
  }
  const [users = 0, orders = 0] = started.map((r) => (r.status === 'fulfilled' ? r.value.port : 0));
  return {
    ports: { users, orders },
    stop() {
      stopping = true;
      stop();
    },
  };
}

async function startService(name: keyof DemoPorts, port: number): Promise<{ child: ChildProcess; port: number }> {
  // Detached: Ctrl-C reaches the gateway alone, which stops the services itself, in order. The IPC channel is only
  // a lifeline: when this process ends, even by SIGKILL, it closes and the service exits.
  const child = spawn(process.execPath, [PROGRAMS[name]], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error('spawn with piped stdio gave no pipes');
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onOut = (chunk: Buffer) => {
      out += chunk.toString();
      const m = LISTENING.exec(out);
      if (m === null) return;
      settle();
      // Its later output is its own business; stderr (a crash) is worth showing.
      stdout.resume();
      stderr.on('data', (c: Buffer) => process.stderr.write(`portcullis: demo ${name} service: ${c.toString()}`));
      resolve({ child, port: Number(m[1]) });
    };
    const onErr = (chunk: Buffer) => (err += chunk.toString());
    // 'close', not 'exit': the service's last words (the bind error) may still be in the pipe at 'exit'.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      settle();
      const bind = /listen (EADDRINUSE|EACCES)/.exec(err);
      if (bind !== null)
        reject(Object.assign(new Error(`demo ${name} service cannot listen on 127.0.0.1:${port}`), { code: bind[1], address: '127.0.0.1', port }));
      else reject(new Error(`the demo ${name} service stopped (${signal ?? `exit code ${String(code)}`}) before it listened:\n${err.trim()}`));
    };
    const onSpawnError = (e: Error) => {
      settle();
      reject(e);
    };
    const timer = setTimeout(() => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`the demo ${name} service did not listen within ${READY_LIMIT_MS / 1000} s:\n${err.trim()}`));
    }, READY_LIMIT_MS);
    const settle = () => {
      clearTimeout(timer);
      stdout.off('data', onOut);
      stderr.off('data', onErr);
      child.off('close', onClose);
      child.off('error', onSpawnError);
    };
    stdout.on('data', onOut);
    stderr.on('data', onErr);
    child.once('close', onClose);
    child.once('error', onSpawnError);
  });
}
