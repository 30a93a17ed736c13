// `--workers N|auto` (PORTCULLIS_WORKERS): how many proxy threads a node runs. `auto` is one per core the
// process may use; `1` is the single process as before (no threads at all).
import { availableParallelism } from 'node:os';

/** More threads than this buys nothing but memory (each compiles the whole config). */
export const MAX_WORKERS = 256;

/** The worker count for `value`, or undefined when it is neither `auto` nor an integer from 1 to MAX_WORKERS. */
export function parseWorkerCount(value: string): number | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_WORKERS ? n : undefined;
}
