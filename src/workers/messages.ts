// The protocol between the supervisor (main thread) and a proxy worker thread: what each side posts, and the
// type guards each side reads the other's messages through (a message is structured-cloned data, never trusted
// to have a shape because a type says so).
import type { ClientTimeouts } from '../gateway/client-timeouts.ts';
import { DEFAULT_KONG_HEADERS, type KongHeaders } from '../gateway/kong-headers.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { fieldOf } from '../schema/object-node.ts';
import { MessagePort } from 'node:worker_threads';
import { isEntities, isEntitiesDiff, type EntitiesDiff } from './entity-diff.ts';

/** A listener as a worker binds it: TLS material as bytes (cloned into the thread once, at spawn). */
export interface WorkerListen {
  host: string;
  port: number;
  tls?: { cert: Uint8Array; key: Uint8Array };
}

/** workerData: everything a worker needs to compile and serve, fixed for its life. */
export interface WorkerSettings {
  /** 1-based slot; a replacement keeps its predecessor's. */
  id: number;
  nodeId: string;
  logLevel: string;
  listen: WorkerListen[];
  trustedProxies: string[];
  identityHeaders: string[];
  clientTimeouts: ClientTimeouts;
  kongHeaders: KongHeaders;
  jwksAllowPrivate: string[];
  /** Plugin folders beside the bundled one (`--plugin-dir`), loaded by every worker like the main thread. */
  pluginDirs: string[];
  /** Keyring material (database mode), to rebuild the secret codec in the thread. */
  keys: { id: string; key: Uint8Array }[];
  /** Node-wide shared memory by plugin name: the same buffers in every worker, and across restarts. */
  nodeMemory: Map<string, SharedArrayBuffer>;
  /** Database mode: queries go to the main thread's store over this port (one PostgreSQL pool per node). */
  sql: { port: MessagePort; driver: 'pglite' | 'postgres' } | null;
  /** The full config to start with, and its sequence number. */
  entities: ConfigEntities;
  seq: number;
}

export type ToWorker = { type: 'config'; seq: number; diff: EntitiesDiff } | { type: 'stats'; ask: number } | { type: 'stop'; graceMs: number };

export type FromWorker =
  | { type: 'listening'; ports: number[] }
  /** The worker could not start (a port taken...): `code`/`address`/`port` as the bind error carried them. */
  | { type: 'failed'; message: string; code?: string; address?: string; port?: number }
  | { type: 'applied'; seq: number }
  | { type: 'refused'; seq: number; error: string }
  /** Open proxy connections and the thread's JS heap in use (bytes). */
  | { type: 'stats'; ask: number; connections: number; heapUsed: number };

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

export function isFromWorker(m: unknown): m is FromWorker {
  switch (fieldOf(m, 'type')) {
    case 'listening': {
      const ports = fieldOf(m, 'ports');
      return Array.isArray(ports) && ports.every(isNumber);
    }
    case 'failed': {
      const [code, address, port] = [fieldOf(m, 'code'), fieldOf(m, 'address'), fieldOf(m, 'port')];
      return (
        isString(fieldOf(m, 'message')) &&
        (code === undefined || isString(code)) &&
        (address === undefined || isString(address)) &&
        (port === undefined || isNumber(port))
      );
    }
    case 'applied':
      return isNumber(fieldOf(m, 'seq'));
    case 'refused':
      return isNumber(fieldOf(m, 'seq')) && isString(fieldOf(m, 'error'));
    case 'stats':
      return isNumber(fieldOf(m, 'ask')) && isNumber(fieldOf(m, 'connections')) && isNumber(fieldOf(m, 'heapUsed'));
    default:
      return false;
  }
}

export function isToWorker(m: unknown): m is ToWorker {
  switch (fieldOf(m, 'type')) {
    case 'config':
      return isNumber(fieldOf(m, 'seq')) && isEntitiesDiff(fieldOf(m, 'diff'));
    case 'stats':
      return isNumber(fieldOf(m, 'ask'));
    case 'stop':
      return isNumber(fieldOf(m, 'graceMs'));
    default:
      return false;
  }
}

function isListen(v: unknown): v is WorkerListen {
  const tls = fieldOf(v, 'tls');
  return (
    isString(fieldOf(v, 'host')) &&
    isNumber(fieldOf(v, 'port')) &&
    (tls === undefined || (fieldOf(tls, 'cert') instanceof Uint8Array && fieldOf(tls, 'key') instanceof Uint8Array))
  );
}

function isKongHeaders(v: unknown): v is KongHeaders {
  return Object.keys(DEFAULT_KONG_HEADERS).every((k) => typeof fieldOf(v, k) === 'boolean');
}

function isClientTimeouts(v: unknown): v is ClientTimeouts {
  return isNumber(fieldOf(v, 'headerMs')) && isNumber(fieldOf(v, 'bodyMs')) && isNumber(fieldOf(v, 'keepAliveMs'));
}

function isSqlLink(v: unknown): v is WorkerSettings['sql'] {
  if (v === null) return true;
  const driver = fieldOf(v, 'driver');
  return fieldOf(v, 'port') instanceof MessagePort && (driver === 'pglite' || driver === 'postgres');
}

function isNodeMemory(v: unknown): v is Map<string, SharedArrayBuffer> {
  return v instanceof Map && [...v].every(([name, buffer]) => isString(name) && buffer instanceof SharedArrayBuffer);
}

export function isWorkerSettings(v: unknown): v is WorkerSettings {
  const listen = fieldOf(v, 'listen');
  const keys = fieldOf(v, 'keys');
  return (
    isNumber(fieldOf(v, 'id')) &&
    isString(fieldOf(v, 'nodeId')) &&
    isString(fieldOf(v, 'logLevel')) &&
    Array.isArray(listen) &&
    listen.every(isListen) &&
    isStrings(fieldOf(v, 'trustedProxies')) &&
    isStrings(fieldOf(v, 'identityHeaders')) &&
    isClientTimeouts(fieldOf(v, 'clientTimeouts')) &&
    isKongHeaders(fieldOf(v, 'kongHeaders')) &&
    isStrings(fieldOf(v, 'jwksAllowPrivate')) &&
    isStrings(fieldOf(v, 'pluginDirs')) &&
    Array.isArray(keys) &&
    keys.every((k) => isString(fieldOf(k, 'id')) && fieldOf(k, 'key') instanceof Uint8Array) &&
    isNodeMemory(fieldOf(v, 'nodeMemory')) &&
    isSqlLink(fieldOf(v, 'sql')) &&
    isEntities(fieldOf(v, 'entities')) &&
    isNumber(fieldOf(v, 'seq'))
  );
}
