// Helpers for tests of `portcullis start --workers N`: many client connections held open (one undici Client is
// one connection), each asked in turn, and the node's per-worker view from GET /status.
import { Client } from 'undici';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCall, startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import type { WorkerInfo } from '../../src/workers/supervisor.ts';

export interface Connections {
  /** Status of GET `path` on every connection, in order. */
  statuses(path: string, headers?: Record<string, string>): Promise<number[]>;
  close(): Promise<void>;
}

/** `count` keep-alive connections to `origin`, each opened by a first request (so the kernel placed it on a worker). */
export async function openConnections(origin: string, count: number, warmPath = '/'): Promise<Connections> {
  const clients = Array.from(
    { length: count },
    () => new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 10_000, bodyTimeout: 10_000 }),
  );
  const ask = async (client: Client, path: string, headers: Record<string, string> = {}) => {
    const res = await client.request({ method: 'GET', path, headers });
    await res.body.dump();
    return res.statusCode;
  };
  const connections: Connections = {
    statuses: (path, headers) => Promise.all(clients.map((c) => ask(c, path, headers))),
    close: async () => {
      await Promise.all(clients.map((c) => c.destroy()));
    },
  };
  try {
    await connections.statuses(warmPath);
  } catch (err) {
    await connections.close();
    throw err;
  }
  return connections;
}

/** One worker as GET /status shows it (the supervisor's own type). */
export type WorkerStatus = WorkerInfo;

/** GET /status: the node's workers and its proxy connection count. */
export async function workerStatus(node: Pick<NodeProcess, 'admin'>, token: string): Promise<{ workers: WorkerStatus[]; proxyConnections: number }> {
  const res = await adminCall(node, token, 'GET', '/status');
  if (res.status !== 200) throw new Error(`GET /status answered ${res.status}`);
  // A single-process node (`--workers 1`) has no worker threads to list.
  return { workers: res.body.workers ?? [], proxyConnections: res.body.server.connections_proxy };
}

/** A DB-less node with worker threads over a file, an upstream for it, and connections held open to its proxy. */
export interface FileNode {
  up: TestUpstream;
  dir: string;
  file: string;
  node: NodeProcess;
  conns: Connections;
  /** Closes the connections, stops the node and the upstream, removes the folder. */
  close(): Promise<void>;
}

/** Starts `--workers 2` on `document(upstream url)` written to a temp file, then opens `connections` warmed on `warmPath`. */
export async function startFileNode(options: {
  document: (upstreamUrl: string) => unknown;
  token: string;
  connections: number;
  warmPath: string;
}): Promise<FileNode> {
  const up = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-workers-'));
  let node: NodeProcess | undefined;
  let conns: Connections | undefined;
  const close = async () => {
    await conns?.close();
    await node?.stop();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = join(dir, 'kong.json');
    await writeFile(file, JSON.stringify(options.document(up.url)));
    node = await startNodeProcess(['--config', file, '--workers', '2'], { PORTCULLIS_ADMIN_TOKEN: options.token });
    conns = await openConnections(node.proxy, options.connections, options.warmPath);
    return { up, dir, file, node, conns, close };
  } catch (err) {
    await close();
    throw err;
  }
}
