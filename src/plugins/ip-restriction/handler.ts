// ip-restriction per request: classify the client address once, then deny list, then allow list (Kong's order).
import { GatewayError } from '../../errors/gateway-error.ts';
import { IpMatcher, ipType, unmap } from '../../net/ip-ranges.ts';
import type { PluginHandler } from '../contract.ts';
import type { IpRestrictionConfig } from './schema.ts';

const NO_ADDRESS = 'Cannot identify the client IP address, unix domain sockets are not supported.';

export function createIpRestriction(config: IpRestrictionConfig): PluginHandler {
  const deny = config.deny !== null && config.deny.length > 0 ? new IpMatcher(config.deny) : null;
  const allow = config.allow !== null && config.allow.length > 0 ? new IpMatcher(config.allow) : null;
  const status = config.status ?? 403;
  const message = config.message;

  function refuse(clientIp: string): GatewayError {
    return refusal(status, message ?? `IP address not allowed: ${unmap(clientIp)}`);
  }

  return {
    access(ctx) {
      const type = ipType(ctx.clientIp);
      if (type === null) throw refusal(403, NO_ADDRESS);
      if (deny !== null && deny.containsTyped(ctx.clientIp, type)) throw refuse(ctx.clientIp);
      if (allow !== null && !allow.containsTyped(ctx.clientIp, type)) throw refuse(ctx.clientIp);
    },
  };
}

/** Kong lets the operator pick the status; the catalogue row holds the default (403). */
function refusal(status: number, message: string): GatewayError {
  return new GatewayError('IP_FORBIDDEN', { status, message });
}
