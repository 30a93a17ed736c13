// Fetches a JWKS document over HTTP(S) with hard limits: one deadline for the whole exchange, a byte
// cap, no redirects, 200 only. A hostile or broken key server costs us little.
import { request } from 'undici';

export interface JwksFetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** The parsed JSON body, or throws an Error saying what went wrong (for logs and `detail`). */
export async function fetchJwks(uri: string, limits: JwksFetchLimits): Promise<unknown> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const response = await request(uri, {
    method: 'GET',
    headers: { accept: 'application/jwk-set+json, application/json' },
    signal,
    headersTimeout: limits.timeoutMs,
    bodyTimeout: limits.timeoutMs,
    // A key fetch is rare; a fresh connection each time keeps no idle sockets around.
    reset: true,
  });
  const { statusCode, body } = response;
  if (statusCode !== 200) {
    discard(body);
    throw new Error(`JWKS fetch returned status ${statusCode}`);
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    discard(body);
    throw new Error(`JWKS larger than ${limits.maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxBytes) {
      discard(body);
      throw new Error(`JWKS larger than ${limits.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('JWKS is not JSON');
  }
}

/** Drops a body we will not read; undici reports destroying it as an error nobody needs to see. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}
