// Load generation from a separate process pinned to core 1: wrk when installed, else autocannon (a dev dependency).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './processes.ts';

export type LoadTool = 'wrk' | 'autocannon';

export interface LoadOptions {
  url: string;
  /** Full Authorization header values, e.g. `Bearer eyJ...`: requests cycle through them (wrk only for more than one). */
  authorizations: readonly string[];
  /** Where the wrk script that cycles them is written. */
  workDir: string;
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses outside 2xx/3xx: any at all means the gateway refused traffic and the numbers are void. */
  non2xx: number;
  /** Connect/read/write errors and timeouts. */
  errors: number;
}

const LOAD_CORE = 1;
const AUTOCANNON = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

export function detectTool(preferred?: string): LoadTool {
  const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
  if (preferred === 'wrk' && !hasWrk) throw new Error('--tool wrk asked for, but wrk is not installed (apt-get install -y wrk)');
  if (preferred === 'autocannon') return 'autocannon';
  return hasWrk ? 'wrk' : 'autocannon';
}

export async function runLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(options) : runAutocannon(options);
}

async function runWrk({ url, authorizations, workDir, connections, durationSec }: LoadOptions): Promise<LoadResult> {
  const auth = authorizations.length === 1 ? ['-H', `Authorization: ${authorizations[0] ?? ''}`] : ['-s', cyclingScript(authorizations, workDir)];
  const args = ['-t1', `-c${connections}`, `-d${durationSec}s`, '--latency', ...auth, url];
  const out = await capture('wrk', args);
  const number = (re: RegExp, what: string) => {
    const m = re.exec(out);
    if (!m) throw new Error(`could not read ${what} from wrk output:\n${out}`);
    return m;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(number(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    p50Ms: toMs(number(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m, 'p50')),
    p99Ms: toMs(number(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m, 'p99')),
    requests: Number(number(/(\d+) requests in/, 'request count')[1]),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/**
 * A wrk script sending the next Authorization value with each request. The requests are formatted once in init,
 * so wrk (which shares its core with the upstream) spends no more per request than with a fixed header.
 */
function cyclingScript(authorizations: readonly string[], workDir: string): string {
  const values = authorizations.map((a) => {
    if (!/^[\w .~+/=-]+$/.test(a)) throw new Error(`unexpected characters in an Authorization value: ${a.slice(0, 40)}`);
    return `"${a}"`;
  });
  const script = `local values = { ${values.join(', ')} }
local requests = {}
local i = 0
function init(args)
  for k, v in ipairs(values) do requests[k] = wrk.format(nil, nil, { ["Authorization"] = v }) end
end
function request()
  i = i % #requests + 1
  return requests[i]
end
`;
  const path = join(workDir, `wrk-${createHash('sha256').update(script).digest('hex').slice(0, 12)}.lua`);
  writeFileSync(path, script);
  return path;
}

function toMs(m: RegExpExecArray): number {
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}

async function runAutocannon({ url, authorizations, connections, durationSec }: LoadOptions): Promise<LoadResult> {
  const [authorization, ...more] = authorizations;
  if (authorization === undefined || more.length > 0) throw new Error('autocannon sends one token: cycling tokens needs wrk, or --tokens 1');
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(durationSec), '-H', `authorization=${authorization}`, url];
  const report = JSON.parse(await capture(process.execPath, args)) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    rps: report.requests.average,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    requests: report.requests.total,
    non2xx: report.non2xx,
    errors: report.errors + report.timeouts,
  };
}

function capture(command: string, args: string[]): Promise<string> {
  const [cmd, argv] = pinned(LOAD_CORE, command, args);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${code}:\n${err || out}`));
    });
  });
}
