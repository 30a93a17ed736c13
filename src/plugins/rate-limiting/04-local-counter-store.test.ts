// The local counter store: the shared store contract, plus what keeps its memory bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterStoreContract } from '../../../test/plugins/rate-limiting/counter-store-contract.ts';
import { LocalCounterStore } from './local-counter-store.ts';
import { PERIODS, windowsAt } from './periods.ts';

counterStoreContract('local', () => new LocalCounterStore());

const T0 = Date.UTC(2030, 5, 1, 12, 0, 0);
const perMinute = [{ period: 'minute' as const, index: PERIODS.indexOf('minute'), limit: 100 }];
const counts = new Float64Array(1);

test('answers synchronously, so a check and its increment can never interleave', () => {
  const store = new LocalCounterStore();
  assert.equal(store.remote, false);
  assert.equal(typeof store.consume('a', perMinute, windowsAt(T0), counts), 'number');
});

test('buckets whose windows are all over are swept', () => {
  const store = new LocalCounterStore({ sweepIntervalMs: 1000 });
  for (let i = 0; i < 50; i++) store.consume(`client-${i}`, perMinute, windowsAt(T0), counts);
  assert.equal(store.size, 50);
  store.consume('late', perMinute, windowsAt(T0 + 30_000), counts); // same minute: nothing expired
  assert.equal(store.size, 51);
  store.consume('later', perMinute, windowsAt(T0 + 60_000), counts); // the minute is over: all 51 go
  assert.equal(store.size, 1);
});

test('past maxBuckets the oldest identifiers are dropped, so memory stays bounded under a flood', () => {
  const store = new LocalCounterStore({ maxBuckets: 100 });
  for (let i = 0; i < 1000; i++) store.consume(`flood-${i}`, perMinute, windowsAt(T0), counts);
  assert.ok(store.size <= 100, `size ${store.size}`);
  store.consume('flood-999', perMinute, windowsAt(T0), counts);
  assert.equal(counts[0], 2, 'recent identifiers keep their counts');
});

test('a sliding bucket is kept while its count still weighs on the next window', () => {
  const store = new LocalCounterStore({ sweepIntervalMs: 1000 });
  const sliding = { weights: new Float64Array(1), previous: new Float64Array(1) };
  store.consume('a', perMinute, windowsAt(T0), counts, sliding);
  store.consume('b', perMinute, windowsAt(T0 + 60_000), counts); // next minute: 'a' still weighs there
  assert.equal(store.size, 2);
  store.consume('c', perMinute, windowsAt(T0 + 120_000), counts); // two minutes on: 'a' and 'b' are gone
  assert.equal(store.size, 1);
});
