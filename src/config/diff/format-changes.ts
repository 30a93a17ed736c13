// decK's diff/sync output: `creating service users`, `updating route users  { … }` with the entity printed
// field by field (` ` unchanged, `-` live value, `+` wanted value), `deleting consumer acme`, then a summary.
// Works on the comparable forms only, so secrets cannot be printed.
import { summarize, type Change } from './diff-entities.ts';

type Json = Record<string, unknown>;

export function formatChange(change: Change): string {
  const head = `${change.action === 'create' ? 'creating' : change.action === 'update' ? 'updating' : 'deleting'} ${change.kindLabel} ${change.label}`;
  if (change.action !== 'update') return `${head}\n`;
  const before = { id: change.id, ...change.before };
  const after = { id: change.id, ...change.after };
  return `${head}  {\n${objectLines(before, after, 1).join('\n')}\n }\n`;
}

export function formatSummary(changes: readonly Change[]): string {
  const s = summarize(changes);
  return `Summary:\n  Created: ${s.created}\n  Updated: ${s.updated}\n  Deleted: ${s.deleted}\n`;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function objectLines(a: Json, b: Json, depth: number): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  keys.forEach((key, i) => {
    const inA = Object.hasOwn(a, key);
    const inB = Object.hasOwn(b, key);
    // Each version of a member ends with a comma unless it is the object's last member, as in JSON.
    const groups: string[][] = [];
    if (inA && inB && JSON.stringify(a[key]) === JSON.stringify(b[key])) groups.push(valueLines(' ', depth, key, a[key]));
    else if (inA && inB && isObject(a[key]) && isObject(b[key])) {
      groups.push([`${pad(' ', depth)}${JSON.stringify(key)}: {`, ...objectLines(a[key], b[key], depth + 1), `${pad(' ', depth)}}`]);
    } else {
      if (inA) groups.push(valueLines('-', depth, key, a[key]));
      if (inB) groups.push(valueLines('+', depth, key, b[key]));
    }
    for (const group of groups) {
      const last = group.pop();
      if (last !== undefined) group.push(i < keys.length - 1 ? `${last},` : last);
      lines.push(...group);
    }
  });
  return lines;
}

function valueLines(marker: string, depth: number, key: string, value: unknown): string[] {
  const text = JSON.stringify(value, null, 2).split('\n');
  return text.map((line, i) => `${pad(marker, depth)}${i === 0 ? `${JSON.stringify(key)}: ` : ''}${line}`);
}

function pad(marker: string, depth: number): string {
  return `${marker}${'  '.repeat(depth)}`;
}
