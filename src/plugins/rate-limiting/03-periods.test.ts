// Fixed windows as Kong aligns them: second..day on the epoch, month and year on UTC calendar boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PERIODS, windowsAt } from './periods.ts';

/** A window bound as ISO text; a missing one (an index past the arrays) shows as such. */
const iso = (ms: number | undefined) => (ms === undefined ? 'missing' : new Date(ms).toISOString());

const at = (instant: string) => {
  const w = windowsAt(Date.parse(instant));
  return Object.fromEntries(PERIODS.map((p, i) => [p, [iso(w.starts[i]), iso(w.ends[i])]]));
};

test("every period's window around an instant, in UTC", () => {
  assert.deepEqual(at('2024-02-29T13:45:12.345Z'), {
    second: ['2024-02-29T13:45:12.000Z', '2024-02-29T13:45:13.000Z'],
    minute: ['2024-02-29T13:45:00.000Z', '2024-02-29T13:46:00.000Z'],
    hour: ['2024-02-29T13:00:00.000Z', '2024-02-29T14:00:00.000Z'],
    day: ['2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    month: ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    year: ['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
  });
});

test('months and years end on the calendar, not after a fixed 30 or 365 days', () => {
  const w = at('2023-12-31T23:59:59.999Z');
  assert.deepEqual(w.month, ['2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
  assert.deepEqual(w.year, ['2023-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
  assert.deepEqual(at('2024-01-01T00:00:00.000Z').year, ['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
});

test('a boundary instant opens the next window; going back in time is recomputed too', () => {
  assert.deepEqual(at('2024-03-10T10:00:00.000Z').hour, ['2024-03-10T10:00:00.000Z', '2024-03-10T11:00:00.000Z']);
  assert.deepEqual(at('2024-03-10T09:59:59.999Z').hour, ['2024-03-10T09:00:00.000Z', '2024-03-10T10:00:00.000Z']);
});

test('the window before and the end of the window after, calendar-aware, for sliding windows', () => {
  const w = windowsAt(Date.parse('2024-01-31T23:59:59.500Z'));
  assert.deepEqual(
    PERIODS.map((_, i) => [iso(w.prevStarts[i]), iso(w.nextEnds[i])]),
    [
      ['2024-01-31T23:59:58.000Z', '2024-02-01T00:00:01.000Z'],
      ['2024-01-31T23:58:00.000Z', '2024-02-01T00:01:00.000Z'],
      ['2024-01-31T22:00:00.000Z', '2024-02-01T01:00:00.000Z'],
      ['2024-01-30T00:00:00.000Z', '2024-02-02T00:00:00.000Z'],
      ['2023-12-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
      ['2023-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ],
  );
});
