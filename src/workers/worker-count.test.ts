// `--workers N|auto`: auto is one thread per core the process may use; anything but a whole number from 1 to
// MAX_WORKERS (or auto) is refused, so a typo never starts a node with a surprising count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { MAX_WORKERS, parseWorkerCount } from './worker-count.ts';

test('auto is one worker per available core', () => {
  assert.equal(parseWorkerCount('auto'), Math.min(availableParallelism(), MAX_WORKERS));
  assert.equal(parseWorkerCount(' AUTO '), parseWorkerCount('auto'));
});

test('a whole number from 1 to the cap is taken as is', () => {
  assert.equal(parseWorkerCount('1'), 1);
  assert.equal(parseWorkerCount('4'), 4);
  assert.equal(parseWorkerCount(String(MAX_WORKERS)), MAX_WORKERS);
});

test('anything else is refused', () => {
  for (const bad of ['0', '-1', '1.5', '2x', '', 'all', String(MAX_WORKERS + 1), '1e2']) assert.equal(parseWorkerCount(bad), undefined, bad);
});
