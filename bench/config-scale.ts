// Benchmark (not a test): how database mode's per-write work scales with the size of the configuration. For N
// routes it seeds N/10 services (half behind upstreams), N consumers (key-auth + acl each, jwt on every 10th),
// a plugin on every 10th route and a few global ones, then times store.snapshot(), compileConfig, an admin
// write end to end over HTTP, and (on PostgreSQL) how long a second node takes to serve the new route; and
// the heap the compiled config holds.
// With --latency it measures instead what admin writes cost the traffic: a `portcullis start` process on
// PostgreSQL over N routes of --paths-per-route paths each and --consumers consumers (the target: 10,000 routes,
// 100,000 paths, 100,000 consumers), a steady --rate of proxied requests over keep-alive connections
// (autocannon, its own process, latencies corrected for coordinated omission), p50/p99 first without writes,
// then during a back-to-back stream of admin writes (POST /consumers, every 5th a new route), for each of
// --workers (`1`: PORTCULLIS_WORKERS=1, proxy and admin on one event loop; `default`: the node's own choice).
// Run: ./node_modules/.bin/node bench/config-scale.ts [--sizes 100,1000,10000] [--writes 10] [--runs 5]
//      [--stores pglite,postgres] [--profile DIR]
//      ./node_modules/.bin/node bench/config-scale.ts --latency [--sizes 10000] [--paths-per-route 10]
//      [--consumers 100000] [--rate 400] [--duration 20] [--workers 1,default]
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { compileConfig } from '../src/config/compile.ts';
import type { ConfigEntities } from '../src/schema/entity-catalogue.ts';
import { loadDeclarative } from '../src/config/declarative/load-declarative.ts';
import { PersistentState } from '../src/config/persistent-state.ts';
import { insertOps } from '../src/control-plane/seed.ts';
import { startNode, type RunningNode } from '../src/control-plane/start-node.ts';
import { loadPluginRegistry, type PluginRegistry } from '../src/plugins/registry.ts';
import { createSecretCodec } from '../src/secrets/envelope-codec.ts';
import { loadKeyring } from '../src/secrets/keyring.ts';
import type { SecretCodec } from '../src/secrets/secret-codec.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../test/helpers/pg-database.ts';
import { startNodeProcess, type NodeProcess } from '../test/cluster/node-process.ts';
import { pinned } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    writes: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    stores: { type: 'string', default: 'pglite,postgres' },
    /** Write a .cpuprofile of the timed phases (not the seeding) per case into this folder. */
    profile: { type: 'string' },
    /** Measure proxied latency without and during admin writes instead (see the header). */
    latency: { type: 'boolean', default: false },
    'paths-per-route': { type: 'string', default: '1' },
    /** Consumers to seed; default: as many as routes. */
    consumers: { type: 'string' },
    /** Proxied requests per second (steady, across all connections). */
    rate: { type: 'string', default: '400' },
    connections: { type: 'string', default: '8' },
    /** Seconds per load phase. */
    duration: { type: 'string', default: '20' },
    workers: { type: 'string', default: '1,default' },
  },
});
const PATHS_PER_ROUTE = Number(flags['paths-per-route']);
const SIZES = flags.sizes.split(',').map(Number);
const WRITES = Number(flags.writes);
const RUNS = Number(flags.runs);
const STORES = flags.stores.split(',') as ('pglite' | 'postgres')[];
const SEED_BATCH = 5000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const logger = pino({ level: 'silent' });
const SYSTEM = { id: 'system', name: 'bench seed', role: 'admin' as const };

interface Row {
  store: string;
  n: number;
  entities: number;
  seedS: number;
  snapshotMs: number;
  compileMs: number;
  writeMs: number;
  writeP90Ms: number;
  propagationMs: number | null;
  /** From sending the write to node B serving the route (B rebuilds in parallel with A's own rebuild). */
  sentToServedMs: number | null;
  snapshotMb: number;
  compiledMb: number;
}

/**
 * The declarative document for `n` routes (Kong's nested shape): n/10 services, every other one balanced over
 * an upstream of two targets; a plugin on every 10th route; n consumers with a key-auth credential and an acl
 * each, and a jwt credential on every 10th (an encrypted secret); three global plugins.
 */
