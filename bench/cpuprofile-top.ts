// Reads a V8 .cpuprofile and lists the functions with the most self time (all, then src/ only): `node bench/cpuprofile-top.ts FILE [N]`.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** file:line (0-based line as V8 reports it, +1 here), or the pseudo-node's name. */
  where: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

const ROOT_URL = new URL('..', import.meta.url).href;

/** `prefix` keeps only functions whose file starts with it (e.g. `src/` for Portcullis's own code). */
export function topSelfTime(profile: CpuProfile, n: number, prefix = ''): { top: SelfTime[]; busyMs: number; idleMs: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  let busyUs = 0;
  let idleUs = 0;
  // Sample i lasts until sample i+1, i.e. timeDeltas[i+1] (how Chrome DevTools attributes it).
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const node = nodes.get(profile.samples[i] ?? -1);
    const us = profile.timeDeltas[i + 1];
    if (node === undefined || us === undefined) throw new Error(`profile sample ${i} names no node or has no duration`);
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = frame.url ? `${frame.url.replace(ROOT_URL, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()]
    .filter((e) => e.where.startsWith(prefix))
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: busyUs ? e.us / busyUs : 0 }));
  return { top, busyMs: busyUs / 1000, idleMs: idleUs / 1000 };
}

export function formatTop(result: ReturnType<typeof topSelfTime>, title = 'self time share of busy time'): string {
  const lines = result.top.map(
    (t, i) =>
      `${String(i + 1).padStart(2)}. ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(6)} ms  ${t.name}${t.where ? `  (${t.where})` : ''}`,
  );
  return [`busy ${result.busyMs.toFixed(0)} ms, idle ${result.idleMs.toFixed(0)} ms; ${title}:`, ...lines].join('\n');
}

if (import.meta.main) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/cpuprofile-top.ts FILE.cpuprofile [N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatTop(topSelfTime(profile, Number(n ?? 10))));
  console.log(`\n${formatTop(topSelfTime(profile, Number(n ?? 10), 'src/'), 'of which in src/')}`);
}
