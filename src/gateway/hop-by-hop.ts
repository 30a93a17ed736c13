// Hop-by-hop headers (RFC 9110 §7.6.1) and those a client could use to pass itself off as the gateway.
import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADERS } from './identity-headers.ts';

/** Never forwarded in either direction. `expect` too: the gateway answers 100-continue itself. */
export const HOP_BY_HOP: readonly string[] = [
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings',
];

/** Forwarding headers: only honoured from trusted proxies, otherwise dropped and rebuilt by the gateway. */
export const FORWARDING: readonly string[] = [
  'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port',
  'x-forwarded-path', 'x-forwarded-prefix', 'x-real-ip',
];

/** Removes hop-by-hop headers, the ones named in `Connection`, and every identity header. */
export function stripHopByHop(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const name of String(connection).split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') delete headers[n];
    }
  }
  for (const name of HOP_BY_HOP) delete headers[name];
}

export function stripIdentity(headers: IncomingHttpHeaders): void {
  for (const name of IDENTITY_HEADERS) delete headers[name];
  // CGI-style servers (PHP, WSGI, Rack) read `X_Consumer_ID` as `X-Consumer-ID`: a spoof that survives the
  // line above. nginx, and so Kong, drop every header with an underscore by default; so do we.
  for (const name in headers) if (name.includes('_')) delete headers[name];
}

export function stripForwarding(headers: IncomingHttpHeaders): void {
  for (const name of FORWARDING) delete headers[name];
}
