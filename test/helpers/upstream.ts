// A real HTTP upstream for tests: records every request that reaches it and answers with a JSON echo.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received on the wire. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Raw header pairs as received (preserves duplicates and casing). */
  rawHeaders: string[];
  body: string;
}

export interface TestUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replace the default JSON echo for the next requests. */
  handler: ((req: RecordedRequest, res: import('node:http').ServerResponse) => void) | null;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const state: TestUpstream = { url: '', port: 0, requests, handler: null, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      if (state.handler) return state.handler(recorded, res);
      const body = JSON.stringify({ method: recorded.method, url: recorded.url, headers: recorded.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.port = port;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
