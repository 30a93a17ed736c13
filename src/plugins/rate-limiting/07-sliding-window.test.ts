// The sliding-window estimate, its weights, and what the headers promise from it: remaining requests from the
// estimate, RateLimit-Reset / Retry-After no earlier than a request would pass again; then a sliding limit
// over real sockets.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { PeriodLimit } from './counter-store.ts';
import { ClientHeaders } from './client-headers.ts';
import { PERIODS, copyWindows, windowsAt } from './periods.ts';
import { slidingUsed, slidingWaitMs, slidingWeights } from './sliding-window.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

const MINUTE = PERIODS.indexOf('minute');
const limit = (period: (typeof PERIODS)[number], n: number): PeriodLimit => ({ period, index: PERIODS.indexOf(period), limit: n });
const NOW = Date.UTC(2030, 0, 15, 10, 20, 45); // a quarter of the minute to come
const windows = copyWindows(windowsAt(NOW));

/** Whether a request at `ms` passes, with `current` and `previous` counted in NOW's minute and the one before. */
function passesAt(ms: number, limitN: number, current: number, previous: number): boolean {
  const w = copyWindows(windowsAt(ms));
  const weight = slidingWeights([limit('minute', limitN)], w, ms, new Float64Array(1))[0];
  assert.ok(weight !== undefined);
  // Past NOW's minute, its count becomes the previous one and the new minute has none yet.
  return w.starts[MINUTE] === windows.starts[MINUTE] ? slidingUsed(current, previous, weight) < limitN : slidingUsed(0, current, weight) < limitN;
}

test('weights are the part of each current window still to come', () => {
  const w = slidingWeights([limit('second', 1), limit('minute', 1), limit('hour', 1), limit('month', 1)], windows, NOW, new Float64Array(4));
  assert.deepEqual([...w], [1, 0.25, 1 - (20 * 60 + 45) / 3600, 1 - (14 * 86_400 + 10 * 3600 + 20 * 60 + 45) / (31 * 86_400)]);
});

test('the estimate floors the weighted previous count', () => {
  assert.equal(slidingUsed(8, 10, 0.25), 10);
  assert.equal(slidingUsed(8, 11, 0.25), 10);
  assert.equal(slidingUsed(0, 3, 0.999), 2);
});

test('the wait runs until the weighted previous count has fallen enough, and not a millisecond less', () => {
  // 8 counted, 10 before: floor(10 × w) must drop to 1, i.e. w < 0.2, after 10:20:48.
  assert.equal(slidingWaitMs(10, 8, 10, windows, MINUTE, NOW), 3000);
  assert.equal(passesAt(NOW + 3000, 10, 8, 10), false);
  assert.equal(passesAt(NOW + 3001, 10, 8, 10), true);
  assert.equal(slidingWaitMs(10, 5, 10, windows, MINUTE, NOW), 0, 'a request would pass now');
});

test('when the current window alone has reached the limit the wait runs into the next window', () => {
  // 10 counted: in the next minute floor(10 × w) must drop below 10, i.e. just after it starts.
  assert.equal(slidingWaitMs(10, 10, 0, windows, MINUTE, NOW), 15_000);
  assert.equal(passesAt(NOW + 15_000, 10, 10, 0), false);
  assert.equal(passesAt(NOW + 15_001, 10, 10, 0), true);
  // 12 counted (the limit was lowered): floor(12 × w) < 10 once w < 10/12, 10 s into the next minute.
  assert.equal(slidingWaitMs(10, 12, 3, windows, MINUTE, NOW), 25_000);
  assert.equal(passesAt(NOW + 25_000, 10, 12, 3), false);
  assert.equal(passesAt(NOW + 25_001, 10, 12, 3), true);
});

test('headers: remaining from the estimate; Reset is the window end while requests remain, the wait once none do', () => {
  const limits = [limit('minute', 10), limit('hour', 100)];
  const headers = new ClientHeaders(limits);
  const weights = slidingWeights(limits, windows, NOW, new Float64Array(2));
  const some: Record<string, string | string[]> = {};
  headers.write(some, Float64Array.of(5, 50), windows, { weights, previous: Float64Array.of(10, 0) }, NOW);
  assert.deepEqual(some, {
    'x-ratelimit-limit-minute': '10',
    'x-ratelimit-remaining-minute': '3',
    'x-ratelimit-limit-hour': '100',
    'x-ratelimit-remaining-hour': '50',
    'ratelimit-limit': '10',
    'ratelimit-remaining': '3',
    'ratelimit-reset': '15',
  });
  const none: Record<string, string | string[]> = {};
  const reset = headers.write(none, Float64Array.of(8, 50), windows, { weights, previous: Float64Array.of(10, 0) }, NOW);
  assert.equal(reset, 4, 'passes after 10:20:48, so at 10:20:49');
  assert.equal(none['ratelimit-remaining'], '0');
  assert.equal(none['ratelimit-reset'], '4');
});

test('with several limits exhausted, Reset waits for the last of them', () => {
  const limits = [limit('second', 2), limit('minute', 10)];
  const headers = new ClientHeaders(limits);
  const weights = slidingWeights(limits, windows, NOW, new Float64Array(2));
  const out: Record<string, string | string[]> = {};
  // The second is exhausted (wait 1 s), the minute too (wait 3 s): 3 s it is.
  assert.equal(headers.write(out, Float64Array.of(2, 8), windows, { weights, previous: Float64Array.of(0, 10) }, NOW), 4);
  assert.equal(out['ratelimit-limit'], '10');
});

let gw: PluginGateway | undefined;
after(() => gw?.close());

test('over sockets: a sliding limit counts, refuses with Retry-After, and reports the estimate', async () => {
  gw = await startPluginGateway({
    routes: [{ name: 'slide', paths: ['/slide'], plugins: [{ name: 'rate-limiting', config: { hour: 3, window_type: 'sliding', limit_by: 'ip' } }] }],
  });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await httpRequest(`${gw.url}/slide`)).status);
  assert.deepEqual(statuses, [200, 200, 200]);
  const refused = await httpRequest(`${gw.url}/slide`);
  assertRefused(refused, { status: 429, code: 'RATE_LIMITED', message: 'API rate limit exceeded' });
  assert.equal(refused.headers['x-ratelimit-remaining-hour'], '0');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal(refused.headers['retry-after'], refused.headers['ratelimit-reset']);
});