function configDocument(n: number, upstream: URL, consumerCount = n): Record<string, unknown> {
  const serviceCount = Math.max(1, Math.floor(n / 10));
  const upstreams = Array.from({ length: Math.ceil(serviceCount / 2) }, (_, u) => ({
    name: `upstream-${u}`,
    targets: [
      { target: upstream.host, weight: 100 },
      { target: `localhost:${upstream.port}`, weight: 50 },
    ],
  }));
  const services = Array.from({ length: serviceCount }, (_, s) => ({
    name: `svc-${s}`,
    url: s % 2 === 0 ? `http://upstream-${s / 2}` : upstream.href,
    routes: [] as unknown[],
  }));
  const routePlugins = [
    { name: 'key-auth', config: {} },
    { name: 'acl', config: { allow: ['group-1'] } },
    { name: 'rate-limiting', config: { minute: 1_000_000, policy: 'local' } },
    { name: 'cors', config: {} },
  ];
  for (let r = 0; r < n; r++) {
    const route: Record<string, unknown> = { name: `route-${r}`, paths: routePaths(`r${r}`) };
    if (r % 10 === 0) route.plugins = [routePlugins[(r / 10) % routePlugins.length]];
    const service = services[r % services.length];
    if (service === undefined) throw new Error('no services to attach routes to');
    service.routes.push(route);
  }
  const consumers = Array.from({ length: consumerCount }, (_, c) => ({
    username: `consumer-${c}`,
    keyauth_credentials: [{ key: `key-${c}-${randomBytes(6).toString('hex')}` }],
    acls: [{ group: `group-${c % 10}` }],
    ...(c % 10 === 0 ? { jwt_secrets: [{ key: `issuer-${c}`, algorithm: 'HS256' }] } : {}),
  }));
  const plugins = [
    { name: 'correlation-id', config: {} },
    { name: 'request-size-limiting', config: {} },
    { name: 'rate-limiting', config: { hour: 1_000_000_000, policy: 'local' } },
  ];
  return { _format_version: '3.0', services, upstreams, consumers, plugins };
}

/** One path (`/r/<n>`) or --paths-per-route of them, each its own first segment's (`/<name>/p<j>`). */
function routePaths(name: string): string[] {
  if (PATHS_PER_ROUTE === 1) return [`/${name.slice(0, 1)}/${name.slice(1)}`];
  return Array.from({ length: PATHS_PER_ROUTE }, (_, j) => `/${name}/p${j}`);
}

/** Writes the document in batches of inserts (no whole-config check: the bench checks it once, below). */
async function seed(store: Store, entities: ConfigEntities): Promise<number> {
  const ops = insertOps(entities);
  for (let i = 0; i < ops.length; i += SEED_BATCH) await store.write(ops.slice(i, i + SEED_BATCH), { actor: SYSTEM, requestId: 'bench-seed' });
  return ops.length;
}

