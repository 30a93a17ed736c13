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
    response: { status: Number(statusLine.split(' ')[1]), headers, body, raw: text },
    complete: length !== undefined && Buffer.byteLength(body, 'latin1') >= length,
  };
}
