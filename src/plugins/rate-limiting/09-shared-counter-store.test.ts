// The shared counter store: the counter store contract, then what only shared memory has: instances apart
// and counts kept across store objects (rebuilds, workers), long identifiers, a full group, a dead lock holder.
// Real worker threads hammering one buffer are in 10-shared-counter-threads.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { counterStoreContract } from '../../../test/plugins/rate-limiting/counter-store-contract.ts';
import { CounterTableFull, SharedCounterStore, sharedCounterBytes } from './shared-counter-store.ts';
import { PERIODS, windowsAt } from './periods.ts';

counterStoreContract('shared', () => new SharedCounterStore(new SharedArrayBuffer(sharedCounterBytes(8)), randomUUID()));

const T0 = Date.UTC(2030, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const perHour = (limit: number) => [{ period: 'hour' as const, index: PERIODS.indexOf('hour'), limit }];
const counts = new Float64Array(1);

test('store objects over one buffer share counts per instance id; other instances count apart', () => {
  const memory = new SharedArrayBuffer(sharedCounterBytes(4));
  const [a, b] = [randomUUID(), randomUUID()];
  const first = new SharedCounterStore(memory, a);
  assert.equal(first.remote, false);
  assert.equal(first.consume('client', perHour(2), windowsAt(T0), counts), -1);
  // A rebuilt config, or another worker: a new store object over the same memory.
  const again = new SharedCounterStore(memory, a);
  assert.equal(again.consume('client', perHour(2), windowsAt(T0), counts), -1);
  assert.equal(counts[0], 2);
  assert.equal(again.consume('client', perHour(2), windowsAt(T0), counts), 0);
  const other = new SharedCounterStore(memory, b);
  assert.equal(other.consume('client', perHour(2), windowsAt(T0), counts), -1);
  assert.equal(counts[0], 1);
});

test('identifiers longer than a bucket holds count by their SHA-256: apart from each other, together with themselves', () => {
  const store = new SharedCounterStore(new SharedArrayBuffer(sharedCounterBytes(1)), randomUUID());
  const long = '/a/long/path/'.repeat(10);
  const [x, y] = [`${long}x`, `${long}y`];
  assert.equal(store.consume(x, perHour(2), windowsAt(T0), counts), -1);
  assert.equal(store.consume(y, perHour(2), windowsAt(T0), counts), -1);
  assert.equal(counts[0], 1);
  assert.equal(store.consume(x, perHour(2), windowsAt(T0), counts), -1);
  assert.equal(store.consume(`${long}x`, perHour(2), windowsAt(T0), counts), 0, 'an equal string, not the same object');
  assert.equal(store.consume(y, perHour(2), windowsAt(T0), counts), -1);
  assert.equal(counts[0], 2);
});

test('a full group refuses new identifiers with CounterTableFull, keeps counting known ones, and reuses buckets once expired', () => {
  const store = new SharedCounterStore(new SharedArrayBuffer(sharedCounterBytes(1)), randomUUID());
  let live = 0;
  for (;;) {
    try {
      store.consume(`client-${live}`, perHour(100), windowsAt(T0), counts);
      live++;
    } catch (err) {
      assert.ok(err instanceof CounterTableFull);
      break;
    }
  }
  assert.equal(live, 32, 'one group of 32 buckets');
  assert.throws(() => store.consume('newcomer', perHour(100), windowsAt(T0), counts), CounterTableFull);
  assert.equal(store.consume('client-7', perHour(100), windowsAt(T0 + 1000), counts), -1);
  assert.equal(counts[0], 2, 'a known identifier still counts exactly');
  // The hour is over: every bucket may be reused.
  assert.equal(store.consume('newcomer', perHour(100), windowsAt(T0 + HOUR), counts), -1);
  assert.equal(counts[0], 1);
  assert.equal(store.consume('client-7', perHour(100), windowsAt(T0 + HOUR), counts), -1);
  assert.equal(counts[0], 1, 'its hour is over: it starts afresh');
});

test('a worker one window behind counts in the window another worker has begun, never resetting it', () => {
  const store = new SharedCounterStore(new SharedArrayBuffer(sharedCounterBytes(1)), randomUUID());
  const perSecond = [{ period: 'second' as const, index: 0, limit: 3 }];
  store.consume('a', perSecond, windowsAt(T0 + 1000), counts);
  store.consume('a', perSecond, windowsAt(T0 + 999), counts); // read its clock just before the boundary
  assert.equal(counts[0], 2);
  store.consume('a', perSecond, windowsAt(T0 + 1001), counts);
  assert.equal(store.consume('a', perSecond, windowsAt(T0 + 1002), counts), 0);
  assert.equal(counts[0], 3);
});

test('a lock left held by a dead worker is taken over', () => {
  const memory = new SharedArrayBuffer(sharedCounterBytes(1));
  const store = new SharedCounterStore(memory, randomUUID());
  // The group's lock word (first word after the 64-byte header), as a worker terminated mid-update leaves it.
  Atomics.store(new Int32Array(memory), 16, 12345);
  assert.equal(store.consume('a', perHour(10), windowsAt(T0), counts), -1);
  assert.equal(store.consume('a', perHour(10), windowsAt(T0), counts), -1);
  assert.equal(counts[0], 2);
});
