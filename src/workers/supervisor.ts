// The main thread's side of `--workers N`: spawns N proxy threads that all bind the same addresses (SO_REUSEPORT,
// the kernel spreads connections), sends each config to every one of them and resolves only when all have
// swapped it in, replaces a thread that dies (with the config current then, after a backoff), and stops them
// gracefully. The first thread binds alone, so a port 0 is resolved once and the others bind the same port.
import { Worker, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { ListenSpec } from '../gateway/server.ts';
import type { ClientTimeouts } from '../gateway/client-timeouts.ts';
import type { KongHeaders } from '../gateway/kong-headers.ts';
import type { SqlClient } from '../store/sql-client.ts';
import { diffEntities } from './entity-diff.ts';
import { isFromWorker, type FromWorker, type ToWorker, type WorkerListen, type WorkerSettings } from './messages.ts';
import { serveSql } from './sql-bridge.ts';

const WORKER_MAIN = new URL('./worker-main.ts', import.meta.url);
/** A replacement waits this long after a death, doubling per quick death up to the cap: a crash loop must not spin. */
const RESTART_BACKOFF_MS = 100;
const RESTART_BACKOFF_MAX_MS = 5_000;
/** A worker that lived this long before dying starts its successor's backoff afresh. */
const HEALTHY_LIFE_MS = 10_000;
const HEAP_LIMIT_MB = Math.floor(getHeapStatistics().heap_size_limit / 1024 / 1024);
/** How long /status waits for a worker's numbers before counting them as 0 (a busy thread must not hang /status). */
const STATS_ASK_MS = 1_000;
/** How long a config may take to reach every worker before a thread that has not confirmed it is replaced. */
const SERVE_ACK_MS = 30_000;

interface Stats {
  connections: number;
  heapUsed: number;
}
const NO_STATS: Stats = { connections: 0, heapUsed: 0 };

export interface WorkerPoolOptions {
  count: number;
  listen: readonly ListenSpec[];
  trustedProxies: readonly string[];
  identityHeaders: readonly string[];
  clientTimeouts: ClientTimeouts;
  kongHeaders: KongHeaders;
  jwksAllowPrivate: readonly string[];
  pluginDirs: readonly string[];
  /** Keyring material (database mode). */
  keys: readonly { id: string; key: Uint8Array }[];
  /** The store's client (database mode): workers query through it, never a pool of their own. */
  sql: SqlClient | undefined;
  /** Node-wide shared memory by plugin name, made once per node: it outlives every worker. */
  nodeMemory: Map<string, SharedArrayBuffer>;
  nodeId: string;
  logLevel: string;
  logger: Logger;
}

/** One worker as /status shows it. */
export interface WorkerInfo {
  id: number;
  thread_id: number;
  started_at: string;
  restarts: number;
  /** False while a (replacement) thread compiles and binds. */
  listening: boolean;
  connections: number;
  /** The thread's JS heap in use, bytes (0 when it did not answer in time). */
  heap_used: number;
}

export interface WorkerPool {
  addresses(): AddressInfo[];
  /** Sends `entities` to every worker; resolves once every live worker serves them. */
  serve(entities: ConfigEntities): Promise<void>;
  connections(): Promise<number>;
  workers(): Promise<WorkerInfo[]>;
  /** Stops every worker: each stops accepting, lets in-flight requests finish up to `graceMs`, then exits. */
  close(graceMs?: number): Promise<void>;
}

interface Slot {
  id: number;
  worker: Worker | undefined;
  threadId: number;
  startedAt: number;
  restarts: number;
  /** Deaths in a row that came quickly: the backoff's exponent. */
  quickDeaths: number;
  /** Newest config sequence the worker confirmed serving. */
  applied: number;
  listening: boolean;
  closeSql: (() => void) | undefined;
  replies: Map<number, (stats: Stats) => void>;
}

export async function startWorkerPool(initial: ConfigEntities, options: WorkerPoolOptions): Promise<WorkerPool> {
  const { logger } = options;
  let current = { entities: initial, seq: 1 };
  let listen: WorkerListen[] = options.listen.map((spec) => ({ host: spec.host, port: spec.port, tls: spec.tls && tlsBytes(spec.tls) }));
  let addresses: AddressInfo[] = [];
  let closing = false;
  let nextAsk = 0;
  const slots: Slot[] = [];
  const waiters: { seq: number; resolve: () => void }[] = [];
  const restartTimers = new Set<NodeJS.Timeout>();

  /** Resolves the serve() calls every live worker has caught up with (a dead one is no longer waited for). */
  function settle(): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i];
      if (waiter !== undefined && slots.every((s) => s.worker === undefined || s.applied >= waiter.seq)) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  function settings(slot: Slot, sqlPort: MessagePort | undefined): WorkerSettings {
    return {
      id: slot.id,
      nodeId: options.nodeId,
      logLevel: options.logLevel,
      listen,
      trustedProxies: [...options.trustedProxies],
      identityHeaders: [...options.identityHeaders],
      clientTimeouts: options.clientTimeouts,
      kongHeaders: options.kongHeaders,
      jwksAllowPrivate: [...options.jwksAllowPrivate],
      pluginDirs: [...options.pluginDirs],
      keys: options.keys.map((k) => ({ id: k.id, key: k.key })),
      nodeMemory: options.nodeMemory,
      sql: sqlPort === undefined || options.sql === undefined ? null : { port: sqlPort, driver: options.sql.driver },
      entities: current.entities,
      seq: current.seq,
    };
  }

  /** Starts a thread in `slot`; resolves with its bound ports, rejects when it fails to start. */
  function spawn(slot: Slot): Promise<number[]> {
    const link = options.sql === undefined ? undefined : serveSql(options.sql);
    const worker = new Worker(WORKER_MAIN, {
      workerData: settings(slot, link?.port),
      transferList: link === undefined ? [] : [link.port],
      // The thread's own output goes straight to the process's (pino writes to fd 1 itself).
      stdout: false,
      stderr: false,
      // With a limit of its own, a thread out of memory ends alone (ERR_WORKER_OUT_OF_MEMORY) and is replaced;
      // without one V8 would abort the whole process. Same size as this thread's (--max-old-space-size).
      resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB },
    });
    slot.worker = worker;
    slot.threadId = worker.threadId;
    slot.startedAt = Date.now();
    slot.applied = current.seq; // what its workerData holds
    slot.listening = false;
    slot.closeSql =
      link &&
      (() => {
        link.close();
      });
    return new Promise<number[]>((resolve, reject) => {
      let failure: Error | undefined;
      worker.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
        if (m.type === 'listening') {
          slot.listening = true;
          resolve(m.ports);
        } else if (m.type === 'failed') failure = startFailure(m);
        else onMessage(slot, m);
      });
      worker.on('error', (err) => {
        failure ??= err;
        logger.error({ worker: slot.id, thread_id: slot.threadId, err }, 'proxy worker crashed');
      });
      worker.once('exit', (code) => {
        const wasListening = slot.listening;
        slot.worker = undefined;
        slot.listening = false;
        slot.closeSql?.();
        for (const reply of slot.replies.values()) reply(NO_STATS);
        slot.replies.clear();
        settle();
        if (!wasListening) reject(failure ?? new Error(`proxy worker ${slot.id} exited (code ${code}) before it was listening`));
        if (closing) return;
        logger.error({ worker: slot.id, thread_id: slot.threadId, code }, 'proxy worker exited; its in-flight requests are lost, replacing it');
        scheduleRestart(slot);
      });
    });
  }

  function onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'applied') {
      slot.applied = Math.max(slot.applied, m.seq);
      settle();
    } else if (m.type === 'refused') {
      // The main thread built this config; a worker that cannot is out of step: it exits and is replaced with the full set.
      logger.error({ worker: slot.id, seq: m.seq, err: m.error }, 'proxy worker could not build a configuration the main thread built');
    } else if (m.type === 'stats') {
      slot.replies.get(m.ask)?.({ connections: m.connections, heapUsed: m.heapUsed });
      slot.replies.delete(m.ask);
    }
  }

  function scheduleRestart(slot: Slot): void {
    const lived = Date.now() - slot.startedAt;
    slot.quickDeaths = lived >= HEALTHY_LIFE_MS ? 0 : slot.quickDeaths + 1;
    const delay = Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS * 2 ** Math.max(0, slot.quickDeaths - 1));
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (closing) return;
      slot.restarts += 1;
      spawn(slot).then(
        () => {
          logger.info({ worker: slot.id, thread_id: slot.threadId, restarts: slot.restarts }, 'proxy worker replaced');
        },
        (err: unknown) => {
          logger.error({ worker: slot.id, err: err instanceof Error ? err.message : String(err) }, 'replacement proxy worker failed to start');
        },
      );
    }, delay);
    timer.unref();
    restartTimers.add(timer);
  }

  function post(slot: Slot, message: ToWorker): void {
    try {
      slot.worker?.postMessage(message);
    } catch (err) {
      logger.error({ worker: slot.id, err: err instanceof Error ? err.message : String(err) }, 'cannot post to a proxy worker');
    }
  }

  function askStats(slot: Slot): Promise<Stats> {
    if (slot.worker === undefined || !slot.listening) return Promise.resolve(NO_STATS);
    const ask = ++nextAsk;
    return new Promise<Stats>((resolve) => {
      const timer = setTimeout(() => {
        slot.replies.delete(ask);
        resolve(NO_STATS);
      }, STATS_ASK_MS);
      timer.unref();
      slot.replies.set(ask, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      post(slot, { type: 'stats', ask });
    });
  }

  async function close(graceMs = 10_000): Promise<void> {
    closing = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    await Promise.all(
      slots.map(async (slot) => {
        const worker = slot.worker;
        if (worker === undefined) return;
        const exited = new Promise<void>((resolve) =>
          worker.once('exit', () => {
            resolve();
          }),
        );
        post(slot, { type: 'stop', graceMs });
        // A thread stuck past its grace (a busy loop in a plugin) is ended from outside.
        const killer = setTimeout(() => void worker.terminate(), graceMs + 2_000);
        killer.unref();
        await exited;
        clearTimeout(killer);
      }),
    );
    for (const waiter of waiters.splice(0)) waiter.resolve();
  }

  const newSlot = (id: number): Slot => ({
    id,
    worker: undefined,
    threadId: -1,
    startedAt: 0,
    restarts: 0,
    quickDeaths: 0,
    applied: 0,
    listening: false,
    closeSql: undefined,
    replies: new Map(),
  });
  try {
    // With a port 0 the first binds alone: its ports are the ones every other worker binds too. Else all at once.
    const first = newSlot(1);
    slots.push(first);
    const rest = Array.from({ length: options.count - 1 }, (_, i) => newSlot(i + 2));
    if (listen.some((spec) => spec.port === 0)) {
      const ports = await spawn(first);
      listen = listen.map((spec, i) => ({ ...spec, port: ports[i] ?? spec.port }));
      slots.push(...rest);
      await Promise.all(rest.map(spawn));
    } else {
      slots.push(...rest);
      await Promise.all(slots.map(spawn));
    }
    addresses = listen.map((spec) => ({ address: spec.host, family: spec.host.includes(':') ? 'IPv6' : 'IPv4', port: spec.port }));
  } catch (err) {
    await close(0);
    throw err;
  }

  return {
    addresses: () => addresses,
    serve(entities) {
      const seq = current.seq + 1;
      const diff = diffEntities(current.entities, entities);
      current = { entities, seq };
      for (const slot of slots) post(slot, { type: 'config', seq, diff });
      return new Promise<void>((resolve) => {
        // A thread that does not confirm in time (a plugin's busy loop) is ended and replaced with the full set,
        // so an admin write never waits on it forever.
        const straggling = setTimeout(() => {
          for (const slot of slots) {
            if (slot.worker === undefined || slot.applied >= seq) continue;
            logger.error(
              { worker: slot.id, thread_id: slot.threadId, seq },
              `proxy worker did not apply a configuration within ${SERVE_ACK_MS} ms; replacing it`,
            );
            void slot.worker.terminate();
          }
        }, SERVE_ACK_MS);
        straggling.unref();
        waiters.push({
          seq,
          resolve: () => {
            clearTimeout(straggling);
            resolve();
          },
        });
        settle();
      });
    },
    connections: async () => (await Promise.all(slots.map(askStats))).reduce((sum, s) => sum + s.connections, 0),
    workers: async () =>
      Promise.all(
        slots.map(async (slot) => ({
          id: slot.id,
          thread_id: slot.threadId,
          started_at: new Date(slot.startedAt).toISOString(),
          restarts: slot.restarts,
          listening: slot.listening,
          ...statsFields(await askStats(slot)),
        })),
      ),
    close,
  };
}

function tlsBytes(tls: { cert: string | Buffer; key: string | Buffer }): { cert: Uint8Array; key: Uint8Array } {
  return { cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) };
}

/** A worker's start failure as the error a bind would have thrown here (the CLI explains EADDRINUSE from its fields). */
function startFailure(m: Extract<FromWorker, { type: 'failed' }>): Error {
  return Object.assign(new Error(m.message), { code: m.code, address: m.address, port: m.port });
}

function statsFields(stats: Stats): Pick<WorkerInfo, 'connections' | 'heap_used'> {
  return { connections: stats.connections, heap_used: stats.heapUsed };
}
