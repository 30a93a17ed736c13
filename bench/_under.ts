import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const reqs = Number(process.argv[3]);
const root = new RegExp(process.argv[4]!);
const nodes = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (f: any) => `${f.functionName || '(anon)'} ${f.url.replace(/.*\/(node_modules|src|bench)\//, '$1/')}:${f.lineNumber + 1}`;
const incl = new Map<string, number>(); const self = new Map<string, number>();
for (let i = 0; i < p.samples.length - 1; i++) {
  const us = p.timeDeltas[i + 1];
  let id = p.samples[i];
  const chain: string[] = [];
  while (id !== undefined) { chain.push(key(nodes.get(id).callFrame)); id = parent.get(id)!; }
  const at = chain.findIndex((k) => root.test(k));
  if (at < 0) continue;
  const below = new Set(chain.slice(0, at + 1));
  for (const k of below) incl.set(k, (incl.get(k) ?? 0) + us);
  self.set(chain[0]!, (self.get(chain[0]!) ?? 0) + us);
}
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[5] ?? 50))) console.log((v / reqs).toFixed(2).padStart(7), ((self.get(k) ?? 0) / reqs).toFixed(2).padStart(6), k);
