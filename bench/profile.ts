// `node bench/profile.ts`: one gateway under the bench load with --cpu-prof, then its top self-time functions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTop, topSelfTime } from './cpuprofile-top.ts';
import { CONSUMERS_PER_ALG, makeFixtures, makeWorkDir, type Alg } from './fixtures.ts';
import { detectTool, runLoad } from './load.ts';
import { runMain, stopChild } from './processes.ts';
import { startBareHop, startPeer, startPortcullis, startUpstream } from './targets.ts';
import { verifyGateway, verifyUpstream } from './verify.ts';

const PROFILED = ['portcullis', 'portcullis-uncached', 'bare-hop', 'tutorial', 'fast-gateway'];
const USAGE = `usage: node bench/profile.ts [--target ${PROFILED.join('|')}] [--alg HS256|ES256]
                             [--duration S] [--connections N] [--tokens N] [--top N] [--tool wrk|autocannon]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'portcullis' },
      alg: { type: 'string', default: 'HS256' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '64' },
      top: { type: 'string', default: '10' },
      tokens: { type: 'string' },
      tool: { type: 'string' },
    },
  });
  const { target } = values;
  const alg = values.alg as Alg;
  if (!PROFILED.includes(target) || (alg !== 'HS256' && alg !== 'ES256')) {
    console.error(USAGE);
    return 2;
  }
  const tool = detectTool(values.tool);
  const dir = makeWorkDir();
  const profDir = join(dir, 'profile');
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', new URL('./exit-on-signal.ts', import.meta.url).href];

  const upstream = await startUpstream(dir);
  const fixtures = await makeFixtures(dir, upstream.url);
  const gateway = target.startsWith('portcullis')
    ? await startPortcullis(fixtures, { nodeArgs, variant: target === 'portcullis' ? 'cached' : 'uncached' })
    : target === 'bare-hop'
      ? await startBareHop(dir, upstream.url, { nodeArgs })
      : await startPeer(target as 'tutorial' | 'fast-gateway', alg, fixtures, upstream.url, { nodeArgs });
  const clients = values.tokens === undefined ? (tool === 'wrk' ? CONSUMERS_PER_ALG : 1) : Math.max(1, Number(values.tokens));
  const tokens = fixtures.tokens[alg].slice(0, clients);
  const failures =
    target === 'bare-hop'
      ? await verifyUpstream(gateway.url)
      : await verifyGateway({
          label: `${target} ${alg}`,
          url: gateway.url,
          validToken: tokens[0] ?? '',
          forgedToken: fixtures.forgedTokens[alg],
          outsiderToken: target.startsWith('portcullis') ? fixtures.outsiderToken : undefined,
        });
  if (failures.length) {
    console.error(`pre-flight failed:\n  ${failures.join('\n  ')}`);
    return 1;
  }

  const load = {
    url: gateway.url,
    authorizations: tokens.map((t) => `Bearer ${t}`),
    workDir: dir,
    connections: Number(values.connections),
    durationSec: Number(values.duration),
  };
  await runLoad(tool, { ...load, durationSec: 2 });
  const result = await runLoad(tool, load);
  await stopChild(gateway.child);

  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    console.error(`no .cpuprofile was written in ${profDir} (did the gateway exit on SIGTERM?)`);
    return 1;
  }
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  console.log(
    `${target} ${alg} under ${tool} -c${load.connections} for ${load.durationSec} s (plus 2 s warm-up, profiled too): ${Math.round(result.rps)} req/s while profiling`,
  );
  console.log(`profile: ${join(profDir, file)} (open in Chrome DevTools > Performance, or speedscope)\n`);
  console.log(formatTop(topSelfTime(profile, Number(values.top))));
  if (target.startsWith('portcullis')) console.log(`\n${formatTop(topSelfTime(profile, Number(values.top), 'src/'), 'of which in src/')}`);
  return 0;
}

await runMain(main);
