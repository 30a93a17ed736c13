// Sends bytes exactly as written to a server and returns what comes back: for framing attacks that a
// well-behaved client library refuses to produce.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function rawRequest(port: number, payload: string, timeoutMs = 3000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const parsed = parse(text);
      // one complete response is enough: later bytes would belong to a smuggled second request
      if (parsed && parsed.complete) {
        clearTimeout(timer);
        socket.destroy();
        resolve(parsed.response);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = parse(Buffer.concat(chunks).toString('latin1'));
      if (parsed) resolve(parsed.response);
      else reject(new Error(`connection closed without a response: ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    });
    socket.write(payload);
  });
}

/**
 * Sends `payload` and collects every byte until the server closes the connection: for asserting that nothing
 * after a refusal (a smuggled second request) was ever answered. Rejects if the server keeps it open.
 */
export function rawUntilClose(port: number, payload: string, timeoutMs = 10_000): Promise<{ responses: RawResponse[]; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {}); // a reset after the answer still ends in 'close'
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const responses = raw
        .split(/(?=HTTP\/1\.[01] \d{3} )/)
        .map(parse)
        .filter((r) => r !== null)
        .map((r) => r.response);
      resolve({ responses, raw });
    });
    socket.write(payload);
  });
}

function parse(text: string): { response: RawResponse; complete: boolean } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = text.slice(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  return {
    response: { status: Number(statusLine?.split(' ')[1]), headers, body, raw: text },
    complete: length !== undefined && Buffer.byteLength(body, 'latin1') >= length,
  };
}