/** The sorted values' `i`th; NaN (a visible hole in the report) when there are none. */
function sortedAt(s: readonly number[], i: number): number {
  return s[i] ?? NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? sortedAt(s, (s.length - 1) / 2) : (sortedAt(s, s.length / 2 - 1) + sortedAt(s, s.length / 2)) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return sortedAt(s, Math.min(s.length - 1, Math.ceil(p * s.length) - 1));
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function startUpstream(): Promise<Server> {
  const body = Buffer.from('{"ok":true}');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

/** Milliseconds until `url` stops answering 404 (the route exists there), polling back to back. */
async function untilServed(url: string, limitMs = 30_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < limitMs) {
    if ((await status(url)) !== 404) return performance.now() - t0;
  }
  throw new Error(`${url} still 404 after ${limitMs} ms`);
}

/** The inspector's CPU profiler over this process (node A's work and the bench's own), for --profile. */
function cpuProfiler(dir: string) {
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    async stop(name: string): Promise<string> {
      const { profile } = await session.post('Profiler.stop');
      const file = join(dir, `config-scale-${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}

async function runCase(kind: 'pglite' | 'postgres', n: number, plugins: PluginRegistry, upstream: URL): Promise<Row> {
  const env = { ...process.env, PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64'), PORTCULLIS_LOG_LEVEL: 'warn' };
  const codec: SecretCodec = createSecretCodec(loadKeyring({ env }));
  let dir: string | undefined;
  let db: TestDatabase | undefined;
  let nodeA: RunningNode | undefined;
  let nodeB: NodeProcess | undefined;
  const profiler = flags.profile === undefined ? undefined : cpuProfiler(flags.profile);
  try {
    if (kind === 'pglite') dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-'));
    else db = await createTestDatabase('portcullis_b');
    const where = { databaseUrl: db?.url, dataDir: dir };

    // Seed, then time the read and the compile on a store of the bench's own.
    const entities = loadDeclarative(configDocument(n, upstream), plugins);
    const store = await openStore({ ...where, codec, plugins, logger });
    let snapshotMs: number, compileMs: number, snapshotMb: number, compiledMb: number, count: number, seedS: number;
    try {
      [seedS, count] = await timed(() => seed(store, entities));
      seedS /= 1000;
      await profiler?.start();
      await store.snapshot(); // warm-up
      const snaps: number[] = [];
      for (let i = 0; i < RUNS; i++) snaps.push((await timed(() => store.snapshot()))[0]);
      snapshotMs = median(snaps);

      // Heap held: several copies kept at once, divided (one stale reference from an await frame skews a single one).
      const copies = 3;
      const before = heapUsed();
      const snapshots: Awaited<ReturnType<Store['snapshot']>>[] = [];
      for (let i = 0; i < copies; i++) snapshots.push(await store.snapshot());
      snapshotMb = (heapUsed() - before) / copies / 2 ** 20;
      const snapshot = snapshots[0];
      if (snapshot === undefined) throw new Error('no snapshot taken');
      snapshots.length = 1;
      const compile = async () => {
        const state = new PersistentState();
        const config = await compileConfig(snapshot.entities, plugins, state, logger, { codec, sql: store.sql });
        return { config, state };
      };
      (await compile()).state.dispose(); // warm-up
      const compiles: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const [ms, built] = await timed(compile);
        compiles.push(ms);
        built.state.dispose();
      }
      compileMs = median(compiles);
      const base = heapUsed();
      const built: Awaited<ReturnType<typeof compile>>[] = [];
      for (let i = 0; i < copies; i++) built.push(await compile());
      compiledMb = (heapUsed() - base) / copies / 2 ** 20;
      for (const b of built) b.state.dispose();
    } finally {
      await store.close();
    }

    // A node as `portcullis start` runs it, and on PostgreSQL a second one in its own process.
    nodeA = await startNode({ ...where, listen: [{ host: '127.0.0.1', port: 0 }], adminListen: { host: '127.0.0.1', port: 0 }, env, logger });
    const admin = `http://127.0.0.1:${nodeA.admin.address().port}`;
    const [listenerA] = nodeA.gateway.addresses();
    if (listenerA === undefined) throw new Error('node A has no proxy listener');
    const proxyA = `http://127.0.0.1:${listenerA.port}`;
    const { token } = await nodeA.store!.adminTokens.create('bench', 'admin', SYSTEM);
    if (db) nodeB = await startNodeProcess(['--database-url', db.url], env, 120_000);

    const writes: number[] = [];
    const propagation: number[] = [];
    const sentToServed: number[] = [];
    for (let i = 0; i <= WRITES; i++) {
      const path = `/new/${i}`;
      const [ms, res] = await timed(() =>
        fetch(`${admin}/services/svc-${i % Math.max(1, Math.floor(n / 10))}/routes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `new-${i}`, paths: [path] }),
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      );
      if (res.status !== 201) throw new Error(`write ${i}: ${res.status} ${res.text}`);
      const onB = nodeB ? await untilServed(`${nodeB.proxy}${path}`) : null;
      if ((await status(`${proxyA}${path}`)) !== 200) throw new Error(`node A does not serve ${path} after the write's answer`);
      if (i === 0) continue; // warm-up
      writes.push(ms);
      if (onB !== null) {
        propagation.push(onB);
        sentToServed.push(ms + onB);
      }
    }
    if (profiler) console.log(`cpu profile: ${await profiler.stop(`${kind}-${n}`)}`);
    return {
      store: kind,
      n,
      entities: count,
      seedS,
      snapshotMs,
      compileMs,
      snapshotMb,
      compiledMb,
      writeMs: median(writes),
      writeP90Ms: percentile(writes, 0.9),
      propagationMs: propagation.length ? median(propagation) : null,
      sentToServedMs: sentToServed.length ? median(sentToServed) : null,
    };
  } finally {
    await nodeB?.stop();
    await nodeA?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function printTable(rows: Row[]): void {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  console.log(
    '\n| store | routes | entities | seed s | snapshot ms | compile ms | write ms (median / p90) | node B: after answer / after send ms | snapshot MB | compiled MB |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.store} | ${r.n.toLocaleString('en-US')} | ${r.entities.toLocaleString('en-US')} | ${r.seedS.toFixed(1)} | ${f(r.snapshotMs)} | ${f(r.compileMs)} | ${f(r.writeMs)} / ${f(r.writeP90Ms)} | ${r.propagationMs === null ? '—' : `${f(r.propagationMs)} / ${f(r.sentToServedMs!)}`} | ${r.snapshotMb.toFixed(1)} | ${r.compiledMb.toFixed(1)} |`,
    );
  }
}

interface LatencyRow {
  workers: string;
  n: number;
  paths: number;
  consumers: number;
  seedS: number;
  quiet: LoadReport;
  busy: LoadReport;
  writes: number;
  writeMs: number;
  writeP90Ms: number;
}

interface LoadReport {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Non-2xx answers, errors and timeouts: any at all voids the run. */
  failures: number;
}

const AUTOCANNON = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

/** A steady `rate` of GETs over keep-alive connections from an autocannon process of its own (core 1 when pinned). */
function steadyLoad(url: string, durationSec: number): Promise<LoadReport> {
  const args = [AUTOCANNON, '--json', '-c', flags.connections, '-R', flags.rate, '-d', String(durationSec), url];
  const [cmd, argv] = pinned(1, process.execPath, args);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}:\n${err || out}`));
      const report = JSON.parse(out) as {
        requests: { total: number };
        latency: { p50: number; p99: number; max: number };
        non2xx: number;
        errors: number;
        timeouts: number;
      };
      resolve({
        p50Ms: report.latency.p50,
        p99Ms: report.latency.p99,
        maxMs: report.latency.max,
        requests: report.requests.total,
        failures: report.non2xx + report.errors + report.timeouts,
      });
    });
  });
}

async function runLatencyCase(n: number, consumerCount: number, workers: string, plugins: PluginRegistry, upstream: URL): Promise<LatencyRow> {
  const env = { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64'), PORTCULLIS_LOG_LEVEL: 'warn' };
  const codec: SecretCodec = createSecretCodec(loadKeyring({ env }));
  const db = await createTestDatabase('portcullis_b');
  let node: NodeProcess | undefined;
  try {
    const entities = loadDeclarative(configDocument(n, upstream, consumerCount), plugins);
    const store = await openStore({ databaseUrl: db.url, codec, plugins, logger });
    let seedS: number;
    let token: string;
    try {
      seedS = (await timed(() => seed(store, entities)))[0] / 1000;
      token = (await store.adminTokens.create('bench', 'admin', SYSTEM)).token;
    } finally {
      await store.close();
    }
    const workerEnv: Record<string, string> = workers === 'default' ? {} : { PORTCULLIS_WORKERS: workers };
    // --profile: the node writes a .cpuprofile of its whole run (seeding is done by then) when it stops.
    const profileEnv: Record<string, string> = flags.profile === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${flags.profile}` };
    node = await startNodeProcess(['--database-url', db.url], { ...env, ...workerEnv, ...profileEnv }, 600_000);
    const target = `${node.proxy}/r1/p1`;
    for (let i = 0; i < 200; i++) if ((await status(target)) !== 200) throw new Error(`${target} does not answer 200`);
    const duration = Number(flags.duration);
    const quiet = await steadyLoad(target, duration);

    const admin = node.admin;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const services = Math.max(1, Math.floor(n / 10));
    const load = steadyLoad(target, duration);
    const writes: number[] = [];
    let loading = true;
    void load.finally(() => (loading = false)).catch(() => undefined);
    for (let i = 0; loading; i++) {
      const write =
        i % 5 === 4
          ? { url: `${admin}/services/svc-${i % services}/routes`, body: { name: `written-${i}`, paths: routePaths(`w${i}`) } }
          : { url: `${admin}/consumers`, body: { username: `written-${i}` } };
      const [ms, res] = await timed(() =>
        fetch(write.url, { method: 'POST', headers, body: JSON.stringify(write.body) }).then(async (r) => ({ status: r.status, text: await r.text() })),
      );
      if (res.status !== 201) throw new Error(`write ${i}: ${res.status} ${res.text}`);
      writes.push(ms);
    }
    const busy = await load;
    return {
      workers,
      n,
      paths: n * PATHS_PER_ROUTE,
      consumers: consumerCount,
      seedS,
      quiet,
      busy,
      writes: writes.length,
      writeMs: median(writes),
      writeP90Ms: percentile(writes, 0.9),
    };
  } finally {
    await node?.stop();
    await db.drop();
  }
}

function printLatencyTable(rows: LatencyRow[]): void {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  console.log(
    `\n| workers | routes | paths | consumers | proxied p50 / p99 / max ms, no writes | same during writes | p99 delta ms | writes (median / p90 ms) | failed requests |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const q = r.quiet;
    const b = r.busy;
    console.log(
      `| ${r.workers} | ${r.n.toLocaleString('en-US')} | ${r.paths.toLocaleString('en-US')} | ${r.consumers.toLocaleString('en-US')} | ${f(q.p50Ms)} / ${f(q.p99Ms)} / ${f(q.maxMs)} | ${f(b.p50Ms)} / ${f(b.p99Ms)} / ${f(b.maxMs)} | ${f(b.p99Ms - q.p99Ms)} | ${r.writes} (${f(r.writeMs)} / ${f(r.writeP90Ms)}) | ${q.failures + b.failures} |`,
    );
  }
}

const plugins = await loadPluginRegistry();
const upstream = await startUpstream();
const upstreamUrl = new URL(`http://127.0.0.1:${(upstream.address() as { port: number }).port}/`);
const stores = [...STORES];
if (stores.includes('postgres')) {
  const skip = await postgresSkip();
  if (skip) {
    console.log(`postgres: ${skip}`);
    stores.splice(stores.indexOf('postgres'), 1);
  }
}
const rows: Row[] = [];
const latencyRows: LatencyRow[] = [];
try {
  if (flags.latency) {
    if (!stores.includes('postgres')) throw new Error('--latency runs on PostgreSQL (127.0.0.1:5432), which is not reachable');
    for (const n of SIZES) {
      for (const workers of flags.workers.split(',')) {
        const row = await runLatencyCase(n, Number(flags.consumers ?? n), workers, plugins, upstreamUrl);
        latencyRows.push(row);
        console.log(
          `workers=${workers} n=${n}: seeded in ${row.seedS.toFixed(1)} s; p99 ${row.quiet.p99Ms} ms without writes, ${row.busy.p99Ms} ms during ${row.writes} writes`,
        );
      }
    }
  }
  for (const n of flags.latency ? [] : SIZES) {
    for (const kind of stores) {
      const row = await runCase(kind, n, plugins, upstreamUrl);
      rows.push(row);
      console.log(
        `${kind} n=${n}: seeded ${row.entities} entities in ${row.seedS.toFixed(1)} s; snapshot ${row.snapshotMs.toFixed(1)} ms, compile ${row.compileMs.toFixed(1)} ms, write ${row.writeMs.toFixed(1)} ms, propagation ${row.propagationMs?.toFixed(1) ?? '—'} ms`,
      );
    }
  }
} finally {
  upstream.close();
}
if (flags.latency) printLatencyTable(latencyRows);
else printTable(rows);
