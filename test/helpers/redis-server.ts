// Redis for tests: whether the shared one (127.0.0.1:6379) is there — required when CI=true — and private
// redis-server processes on random ports for tests that must stop, kill or restart one (never the shared one).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';
import { spawnTracked } from './child-processes.ts';
import { skipUnlessCi } from './required-on-ci.ts';

export const SHARED_REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * Resolves to a skip reason when the shared Redis cannot be reached, or false when it can. With CI=true a
 * missing Redis is an error: the tests that need it must fail, not skip.
 */
export async function sharedRedisSkip(): Promise<string | false> {
  if (await answersPing(SHARED_REDIS.port)) return false;
  return skipUnlessCi(`Redis not reachable at ${SHARED_REDIS.host}:${SHARED_REDIS.port}`);
}

/** Whether `redis-server` can be started (required when CI=true). */
export async function redisServerSkip(): Promise<string | false> {
  const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(() => [-1])])) as [number];
  if (code === 0) return false;
  return skipUnlessCi('redis-server is not installed');
}

export interface PrivateRedis {
  port: number;
  /** SIGKILL, as a crash: no goodbye to clients. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port, persisting nothing. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await launch(port);
  const kill = async () => {
    if (child === null) return;
    const c = child;
    child = null;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }
  };
  return {
    port,
    kill,
    restart: async () => {
      await kill();
      child = await launch(port);
    },
    stop: kill,
  };
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawnTracked('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  child.on('error', () => {});
  for (let i = 0; i < 200; i++) {
    if (await answersPing(port)) return child;
    if (child.exitCode !== null) break;
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/** PING over a raw socket: no client library state involved. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
