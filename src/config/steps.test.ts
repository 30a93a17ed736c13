// Pausable builds: the sort keeps the native sort's stable order, and a build in slices lets timers run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAtOnce, runInSlices, sortSteps, type Steps } from './steps.ts';

test('sortSteps sorts like the native stable sort, across runs and merges', () => {
  for (const n of [0, 1, 5, 2048, 2049, 10_000]) {
    // Few distinct keys: stability shows in the order of equal ones.
    const items = Array.from({ length: n }, (_, i) => ({ key: (i * 7919) % 13, i }));
    const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;
    assert.deepEqual(runAtOnce(sortSteps(items, byKey)), [...items].sort(byKey), `n=${n}`);
  }
});

test('runInSlices lets the event loop run between slices of a long build', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  function* busy(): Steps<number> {
    const until = performance.now() + 100;
    let steps = 0;
    while (performance.now() < until) {
      steps++;
      yield;
    }
    return steps;
  }
  try {
    const steps = await runInSlices(busy(), 2);
    assert.ok(steps > 0);
    assert.ok(ticks > 0, 'a 1 ms interval fired during a 100 ms build');
  } finally {
    clearInterval(timer);
  }
});
