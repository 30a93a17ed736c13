// Starts what the bench measures: the upstream on core 1, and Portcullis and the peer gateways each on core 0.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Alg, Fixtures, PortcullisVariant } from './fixtures.ts';
import { freePort, ROOT, spawnChild, waitReady, type Child } from './processes.ts';

export const TARGETS = ['upstream', 'bare-hop', 'portcullis', 'portcullis-uncached', 'tutorial', 'fast-gateway'] as const;
export type TargetName = (typeof TARGETS)[number];

/** One thing to put under load: a target, for one algorithm, at one URL. */
export interface Endpoint {
  target: TargetName;
  alg: Alg | '-';
  url: string;
  child: Child;
  /** The core the target's process is pinned to. */
  core: number;
}

const GATEWAY_CORE = 0;
const UPSTREAM_CORE = 1;
export const PORTCULLIS_CLI = join(ROOT, 'src/cli/main.ts');
const PEER_SCRIPTS = { tutorial: 'bench/peers/tutorial-gateway.ts', 'fast-gateway': 'bench/peers/fast-gateway.ts' } as const;
const BARE_HOP_SCRIPT = 'bench/peers/bare-hop.ts';

export async function startUpstream(logDir: string): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = spawnChild('upstream', UPSTREAM_CORE, process.execPath, ['bench/upstream.ts'], join(logDir, 'upstream.log'), { PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  await waitReady(child, url);
  return { url, child };
}

export interface StartOptions {
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Portcullis only: with or without the jwt plugin's verified-token cache (default: with). */
  variant?: PortcullisVariant;
  /** Portcullis only: proxy worker threads (default 1: one thread, pinned beside its peers on one core). */
  workers?: number;
  /** Portcullis only: run on every core instead of the gateway core (worker threads need more than one). */
  unpinned?: boolean;
}

export async function startPortcullis(fixtures: Fixtures, options: StartOptions = {}): Promise<{ url: string; child: Child }> {
  if (!existsSync(PORTCULLIS_CLI)) {
    throw new Error(`${PORTCULLIS_CLI} does not exist yet; bench the others with --targets upstream,tutorial,fast-gateway`);
  }
  const variant = options.variant ?? 'cached';
  const name = variant === 'cached' ? 'portcullis' : `portcullis-${variant}`;
  const port = await freePort();
  const args = [
    ...(options.nodeArgs ?? []),
    PORTCULLIS_CLI,
    'start',
    '--config',
    fixtures.portcullisConfigs[variant],
    '--listen',
    `127.0.0.1:${port}`,
    '--admin-listen',
    '127.0.0.1:0',
    '--workers',
    String(options.workers ?? 1),
  ];
  const child = spawnChild(name, options.unpinned ? null : GATEWAY_CORE, process.execPath, args, join(fixtures.dir, `${name}-w${options.workers ?? 1}.log`));
  const url = `http://127.0.0.1:${port}/`;
  await waitReady(child, url);
  return { url, child };
}

/** The bare hop: node:http + an undici Pool, no auth; one process serves every algorithm's load alike. */
export async function startBareHop(logDir: string, upstreamUrl: string, options: StartOptions = {}): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const env = { PORT: String(port), UPSTREAM_URL: upstreamUrl.replace(/\/$/, '') };
  const child = spawnChild('bare-hop', GATEWAY_CORE, process.execPath, [...(options.nodeArgs ?? []), BARE_HOP_SCRIPT], join(logDir, 'bare-hop.log'), env);
  const url = `http://127.0.0.1:${port}/`;
  await waitReady(child, url);
  return { url, child };
}

export type PeerName = keyof typeof PEER_SCRIPTS;

export async function startPeer(peer: PeerName, alg: Alg, fixtures: Fixtures, upstreamUrl: string, options: StartOptions = {}): Promise<Endpoint> {
  const port = await freePort();
  const env = { PORT: String(port), UPSTREAM_URL: upstreamUrl.replace(/\/$/, ''), BENCH_ALG: alg, BENCH_KEY: fixtures.keys[alg].key };
  const child = spawnChild(
    `${peer} ${alg}`,
    GATEWAY_CORE,
    process.execPath,
    [...(options.nodeArgs ?? []), PEER_SCRIPTS[peer]],
    join(fixtures.dir, `${peer}-${alg}.log`),
    env,
  );
  const url = `http://127.0.0.1:${port}/`;
  await waitReady(child, url);
  return { target: peer, alg, url, child, core: GATEWAY_CORE };
}

/** Starts every requested target; all stay up for the whole bench so rounds can interleave them. */
export async function startEndpoints(targets: TargetName[], algs: Alg[], fixtures: Fixtures, upstream: { url: string; child: Child }): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  if (targets.includes('upstream')) endpoints.push({ target: 'upstream', alg: '-', url: upstream.url, child: upstream.child, core: UPSTREAM_CORE });
  if (targets.includes('bare-hop')) {
    const bare = await startBareHop(fixtures.dir, upstream.url);
    endpoints.push({ target: 'bare-hop', alg: '-', url: bare.url, child: bare.child, core: GATEWAY_CORE });
  }
  for (const [target, variant] of [
    ['portcullis', 'cached'],
    ['portcullis-uncached', 'uncached'],
  ] as const) {
    if (!targets.includes(target)) continue;
    const portcullis = await startPortcullis(fixtures, { variant });
    for (const alg of algs) endpoints.push({ target, alg, url: portcullis.url, child: portcullis.child, core: GATEWAY_CORE });
  }
  for (const peer of ['tutorial', 'fast-gateway'] as const) {
    if (!targets.includes(peer)) continue;
    for (const alg of algs) endpoints.push(await startPeer(peer, alg, fixtures, upstream.url));
  }
  return endpoints;
}
