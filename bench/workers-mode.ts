// `npm run bench -- --workers-mode`: Portcullis with --workers 1 and --workers 2, same load, side by side:
// requests/s, p99, the gateway process's CPU time per request (utime + stime from /proc/<pid>/stat over the
// timed run, all threads), and startup time (spawn to first answer). Placement is printed: with 2 cores,
// 1 worker is pinned to core 0 (wrk and the upstream on core 1) while 2 workers need both cores, so they share
// core 1 with wrk and the upstream: compare CPU µs/request there, not only req/s.
import { availableParallelism } from 'node:os';
import { makeFixtures, makeWorkDir } from './fixtures.ts';
import { runLoad, type LoadResult, type LoadTool } from './load.ts';
import { busyShare, cpuSeconds } from './machine.ts';
import { PINNING, stopChild } from './processes.ts';
import { startPortcullis, startUpstream } from './targets.ts';
import { verifyGateway } from './verify.ts';

export interface WorkersModeOptions {
  tool: LoadTool;
  connections: number;
  duration: number;
  runs: number;
  warmup: number;
  /** Distinct clients (consumer + token) the load cycles through. */
  tokens: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

interface Measured {
  workers: number;
  unpinned: boolean;
  placement: string;
  startupMs: number;
  runs: (LoadResult & { cpuUsPerRequest: number })[];
}

export async function workersMode(opts: WorkersModeOptions): Promise<number> {
  const cores = availableParallelism();
  const dir = makeWorkDir();
  console.log(`bench --workers-mode: ${opts.tool}, ${opts.connections} connections, ${opts.runs} × ${opts.duration} s per setting, ${cores} cores`);
  const busy = await busyShare();
  if (busy !== null && busy > 0.1)
    console.log(`WARNING: the machine is already ${(busy * 100).toFixed(0)}% busy before the bench starts; expect noisy numbers`);
  const upstream = await startUpstream(dir);
  const fixtures = await makeFixtures(dir, upstream.url);
  // The clients the load cycles through (wrk), one token each, as the main bench.
  const tokens = fixtures.tokens.ES256.slice(0, opts.tokens);
  const token = tokens[0] ?? '';
  const settings = [
    { workers: 1, unpinned: false, placement: PINNING ? 'gateway pinned to core 0; wrk + upstream on core 1' : 'nothing pinned' },
    // The same placement as two workers (everything shares every core): the fair baseline for CPU µs/request,
    // since time-sharing cores with wrk and the upstream costs every thread context switches and cold caches.
    { workers: 1, unpinned: true, placement: `gateway unpinned over all ${cores} cores, sharing them with wrk + upstream (as --workers 2 must)` },
    {
      workers: 2,
      unpinned: true,
      placement:
        cores <= 2
          ? `gateway unpinned over all ${cores} cores: its 2 workers share core 1 with wrk + upstream (no core is free of them)`
          : `gateway unpinned over ${cores} cores`,
    },
  ];
  const measured: Measured[] = [];
  let failed = false;
  for (const setting of settings) {
    const started = performance.now();
    const portcullis = await startPortcullis(fixtures, { workers: setting.workers, unpinned: setting.unpinned });
    const startupMs = performance.now() - started;
    try {
      const pid = portcullis.child.proc.pid;
      if (pid === undefined) throw new Error('the gateway has no pid');
      const problems = await verifyGateway({
        label: `portcullis --workers ${setting.workers}`,
        url: portcullis.url,
        validToken: token,
        forgedToken: fixtures.forgedTokens.ES256,
        outsiderToken: fixtures.outsiderToken,
      });
      if (problems.length > 0) {
        console.error(`pre-flight failed:\n  ${problems.join('\n  ')}`);
        failed = true;
        continue;
      }
      const load = (durationSec: number) =>
        runLoad(opts.tool, { url: portcullis.url, authorizations: tokens.map((t) => `Bearer ${t}`), workDir: dir, connections: opts.connections, durationSec });
      if (opts.warmup > 0) await load(opts.warmup);
      const runs: Measured['runs'] = [];
      for (let i = 0; i < opts.runs; i++) {
        const before = cpuSeconds(pid);
        const result = await load(opts.duration);
        const cpu = (cpuSeconds(pid) ?? NaN) - (before ?? NaN);
        const cpuUsPerRequest = result.requests > 0 ? (cpu * 1e6) / result.requests : NaN;
        if (result.non2xx || result.errors) failed = true;
        runs.push({ ...result, cpuUsPerRequest });
        console.log(
          `--workers ${setting.workers}${setting.unpinned ? ' unpinned' : ''} run ${i + 1}/${opts.runs}: ${Math.round(result.rps)} req/s  p99 ${result.p99Ms.toFixed(2)} ms  ${cpuUsPerRequest.toFixed(1)} CPU µs/request${result.non2xx || result.errors ? `  !! ${result.non2xx} non-2xx, ${result.errors} errors` : ''}`,
        );
      }
      measured.push({ workers: setting.workers, unpinned: setting.unpinned, placement: setting.placement, startupMs, runs });
    } finally {
      await stopChild(portcullis.child);
    }
  }
  await stopChild(upstream.child);

  console.log('\nplacement:');
  for (const m of measured) console.log(`  --workers ${m.workers}${m.unpinned ? ' unpinned' : ''}: ${m.placement}`);
  const base = measured.at(0);
  const baseRps = base ? median(base.runs.map((r) => r.rps)) : NaN;
  console.log('\n| workers | req/s (median) | vs --workers 1 | p99 ms | gateway CPU µs/request | startup ms |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const m of measured) {
    const rps = median(m.runs.map((r) => r.rps));
    console.log(
      `| ${m.workers}${m.unpinned ? ' unpinned' : ''} | ${Math.round(rps)} | ${(rps / baseRps).toFixed(2)}× | ${median(m.runs.map((r) => r.p99Ms)).toFixed(2)} | ${median(m.runs.map((r) => r.cpuUsPerRequest)).toFixed(1)} | ${Math.round(m.startupMs)} |`,
    );
  }
  return failed ? 1 : 0;
}
