// Counts a streamed request body and fails the stream once it passes the limit (request-size-limiting on
// chunked bodies, where no Content-Length could be checked up front).
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { GatewayError } from '../../errors/gateway-error.ts';

export function limitBody(req: IncomingMessage, limit: number): Readable {
  return Readable.from(count(req, limit), { objectMode: false });
}

async function* count(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > limit) {
      const err = new Error('request body over the size limit') as Error & { code: string; gatewayError: GatewayError };
      err.code = 'ERR_BODY_LIMIT';
      err.gatewayError = new GatewayError('REQUEST_TOO_LARGE', { detail: `body exceeds ${limit} bytes` });
      throw err;
    }
    yield chunk;
  }
}
