import { readFileSync } from 'node:fs';
function load(file: string) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>(); let busy = 0;
  for (let i = 0; i < p.samples.length - 1; i++) {
    const us = p.timeDeltas[i + 1]; let id = p.samples[i];
    if (nodes.get(id).callFrame.functionName === '(idle)') continue;
    const chain: string[] = [];
    let startup = false;
    while (id !== undefined) { const f = nodes.get(id).callFrame; if (/esm\/|amaro|cjs\/loader|src\/cli\/main\.ts/.test(f.url)) startup = true; chain.push(`${f.functionName || '(anon)'} ${f.url.replace(/.*\/(node_modules|src|bench)\//, '$1/').replace('node_modules/undici/lib/', 'u/')}:${f.lineNumber + 1}`); id = parent.get(id)!; }
    if (startup) continue;
    busy += us;
    for (const k of new Set(chain)) incl.set(k, (incl.get(k) ?? 0) + us);
  }
  return { incl, busy };
}
const [a, b] = [load(process.argv[2]!), load(process.argv[3]!)];
const [ua, ub] = [Number(process.argv[4]), Number(process.argv[5])]; // measured µs/req
const filt = new RegExp(process.argv[6] ?? '.');
const keys = new Set([...a.incl.keys(), ...b.incl.keys()].filter((k) => filt.test(k)));
const rows = [...keys].map((k) => [k, ((a.incl.get(k) ?? 0) / a.busy) * ua, ((b.incl.get(k) ?? 0) / b.busy) * ub] as const);
rows.sort((x, y) => Math.max(y[1], y[2]) - Math.max(x[1], x[2]));
for (const [k, x, y] of rows.slice(0, Number(process.argv[7] ?? 60))) console.log(x.toFixed(2).padStart(7), y.toFixed(2).padStart(7), (x - y).toFixed(2).padStart(7), k);
