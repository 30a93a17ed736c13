// rate-limiting's access phase: count the request against the caller's fixed windows, then either add
// the rate-limit headers to the response or refuse with Kong's 429, headers and Retry-After.
import type { PluginEnv, PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { problemBody, PROBLEM_CONTENT_TYPE } from '../../errors/problem.ts';
import { ClientHeaders, RETRY_AFTER } from './client-headers.ts';
import type { CounterStore, PeriodLimit } from './counter-store.ts';
import { createIdentify } from './identifier.ts';
import { LocalCounterStore } from './local-counter-store.ts';
import { PERIODS, windowsAt, type Windows } from './periods.ts';
import type { RateLimitingConfig } from './schema.ts';

export function createRateLimitingHandler(config: RateLimitingConfig, env: PluginEnv): PluginHandler {
  const limits: PeriodLimit[] = [];
  PERIODS.forEach((period, index) => {
    const limit = config[period];
    if (limit !== null) limits.push({ period, index, limit });
  });
  // validate() only lets 'local' through; its counters outlive config rebuilds.
  const store: CounterStore = env.persistent('local-counters', () => new LocalCounterStore());
  const identify = createIdentify(config);
  const headers = config.hide_client_headers ? null : new ClientHeaders(limits);
  const scratch = new Float64Array(limits.length);
  const { fault_tolerant: faultTolerant, error_code: errorCode, error_message: errorMessage } = config;

  function settle(ctx: RequestContext, refusedBy: number, counts: Float64Array, windows: Windows): void {
    if (refusedBy === -1) {
      if (headers !== null) headers.write(ctx.responseHeaders, counts, windows);
      return;
    }
    const out: Record<string, string> = {};
    if (headers !== null) out[RETRY_AFTER] = String(headers.write(out, counts, windows));
    const refusal = new GatewayError('RATE_LIMITED', { message: errorMessage, headers: out });
    if (errorCode === refusal.status) throw refusal;
    // Kong lets the status be changed; the problem body stays, stating the status actually sent.
    const body = JSON.stringify({ ...problemBody(refusal, ctx.id), status: errorCode });
    ctx.exit(errorCode, body, { 'content-type': PROBLEM_CONTENT_TYPE, ...out });
  }

  function storeFailed(err: unknown): void {
    // Fault tolerant: an unreachable store lets traffic through unlimited rather than failing it.
    if (!faultTolerant) throw new GatewayError('RATE_LIMIT_STORE_UNAVAILABLE', { cause: err });
    env.logger.warn({ err }, 'rate-limiting counter store failed; request let through (fault_tolerant)');
  }

  return {
    access(ctx) {
      const windows = windowsAt(Date.now());
      const identifier = identify(ctx);
      if (!store.remote) {
        let refusedBy: number;
        try {
          refusedBy = store.consume(identifier, limits, windows, scratch) as number;
        } catch (err) {
          return storeFailed(err);
        }
        return settle(ctx, refusedBy, scratch, windows);
      }
      // A remote store answers later: give this request its own counts and a frozen copy of the windows.
      const counts = new Float64Array(limits.length);
      const own: Windows = { starts: windows.starts.slice(), ends: windows.ends.slice() };
      return Promise.resolve()
        .then(() => store.consume(identifier, limits, own, counts))
        .then((refusedBy) => settle(ctx, refusedBy, counts, own), storeFailed);
    },
  };
}
