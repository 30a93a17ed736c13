// The request body on its way upstream: counted against a size limit (request-size-limiting on chunked bodies,
// where no Content-Length could be judged up front) and watched for the service's write_timeout (like nginx's
// proxy_send_timeout: the upstream must take each chunk within the timeout once the gateway has it to give).
// A client that stalls (client_body_timeout, watched by BodyIdleWatch) fails this stream, which aborts the upstream request.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { BodyWatch } from '../client-timeouts.ts';

export type BodyError = Error & { code: string; gatewayError: GatewayError };

export function upstreamBody(req: IncomingMessage, limit: number | null, writeTimeout: number, watch: BodyWatch | null = null): Readable {
  // A read still waiting on a stalled client would hold up destroy() (a generator cannot return mid-await):
  // the abort is raced against every read instead.
  let abort: (err: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => {});
  const body: Readable = Readable.from(
    relay(req, limit, writeTimeout, (err) => body.destroy(err), aborted),
    { objectMode: false },
  );
  if (watch) {
    watch.abortBody = (err) => {
      abort(err);
      body.destroy(err);
    };
    body.once('close', () => (watch.abortBody = null));
  }
  return body;
}

/** The client sent no body data for the idle limit: 408, and forward aborts the upstream request. */
export function bodyTimeoutError(idleMs: number): BodyError {
  return bodyError('ERR_CLIENT_BODY_TIMEOUT', new GatewayError('REQUEST_TIMEOUT', { detail: `no request body data received for ${idleMs} ms` }));
}

async function* relay(
  req: IncomingMessage,
  limit: number | null,
  writeTimeout: number,
  fail: (err: Error) => void,
  aborted: Promise<never>,
): AsyncGenerator<Buffer> {
  // Not destroyed on the way out: a refused body is drained (lingering close) rather than reset.
  const chunks = req.iterator({ destroyOnReturn: false });
  let seen = 0;
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), aborted]);
      if (next.done) return;
      const chunk = next.value as Buffer;
      seen += chunk.length;
      if (limit !== null && seen > limit) {
        throw bodyError('ERR_BODY_LIMIT', new GatewayError('REQUEST_TOO_LARGE', { detail: `body exceeds ${limit} bytes` }));
      }
      // The generator resumes only when the upstream side pulls the next chunk: a stall here is the upstream's.
      const timer = setTimeout(() => {
        fail(bodyError('ERR_WRITE_TIMEOUT', new GatewayError('UPSTREAM_TIMEOUT', { detail: `upstream took no request data for ${writeTimeout} ms` })));
      }, writeTimeout);
      try {
        yield chunk;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // Releases the iterator's listeners (a read still pending on a stalled client releases when the socket goes).
    chunks.return?.().catch(() => {});
  }
}

function bodyError(code: string, gatewayError: GatewayError): BodyError {
  const err = new Error(gatewayError.message) as BodyError;
  err.code = code;
  err.gatewayError = gatewayError;
  return err;
}
