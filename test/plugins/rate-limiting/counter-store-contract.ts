// The behaviour every CounterStore must have, as a suite any store's test file runs against its own factory
// (local, redis, cluster), so all stores count alike: fixed and sliding windows, all or nothing, exact under
// concurrency.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import type { CounterStore, PeriodLimit } from '../../../src/plugins/rate-limiting/counter-store.ts';
import { PERIODS, copyWindows, windowsAt, type Period } from '../../../src/plugins/rate-limiting/periods.ts';
import { slidingWeights } from '../../../src/plugins/rate-limiting/sliding-window.ts';

const limitsOf = (spec: Partial<Record<Period, number>>): PeriodLimit[] =>
  PERIODS.flatMap((period, index) => (spec[period] === undefined ? [] : [{ period, index, limit: spec[period]! }]));

interface Hit {
  refusedBy: number;
  counts: number[];
  previous?: number[];
}

/**
 * `makeStore` is called once per test; stores of one suite run must not see each other's counts. `skip` (a
 * reason) skips the suite, e.g. when the store's server is not there outside CI.
 */
export function counterStoreContract(name: string, makeStore: () => CounterStore | Promise<CounterStore>, options: { skip?: string | false } = {}): void {
  const T0 = Date.UTC(2030, 0, 15, 10, 20, 30, 100);
  // node:test runs and awaits each test itself: the wrapper hands back nothing to await
  const test = (title: string, fn: () => Promise<void>): void => void nodeTest(title, { skip: options.skip }, fn);

  async function hit(store: CounterStore, id: string, limits: PeriodLimit[], ms: number, sliding = false): Promise<Hit> {
    const counts = new Float64Array(limits.length);
    // The windows at `ms`, copied: a store must read them when called, never keep the shared ones.
    const windows = copyWindows(windowsAt(ms));
    if (!sliding) return { refusedBy: await store.consume(id, limits, windows, counts), counts: [...counts] };
    const s = { weights: slidingWeights(limits, windows, ms, new Float64Array(limits.length)), previous: new Float64Array(limits.length) };
    const refusedBy = await store.consume(id, limits, windows, counts, s);
    return { refusedBy, counts: [...counts], previous: [...s.previous] };
  }

  test(`${name}: counts up to the limit, then refuses without counting`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ minute: 3 });
    for (let n = 1; n <= 3; n++) assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: -1, counts: [n] });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: 0, counts: [3] });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: 0, counts: [3] });
  });

  test(`${name}: identifiers count apart`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ hour: 1 });
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, -1);
    assert.equal((await hit(store, 'b', limits, T0)).refusedBy, -1);
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, 0);
    assert.equal((await hit(store, '\u0000ip:10.0.0.1', limits, T0)).refusedBy, -1, 'any string identifies, NUL included');
    assert.equal((await hit(store, '\u0000ip:10.0.0.1', limits, T0)).refusedBy, 0);
  });

  test(`${name}: all or nothing across periods: a refusal by one period uses up none of the others`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ second: 1, hour: 10 });
    assert.deepEqual(await hit(store, 'a', limits, T0), { refusedBy: -1, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 10), { refusedBy: 0, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 20), { refusedBy: 0, counts: [1, 1] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 1000), { refusedBy: -1, counts: [1, 2] });
  });

  test(`${name}: a new window starts from zero; the longer window keeps counting`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ minute: 2, day: 100 });
    await hit(store, 'a', limits, T0);
    await hit(store, 'a', limits, T0);
    assert.equal((await hit(store, 'a', limits, T0)).refusedBy, 0);
    assert.deepEqual(await hit(store, 'a', limits, T0 + 60_000), { refusedBy: -1, counts: [1, 3] });
  });

  test(`${name}: month windows follow the calendar`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ month: 1 });
    const jan31 = Date.UTC(2030, 0, 31, 23, 59, 59);
    assert.equal((await hit(store, 'a', limits, jan31)).refusedBy, -1);
    assert.equal((await hit(store, 'a', limits, jan31 + 500)).refusedBy, 0);
    assert.equal((await hit(store, 'a', limits, Date.UTC(2030, 1, 1))).refusedBy, -1);
  });

  test(`${name}: exact under concurrency: of 60 simultaneous calls against a limit of 25, exactly 25 count`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ minute: 25, hour: 1000 });
    const results = await Promise.all(Array.from({ length: 60 }, () => hit(store, 'a', limits, T0)));
    const passed = results.filter((r) => r.refusedBy === -1);
    assert.equal(passed.length, 25);
    assert.deepEqual(
      passed.map((r) => r.counts[0] ?? -1).sort((a, b) => a - b),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    assert.ok(results.filter((r) => r.refusedBy !== -1).every((r) => r.refusedBy === 0 && r.counts[0] === 25 && r.counts[1] === 25));
  });

  test(`${name}: sliding: the previous window's count weighs by the part of the current window still to come`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ minute: 10 });
    const before = Date.UTC(2030, 0, 15, 10, 19, 50);
    for (let n = 1; n <= 10; n++) assert.deepEqual(await hit(store, 'a', limits, before, true), { refusedBy: -1, counts: [n], previous: [0] });
    assert.deepEqual(await hit(store, 'a', limits, before, true), { refusedBy: 0, counts: [10], previous: [0] });
    // 10:20:45: a quarter of the minute to come, so floor(10 × 0.25) = 2 of the previous minute still count.
    const at = Date.UTC(2030, 0, 15, 10, 20, 45);
    for (let n = 1; n <= 8; n++) assert.deepEqual(await hit(store, 'a', limits, at, true), { refusedBy: -1, counts: [n], previous: [10] });
    assert.deepEqual(await hit(store, 'a', limits, at, true), { refusedBy: 0, counts: [8], previous: [10] });
    // A window two back counts nothing.
    assert.deepEqual(await hit(store, 'a', limits, at + 120_000, true), { refusedBy: -1, counts: [1], previous: [0] });
  });

  test(`${name}: sliding: early in a window most of the previous one still counts`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ minute: 10 });
    for (let n = 0; n < 10; n++) await hit(store, 'b', limits, Date.UTC(2030, 0, 15, 10, 19, 59), true);
    // 10:20:15: three quarters to come, floor(7.5) = 7 still count: 3 more pass.
    const at = Date.UTC(2030, 0, 15, 10, 20, 15);
    for (let n = 1; n <= 3; n++) assert.equal((await hit(store, 'b', limits, at, true)).refusedBy, -1);
    assert.deepEqual(await hit(store, 'b', limits, at, true), { refusedBy: 0, counts: [3], previous: [10] });
  });

  test(`${name}: sliding: all or nothing across periods, each weighed on its own`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ second: 2, hour: 100 });
    assert.equal((await hit(store, 'a', limits, T0, true)).refusedBy, -1);
    assert.equal((await hit(store, 'a', limits, T0, true)).refusedBy, -1);
    // 100 ms into the next second: floor(2 × 0.9) = 1 still counts, so one more passes.
    assert.deepEqual(await hit(store, 'a', limits, T0 + 1000, true), { refusedBy: -1, counts: [1, 3], previous: [2, 0] });
    assert.deepEqual(await hit(store, 'a', limits, T0 + 1000, true), { refusedBy: 0, counts: [1, 3], previous: [2, 0] });
  });

  test(`${name}: sliding: month weights follow the calendar`, async () => {
    const store = await makeStore();
    const limits = limitsOf({ month: 20 });
    for (let n = 0; n < 20; n++) await hit(store, 'a', limits, Date.UTC(2030, 0, 10), true);
    // 8 February 2030: 21 of February's 28 days to come, floor(20 × 0.75) = 15 still count.
    const feb8 = Date.UTC(2030, 1, 8);
    for (let n = 1; n <= 5; n++) assert.equal((await hit(store, 'a', limits, feb8, true)).refusedBy, -1);
    assert.deepEqual(await hit(store, 'a', limits, feb8, true), { refusedBy: 0, counts: [5], previous: [20] });
  });
}
