// GET /status (Kong's shape: database reachability, server and memory stats, plus the config this node serves)
// and GET /status/ready (200 when the node can serve, 503 otherwise) for load balancers and orchestrators.
import { createHash } from 'node:crypto';
import type { Server } from 'node:net';
import type { AdminContext, AdminRequest, AdminRoute } from '../admin-route.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { WorkerInfo } from '../../workers/supervisor.ts';

/** How long /status waits for the database before calling it unreachable (the endpoint must answer). */
const DATABASE_PROBE_MS = 2000;
/** Kong's hash of an empty configuration. */
export const EMPTY_CONFIG_HASH = '0'.repeat(32);

async function databaseReachable(ctx: AdminContext): Promise<boolean> {
  if (ctx.mode === 'db-less' || !('version' in ctx.store)) return true; // Kong: DB-less has nothing to reach
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, DATABASE_PROBE_MS);
    timer.unref();
  });
  try {
    return await Promise.race([
      ctx.store.version().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kong's units (a Map: `?unit=constructor` is no unit, whatever an object literal inherits). */
const UNITS: ReadonlyMap<string, { power: number; name: string }> = new Map([
  ['k', { power: 1, name: 'KiB' }],
  ['m', { power: 2, name: 'MiB' }],
  ['g', { power: 3, name: 'GiB' }],
]);

/** Kong's `bytes_to_str`: bytes as a plain count (unit `b`) or a `KiB`/`MiB`/`GiB` string with `scale` decimals. */
export function bytesToString(bytes: number, unit: string, scale: number): string | number {
  const u = unit.toLowerCase();
  if (u === 'b') return bytes;
  const known = UNITS.get(u);
  if (known === undefined)
    throw new GatewayError('ADMIN_INVALID_QUERY', {
      message: `invalid unit '${unit}' (expected 'k/K', 'm/M', or 'g/G')`,
      fields: { unit: "expected one of 'b', 'k', 'm', 'g'" },
    });
  return `${(bytes / 1024 ** known.power).toFixed(scale)} ${known.name}`;
}

/** `workers`: the proxy's worker threads, each its own JS heap (Kong lists one Lua VM per nginx worker alike). */
function memoryStats(req: AdminRequest, workers: readonly WorkerInfo[] | undefined) {
  const unit = req.query.get('unit') ?? 'm';
  const rawScale = req.query.get('scale');
  const scale = rawScale === null ? 2 : Number(rawScale);
  if (!Number.isInteger(scale) || scale < 0 || scale > 20) {
    throw new GatewayError('ADMIN_INVALID_QUERY', { message: 'scale must be equal or greater than 0', fields: { scale: 'expected an integer from 0 to 20' } });
  }
  const m = process.memoryUsage();
  const fmt = (n: number) => bytesToString(n, unit, scale);
  return {
    // Kong's field, so dashboards written for Kong find a number: each worker thread's JS heap, else the process's.
    workers_lua_vms: workers
      ? workers.map((w) => ({ pid: process.pid, thread_id: w.thread_id, http_allocated_gc: fmt(w.heap_used) }))
      : [{ pid: process.pid, http_allocated_gc: fmt(m.heapUsed) }],
    process: { rss: fmt(m.rss), heap_total: fmt(m.heapTotal), heap_used: fmt(m.heapUsed), external: fmt(m.external), array_buffers: fmt(m.arrayBuffers) },
  };
}

/** Open connections: Kong's `connections_active` counts every listener (proxy and admin), as nginx's does. */
async function serverStats(req: AdminRequest, ctx: AdminContext) {
  const server = (req.raw.socket as { server?: Server }).server;
  const admin = server
    ? await new Promise<number>((resolve) => {
        server.getConnections((err, n) => {
          resolve(err ? 0 : n);
        });
      })
    : 0;
  const proxy = (await ctx.proxyConnections?.()) ?? 0;
  return { connections_active: admin + proxy, connections_proxy: proxy };
}

const hashes = new WeakMap<AdminContext, { key: string; hash: string }>();

/** Kong's `configuration_hash` (DB-less): a digest of the entities served; all zeros when there are none. */
async function configurationHash(ctx: AdminContext): Promise<string> {
  const state = ctx.configState();
  const key = `${state.version}|${state.builtAt}`;
  const cached = hashes.get(ctx);
  if (cached?.key === key) return cached.hash;
  const { entities } = await ctx.store.snapshot();
  const empty = Object.values(entities).every((list: readonly unknown[]) => list.length === 0);
  const hash = empty ? EMPTY_CONFIG_HASH : createHash('sha256').update(JSON.stringify(entities)).digest('hex').slice(0, 32);
  hashes.set(ctx, { key, hash });
  return hash;
}

async function status(req: AdminRequest, ctx: AdminContext) {
  // One entry per proxy worker thread; connections_proxy below is their sum.
  const workers = await ctx.workers?.();
  const memory = memoryStats(req, workers);
  const state = ctx.configState();
  const body: Record<string, unknown> = {
    database: { reachable: await databaseReachable(ctx) },
    server: await serverStats(req, ctx),
    memory,
    configuration: {
      version: state.version,
      built_at: state.builtAt > 0 ? new Date(state.builtAt).toISOString() : null,
      last_error: state.lastError,
    },
    version: ctx.node.version,
    node_id: ctx.node.id,
  };
  if (ctx.mode === 'db-less') body.configuration_hash = await configurationHash(ctx);
  if (workers) body.workers = workers;
  return body;
}

async function ready(ctx: AdminContext): Promise<string[]> {
  const reasons: string[] = [];
  if (!(await databaseReachable(ctx))) reasons.push('database unreachable');
  if (ctx.configState().builtAt <= 0) reasons.push('no configuration built yet');
  return reasons;
}

export const statusRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/status',
    write: false,
    summary: 'health: database reachable, connections, memory (`?unit=`, `?scale=`), config version served',
    handle: async (req, ctx) => ({ status: 200, body: await status(req, ctx) }),
  },
  {
    method: 'GET',
    pattern: '/status/ready',
    write: false,
    summary: 'readiness probe: 200 when the node can serve, 503 with the reasons otherwise',
    handle: async (_req, ctx) => {
      const reasons = await ready(ctx);
      if (reasons.length > 0) throw new GatewayError('ADMIN_NOT_READY', { detail: reasons.join('; ') });
      return { status: 200, body: { message: 'ready' } };
    },
  },
];
