// What a request is counted against, per `limit_by`, falling back to the client IP as Kong does.
import type { RequestContext } from '../../gateway/context.ts';
import type { RateLimitingConfig } from './schema.ts';

export type Identify = (ctx: RequestContext) => string;

/**
 * A header value could equal some client's IP and eat into its quota; header values cannot hold NUL,
 * so IPs counted in header mode get this prefix. Consumer, credential and service ids are UUIDs and
 * paths start with `/`, so they never collide with an IP.
 */
const IP_FALLBACK_PREFIX = '\u0000ip:';

export function createIdentify(config: RateLimitingConfig): Identify {
  switch (config.limit_by) {
    case 'consumer':
      return (ctx) => ctx.consumer?.id ?? ctx.credential?.id ?? ctx.clientIp;
    case 'credential':
      return (ctx) => ctx.credential?.id ?? ctx.clientIp;
    case 'service':
      return (ctx) => ctx.service?.id ?? ctx.clientIp;
    case 'header': {
      if (config.header_name === null) throw new Error("rate-limiting: limit_by 'header' without header_name passed validate()");
      const name = config.header_name.toLowerCase();
      return (ctx) => ctx.header(name) ?? IP_FALLBACK_PREFIX + ctx.clientIp;
    }
    case 'path': {
      const path = config.path;
      if (path === null) throw new Error("rate-limiting: limit_by 'path' without path passed validate()");
      return (ctx) => (ctx.path === path ? path : ctx.clientIp);
    }
    case 'ip':
    default:
      return (ctx) => ctx.clientIp;
  }
}
