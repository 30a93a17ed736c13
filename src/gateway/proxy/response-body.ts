// When the proxy may hold an upstream response back for a plugin's body filter (response-transformer):
// only bodies that exist, arrive unencoded and fit the cap; everything else streams through untouched.
import type { ResponseHead } from '../../plugins/contract.ts';

/** Rewrites a whole response body; the proxy fixes Content-Length afterwards. */
export type BodyTransform = (body: Buffer) => Buffer;

/**
 * The most the gateway holds in memory for one response. Kong buffers without a bound; a larger body
 * (declared, or found to be larger while it arrives) is sent on as the upstream sent it.
 */
export const RESPONSE_BODY_BUFFER_LIMIT = 8 * 1024 * 1024;

export function bufferingResponse(method: string, head: ResponseHead): boolean {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return false;
  // A compressed body is not the JSON a filter could parse (Kong's transformer fails on it and passes it on).
  const encoding = head.headers['content-encoding'] ?? 'identity';
  if (String(encoding).trim().toLowerCase() !== 'identity') return false;
  // No Content-Length: the size shows while the body arrives.
  const length = head.headers['content-length'] ?? 0;
  if (!(Number(length) <= RESPONSE_BODY_BUFFER_LIMIT)) return false;
  return true;
}
