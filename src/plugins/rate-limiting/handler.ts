// rate-limiting's access phase: count the request against the caller's windows (fixed or sliding) in the
// policy's store, then either add the rate-limit headers to the response or refuse with Kong's 429, headers
// and Retry-After. A store that cannot be reached (or, local, has no room for a new identifier) lets traffic
// through (fault_tolerant) or fails it with 500.
import type { PluginEnv, PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { problemBody, PROBLEM_CONTENT_TYPE } from '../../errors/problem.ts';
import { ClientHeaders, RETRY_AFTER } from './client-headers.ts';
import type { PeriodLimit, SlidingCounts } from './counter-store.ts';
import { counterStoreFor } from './counter-store-for.ts';
import { createIdentify } from './identifier.ts';
import { PERIODS, copyWindows, windowsAt, type Windows } from './periods.ts';
import { slidingWeights } from './sliding-window.ts';
import type { RateLimitingConfig } from './schema.ts';

/** An unavailable store is logged at most this often per plugin instance; every request would flood the log. */
const STORE_WARNING_INTERVAL_MS = 5000;

export function createRateLimitingHandler(config: RateLimitingConfig, env: PluginEnv): PluginHandler {
  const limits: PeriodLimit[] = [];
  PERIODS.forEach((period, index) => {
    const limit = config[period];
    if (limit !== null) limits.push({ period, index, limit });
  });
  const store = counterStoreFor(config, env);
  const identify = createIdentify(config);
  const headers = config.hide_client_headers ? null : new ClientHeaders(limits);
  const sliding = config.window_type === 'sliding';
  const n = limits.length;
  // The local store answers synchronously, so one set of arrays serves every request.
  const scratch = new Float64Array(n);
  const scratchSliding: SlidingCounts = { weights: new Float64Array(n), previous: new Float64Array(n) };
  const { fault_tolerant: faultTolerant, error_code: errorCode, error_message: errorMessage } = config;
  let nextWarningAt = 0;
  let unlogged = 0;

  function settle(ctx: RequestContext, refusedBy: number, counts: Float64Array, windows: Windows, s: SlidingCounts | undefined, now: number): void {
    if (refusedBy === -1) {
      if (headers !== null) headers.write(ctx.responseHeaders, counts, windows, s, now);
      return;
    }
    const out: Record<string, string> = {};
    if (headers !== null) out[RETRY_AFTER] = String(headers.write(out, counts, windows, s, now));
    const refusal = new GatewayError('RATE_LIMITED', { message: errorMessage, headers: out });
    if (errorCode === refusal.status) throw refusal;
    // Kong lets the status be changed; the problem body stays, stating the status actually sent.
    const body = JSON.stringify({ ...problemBody(refusal, ctx.id), status: errorCode });
    ctx.exit(errorCode, body, { 'content-type': PROBLEM_CONTENT_TYPE, ...out });
  }

  function storeFailed(err: unknown): void {
    const now = Date.now();
    if (now >= nextWarningAt) {
      nextWarningAt = now + STORE_WARNING_INTERVAL_MS;
      const detail = { err, policy: config.policy, unlogged_failures: unlogged };
      unlogged = 0;
      if (faultTolerant) env.logger.warn(detail, 'rate-limiting counter store unavailable; requests let through unlimited (fault_tolerant)');
      else env.logger.error(detail, 'rate-limiting counter store unavailable; requests refused with 500 (fault_tolerant is false)');
    } else unlogged++;
    if (!faultTolerant) throw new GatewayError('RATE_LIMIT_STORE_UNAVAILABLE', { cause: err });
  }

  return {
    access(ctx) {
      const now = Date.now();
      const windows = windowsAt(now);
      const identifier = identify(ctx);
      if (!store.remote) {
        const s = sliding ? scratchSliding : undefined;
        if (s !== undefined) slidingWeights(limits, windows, now, s.weights);
        let refusedBy: number;
        try {
          refusedBy = store.consume(identifier, limits, windows, scratch, s) as number;
        } catch (err) {
          storeFailed(err);
          return;
        }
        settle(ctx, refusedBy, scratch, windows, s, now);
        return;
      }
      // A remote store answers later: give this request its own arrays and a frozen copy of the windows.
      const counts = new Float64Array(n);
      const own = copyWindows(windows);
      const s = sliding ? { weights: slidingWeights(limits, own, now, new Float64Array(n)), previous: new Float64Array(n) } : undefined;
      return Promise.resolve()
        .then(() => store.consume(identifier, limits, own, counts, s))
        .then((refusedBy) => {
          settle(ctx, refusedBy, counts, own, s, now);
        }, storeFailed);
    },
  };
}
