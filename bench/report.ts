// Turns measured runs into the comparison table, as aligned text for the terminal and as markdown for the README.
import type { LoadResult } from './load.ts';

/** One timed run, with the CPU time the measured process spent on it. */
export interface TimedRun extends LoadResult {
  /** The target process's user + system CPU µs per request (null without /proc). */
  cpuUsPerRequest: number | null;
}

export interface Measured {
  /** upstream | bare-hop | portcullis | tutorial | fast-gateway */
  target: string;
  /** '-' for the upstream alone and the bare hop, which authenticate nothing. */
  alg: string;
  runs: TimedRun[];
}

export interface Row {
  target: string;
  alg: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median CPU µs per request of the target's process, NaN when unknown. */
  cpuUs: number;
  /** (max - min) / median of req/s across runs. */
  spread: number;
  /** Any non-2xx response or socket error during the timed runs. */
  suspect: boolean;
}

export const UPSTREAM = 'upstream';
/** The floor of a Node proxy hop (no auth): every gateway's req/s is also given as a share of it. */
export const BARE_HOP = 'bare-hop';
export const PEERS = ['tutorial', 'fast-gateway'] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const at = (i: number) => sorted[i] ?? NaN; // NaN: no runs, a visible hole in the table
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

export function summarise(m: Measured): Row {
  const rps = m.runs.map((r) => r.rps);
  const mid = median(rps);
  return {
    target: m.target,
    alg: m.alg,
    rps: mid,
    p50Ms: median(m.runs.map((r) => r.p50Ms)),
    p99Ms: median(m.runs.map((r) => r.p99Ms)),
    cpuUs: median(m.runs.map((r) => r.cpuUsPerRequest ?? NaN)),
    spread: mid > 0 ? (Math.max(...rps) - Math.min(...rps)) / mid : 0,
    suspect: m.runs.some((r) => r.non2xx > 0 || r.errors > 0),
  };
}

const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '—');

function cells(rows: Row[]): string[][] {
  const upstream = rows.find((r) => r.target === UPSTREAM);
  const bareHop = rows.find((r) => r.target === BARE_HOP);
  const bareCpu = bareHop?.cpuUs;
  const header = [
    'target',
    'alg',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'spread',
    'vs upstream',
    'vs bare-hop',
    'CPU vs bare-hop',
    ...PEERS.map((p) => `vs ${p}`),
  ];
  const body = rows.map((r) => {
    const vsPeers = PEERS.map((peer) => {
      if (r.target === UPSTREAM || r.target === BARE_HOP || r.target === peer) return '—';
      return ratio(r.rps, rows.find((o) => o.target === peer && o.alg === r.alg)?.rps);
    });
    return [
      r.suspect ? `${r.target} (!)` : r.target,
      r.alg,
      Math.round(r.rps).toLocaleString('en-US'),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      Number.isNaN(r.cpuUs) ? '—' : r.cpuUs.toFixed(1),
      `${(r.spread * 100).toFixed(1)}%`,
      r.target === UPSTREAM ? '—' : ratio(r.rps, upstream?.rps),
      r.target === UPSTREAM || r.target === BARE_HOP ? '—' : ratio(r.rps, bareHop?.rps),
      // The bare hop's CPU per request over this row's: the req/s share one core would give, less sensitive to other load.
      r.target === UPSTREAM || r.target === BARE_HOP || bareCpu === undefined || Number.isNaN(bareCpu) || Number.isNaN(r.cpuUs) ? '—' : ratio(bareCpu, r.cpuUs),
      ...vsPeers,
    ];
  });
  return [header, ...body];
}

export function textTable(rows: Row[]): string {
  const [header, ...body] = cells(rows);
  if (header === undefined) return '';
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const [header, ...body] = cells(rows);
  if (header === undefined) return '';
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  const align = `|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [line(header), align, ...body.map(line)].join('\n');
}
