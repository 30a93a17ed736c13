// Benchmark (not a test): req/s through one Portcullis process for the same route with no auth, key-auth, and
// hmac-auth (HMAC-SHA256 over Date and the request line; the same, plus a Digest-checked 1 KiB POST body).
// Gateway pinned to core 0, upstream and autocannon to core 1, as bench/run.ts does; rounds take every case in
// turn so the machine's drift spreads over all of them, and the table shows medians.
// Run: ./node_modules/.bin/node bench/auth-plugins-bench.ts [--duration S] [--connections N] [--runs N]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, pinned, runMain, spawnChild, waitReady } from './processes.ts';
import { PORTCULLIS_CLI, startUpstream } from './targets.ts';
import { bodyDigest, hmacAuthorization, httpDate } from '../test/plugins/hmac-auth/test-support.ts';

const AUTOCANNON = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));
const SECRET = 'a-shared-hmac-secret-for-the-bench';

interface Case {
  name: string;
  path: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-auth-bench-'));
  const upstream = await startUpstream(dir); // stopped with every other child by runMain
  const config = {
    _format_version: '3.0',
    consumers: [{ username: 'bench', keyauth_credentials: [{ key: 'bench-api-key' }], hmacauth_credentials: [{ username: 'bench', secret: SECRET }] }],
    services: [
      {
        name: 'bench',
        url: upstream.url,
        routes: [
          { name: 'none', paths: ['/none'] },
          { name: 'key', paths: ['/key'], plugins: [{ name: 'key-auth' }] },
          { name: 'hmac', paths: ['/hmac'], plugins: [{ name: 'hmac-auth', config: { clock_skew: 3600, enforce_headers: ['date', 'request-line'] } }] },
          { name: 'hmac-body', paths: ['/hmac-body'], plugins: [{ name: 'hmac-auth', config: { clock_skew: 3600, validate_request_body: true } }] },
        ],
      },
    ],
  };
  const configPath = join(dir, 'portcullis.yaml');
  writeFileSync(configPath, JSON.stringify(config));
  const port = await freePort();
  const gateway = spawnChild(
    'portcullis',
    0,
    process.execPath,
    [PORTCULLIS_CLI, 'start', '--config', configPath, '--listen', `127.0.0.1:${port}`, '--admin-listen', '127.0.0.1:0', '--workers', '1'],
    join(dir, 'portcullis.log'),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitReady(gateway, `${base}/none`);

  const date = httpDate();
  const body = JSON.stringify({ items: 'x'.repeat(1000) });
  const digest = bodyDigest(body);
  const cases: Case[] = [
    { name: 'no auth', path: '/none', headers: {} },
    { name: 'key-auth', path: '/key', headers: { apikey: 'bench-api-key' } },
    {
      name: 'hmac-auth (sha256: date, request-line)',
      path: '/hmac',
      headers: {
        date,
        authorization: hmacAuthorization({ username: 'bench', secret: SECRET, headers: ['date', 'request-line'], values: { date }, uri: '/hmac' }),
      },
    },
    {
      name: 'hmac-auth + Digest, 1 KiB POST',
      path: '/hmac-body',
      method: 'POST',
      body,
      headers: {
        date,
        digest,
        'content-type': 'application/json',
        authorization: hmacAuthorization({ username: 'bench', secret: SECRET, headers: ['date', 'digest'], values: { date, digest } }),
      },
    },
  ];

  // Pre-flight: every case must pass, and a wrong signature must not.
  for (const c of cases) {
    const res = await fetch(`${base}${c.path}`, { method: c.method ?? 'GET', headers: c.headers, body: c.body });
    if (res.status !== 200) throw new Error(`${c.name}: pre-flight answered ${res.status}: ${await res.text()}`);
  }
  const forged = await fetch(`${base}/hmac`, {
    headers: {
      date,
      authorization: hmacAuthorization({ username: 'bench', secret: 'wrong', headers: ['date', 'request-line'], values: { date }, uri: '/hmac' }),
    },
  });
  if (forged.status !== 401) throw new Error(`a forged signature answered ${forged.status}`);

  console.log(`${values.connections} connections, ${values.runs} rounds of ${values.duration} s per case, gateway on core 0 (logs in ${dir})`);
  const results = new Map<Case, { rps: number; p50: number; p99: number; non2xx: number }[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < Number(values.runs); round++) {
    for (const c of cases) {
      const args = [AUTOCANNON, '--json', '-c', values.connections, '-d', values.duration, '-m', c.method ?? 'GET'];
      for (const [name, value] of Object.entries(c.headers)) args.push('-H', `${name}=${value}`);
      if (c.body !== undefined) args.push('-b', c.body);
      const report = JSON.parse(await capture(process.execPath, [...args, `${base}${c.path}`])) as {
        requests: { average: number };
        latency: { p50: number; p99: number };
        non2xx: number;
      };
      results.get(c)?.push({ rps: report.requests.average, p50: report.latency.p50, p99: report.latency.p99, non2xx: report.non2xx });
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  console.log('| case | req/s (median) | req/s per round | p50 ms | p99 ms | non-2xx |\n| --- | --- | --- | --- | --- | --- |');
  for (const [c, runs] of results) {
    const rps = runs.map((r) => Math.round(r.rps));
    console.log(
      `| ${c.name} | ${median([...rps])} | ${rps.join(', ')} | ${median(runs.map((r) => r.p50))} | ${median(runs.map((r) => r.p99))} | ${runs.reduce((sum, r) => sum + r.non2xx, 0)} |`,
    );
  }
  return 0;
}

function capture(command: string, args: string[]): Promise<string> {
  const [cmd, argv] = pinned(1, command, args);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`))));
  });
}

await runMain(main);
