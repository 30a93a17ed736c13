// `npm run bench`: Portcullis vs the upstream alone vs two common Node gateways, same load, side by side.
import { parseArgs } from 'node:util';
import { ALGS, CONSUMERS_PER_ALG, makeFixtures, makeWorkDir, type Alg } from './fixtures.ts';
import { detectTool, runLoad } from './load.ts';
import { busyShare, cpuSeconds, watchCore } from './machine.ts';
import { PINNING, runMain, stopAll } from './processes.ts';
import { markdownTable, summarise, textTable, type TimedRun } from './report.ts';
import { startEndpoints, startUpstream, TARGETS, type Endpoint, type TargetName } from './targets.ts';
import { verifyGateway, verifyUpstream } from './verify.ts';
import { workersMode } from './workers-mode.ts';

const USAGE = `usage: npm run bench -- [options]
  --duration S      seconds per timed run (default 10)
  --connections N   keep-alive connections (default 64)
  --runs N          timed runs per target; the median is reported (default 3)
  --warmup S        seconds of untimed load per target first (default 2)
  --rewarm S        seconds of untimed load right before each timed run (default 1; 0: none)
  --quick           one 5 s run per target (same as --runs 1 --duration 5)
  --tool T          wrk | autocannon (default: wrk if installed)
  --targets LIST    comma list of ${TARGETS.join(',')} (default all)
  --algs LIST       comma list of ${ALGS.join(',')} (default both)
  --workers-mode    instead: Portcullis with --workers 1 and 2 (req/s, CPU µs/request, startup, placement)
  --tokens N        distinct clients (consumer + token) the load cycles through, 1 to ${CONSUMERS_PER_ALG} (default ${CONSUMERS_PER_ALG} with wrk, 1 with autocannon)`;

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '64' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      rewarm: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      tool: { type: 'string' },
      targets: { type: 'string', default: TARGETS.join(',') },
      algs: { type: 'string', default: ALGS.join(',') },
      'workers-mode': { type: 'boolean', default: false },
      tokens: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}\n${USAGE}`);
    return n;
  };
  const list = <T extends string>(name: string, raw: string, allowed: readonly T[]) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length || !items.length) throw new Error(`--${name}: unknown ${bad.join(',') || '(empty)'}\n${USAGE}`);
    return items as T[];
  };
  const tool = detectTool(values.tool);
  return {
    duration: values.quick ? 5 : positive('duration', values.duration),
    connections: positive('connections', values.connections),
    runs: values.quick ? 1 : positive('runs', values.runs),
    warmup: Number(values.warmup),
    rewarm: Number(values.rewarm),
    tool,
    targets: list<TargetName>('targets', values.targets, TARGETS),
    algs: list<Alg>('algs', values.algs, ALGS),
    workersMode: values['workers-mode'],
    // autocannon sends one fixed request: without wrk the load replays one token unless told otherwise.
    tokens: values.tokens === undefined ? (tool === 'wrk' ? CONSUMERS_PER_ALG : 1) : Math.min(positive('tokens', values.tokens), CONSUMERS_PER_ALG),
  };
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.workersMode) return workersMode(opts);
  const dir = makeWorkDir();
  console.log(
    `bench: ${opts.tool}, ${opts.connections} connections, ${opts.tokens} client token(s) per algorithm, ${opts.runs} × ${opts.duration} s per target after ${opts.warmup} s warm-up`,
  );
  console.log(
    PINNING ? 'pinning: gateways on core 0; upstream and load generator on core 1' : 'WARNING: taskset or a second core is missing, nothing is pinned',
  );
  console.log(`work dir (config, logs): ${dir}`);
  const busy = await busyShare();
  if (busy !== null && busy > 0.1) {
    console.log(`WARNING: the machine is already ${(busy * 100).toFixed(0)}% busy before the bench starts; expect noisy numbers (see the spread column)`);
  }

  const upstream = await startUpstream(dir);
  const fixtures = await makeFixtures(dir, upstream.url);
  const endpoints = await startEndpoints(opts.targets, opts.algs, fixtures, upstream);
  // The upstream and the bare hop authenticate nothing; they get the HS256 clients' requests, byte for byte.
  const tokens = (e: Endpoint) => fixtures.tokens[e.alg === '-' ? 'HS256' : e.alg].slice(0, opts.tokens);
  const token = (e: Endpoint) => tokens(e)[0] ?? '';

  const failures: string[] = [];
  for (const e of endpoints) {
    const label = `${e.target} ${e.alg}`;
    failures.push(
      ...(e.target === 'upstream' || e.target === 'bare-hop'
        ? await verifyUpstream(e.url)
        : await verifyGateway({
            label,
            url: e.url,
            validToken: token(e),
            forgedToken: fixtures.forgedTokens[e.alg as Alg],
            outsiderToken: e.target.startsWith('portcullis') ? fixtures.outsiderToken : undefined,
          })),
    );
  }
  if (failures.length) {
    console.error(`pre-flight failed, nothing was timed:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('pre-flight ok: every gateway answers 401 without a token or with a forged one, 200 with a valid one;');
  console.log('  Portcullis also 403 for a consumer outside the ACL group, and sends rate-limit headers');

  const load = (e: Endpoint, durationSec: number) =>
    runLoad(opts.tool, {
      url: e.url,
      authorizations: tokens(e).map((t) => `Bearer ${t}`),
      workDir: dir,
      connections: opts.connections,
      durationSec,
    });
  if (opts.warmup > 0) for (const e of endpoints) await load(e, opts.warmup);

  // Rounds interleave the targets so slow drift of the machine spreads over all of them alike.
  const runs = new Map<Endpoint, TimedRun[]>(endpoints.map((e) => [e, []]));
  let worstForeign = 0;
  for (let round = 1; round <= opts.runs; round++) {
    for (const e of endpoints) {
      // The upstream shares core 1 with the load generator by design, so only gateway cores are watched.
      // A process that sat idle while the others ran started its next run dearer (one Portcullis process serves
      // both algorithms, and the first-listed one looked slower): untimed load first, so every run starts warm.
      if (opts.rewarm > 0) await load(e, opts.rewarm);
      const watch = PINNING && e.target !== 'upstream' ? watchCore(e.core, e.child.proc.pid) : null;
      const cpuBefore = cpuSeconds(e.child.proc.pid);
      const loaded = await load(e, opts.duration);
      const cpuAfter = cpuSeconds(e.child.proc.pid);
      const foreign = watch?.stop() ?? null;
      const cpuUsPerRequest = cpuBefore === null || cpuAfter === null || loaded.requests === 0 ? null : ((cpuAfter - cpuBefore) * 1e6) / loaded.requests;
      const result: TimedRun = { ...loaded, cpuUsPerRequest };
      if (foreign !== null) worstForeign = Math.max(worstForeign, foreign);
      runs.get(e)!.push(result);
      const flag = result.non2xx || result.errors ? `  !! ${result.non2xx} non-2xx, ${result.errors} socket errors` : '';
      const other = foreign === null ? '' : `  others on core ${e.core}: ${(foreign * 100).toFixed(0)}%`;
      const cpu = cpuUsPerRequest === null ? '' : `  ${cpuUsPerRequest.toFixed(1)} CPU µs/req`;
      console.log(
        `round ${round}/${opts.runs}  ${`${e.target} ${e.alg}`.padEnd(26)} ${Math.round(result.rps).toString().padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms${cpu}${other}${flag}`,
      );
    }
  }

  const rows = endpoints.map((e) => summarise({ target: e.target, alg: e.alg, runs: runs.get(e)! }));
  console.log(`\n${textTable(rows)}\n`);
  const suspect = rows.some((r) => r.suspect);
  if (suspect) console.log('(!) = some responses were not 2xx or sockets failed during timed runs: those numbers are not valid\n');
  if (worstForeign > 0.05) {
    console.log(`WARNING: other processes took up to ${(worstForeign * 100).toFixed(0)}% of a measured core during a run; rerun on a quiet machine\n`);
  }
  const tool = opts.tool === 'wrk' ? `wrk -t1 -c${opts.connections}` : `autocannon -c ${opts.connections}`;
  console.log(`Markdown (${tool}, ${opts.tokens} token(s) per algorithm, ${opts.runs} × ${opts.duration} s, median of req/s, p50, p99, CPU µs/req):\n`);
  console.log(markdownTable(rows));
  return suspect ? 1 : 0;
}

process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});
await runMain(main);
