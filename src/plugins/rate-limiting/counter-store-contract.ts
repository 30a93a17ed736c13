// The behaviour every CounterStore must have, as a suite any store's test file runs against its own factory
// (local now; Redis and cluster stores later), so all stores count alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CounterStore, PeriodLimit } from './counter-store.ts';
import { PERIODS, windowsAt, type Period, type Windows } from './periods.ts';

const limitsOf = (spec: Partial<Record<Period, number>>): PeriodLimit[] =>
  PERIODS.flatMap((period, index) => (spec[period] === undefined ? [] : [{ period, index, limit: spec[period]! }]));

/** The windows at `ms`, copied: a store must read them when called, never keep the shared ones. */
function windowsFor(ms: number): Windows {
  const shared = windowsAt(ms);
  return { starts: shared.starts.slice(), ends: shared.ends.slice() };
}

export function counterStoreContract(name: string, makeStore: () => CounterStore): void {
  const T0 = Date.UTC(2030, 0, 15, 10, 20, 30, 100);

  async function hit(store: CounterStore, id: string, limits: PeriodLimit[], ms: number): Promise<{ refusedBy: number; counts: number[] }> {
    const counts = new Float64Array(limits.length);
    const refusedBy = await store.consume(id, limits, windowsFor(ms), counts);
    return { refusedBy, counts: [...counts] };
  }

  test(`${name}: counts up to the limit, then refuses without counting`, async () => {
    const store = makeStore();
    const limits = limitsOf({ minute: 3 });
    for (let n = 1; n <= 3; n++) assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: -1, counts: [n] });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: 0, counts: [3] });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: 0, counts: [3] });
  });

  test(`${name}: identifiers count apart`, async () => {
    const store = makeStore();
    const limits = limitsOf({ hour: 1 });
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, -1);
    assert.equal((await hit(store, 'b', limits, T0)).refusedBy, -1);
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, 0);
  });

  test(`${name}: all or nothing across periods: a refusal by one period uses up none of the others`, async () => {
    const store = makeStore();
    const limits = limitsOf({ second: 1, hour: 10 });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: -1, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 10), { refusedBy: 0, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 20), { refusedBy: 0, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 1000), { refusedBy: -1, counts: [1, 2] });
  });

  test(`${name}: a new window starts from zero; the longer window keeps counting`, async () => {
    const store = makeStore();
    const limits = limitsOf({ minute: 2, day: 100 });
    await hit(store, 'a', limits, T0);
    await hit(store, 'a', limits, T0);
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, 0);
    assert.deepEqual(await hit(store, 'a', limits, T0 + 60_000), { refusedBy: -1, counts: [1, 3] });
  });

  test(`${name}: month windows follow the calendar`, async () => {
    const store = makeStore();
    const limits = limitsOf({ month: 1 });
    const jan31 = Date.UTC(2030, 0, 31, 23, 59, 59);
    assert.equal((await hit(store, 'a', limits, jan31)).refusedBy, -1);
    assert.equal((await hit(store, 'a', limits, jan31 + 500)).refusedBy, 0);
    assert.equal((await hit(store, 'a', limits, Date.UTC(2030, 1, 1))).refusedBy, -1);
  });
}
