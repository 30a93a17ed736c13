// Cheap unique request ids in Kong's format (32 lower-case hex digits, as $kong_request_id): a random
// per-process prefix and a counter (no crypto call per request).
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(8).toString('hex');
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return prefix + counter.toString(16).padStart(16, '0');
}
