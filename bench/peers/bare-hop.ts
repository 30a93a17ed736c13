// Peer "bare-hop": the floor of what a Node proxy hop costs, no auth at all. node:http in front, an undici Pool
// (keep-alive) behind, forwarding method, path, headers and bodies as a minimal honest proxy must: hop-by-hop
// headers dropped both ways, request and response bodies streamed with backpressure, upstream failures a 502.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const { PORT, UPSTREAM_URL } = process.env;
if (!PORT || !UPSTREAM_URL) throw new Error('bare-hop needs PORT and UPSTREAM_URL');

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function stripHopByHop(headers: Record<string, string | string[] | undefined>): void {
  const connection = headers.connection;
  if (connection !== undefined) for (const name of String(connection).split(',')) Reflect.deleteProperty(headers, name.trim().toLowerCase());
  for (const name of HOP_BY_HOP) Reflect.deleteProperty(headers, name);
}

const pool = new Pool(UPSTREAM_URL, { keepAliveTimeout: 60_000 });

const server = createServer((req, res) => {
  const headers: IncomingHttpHeaders = req.headers;
  const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  stripHopByHop(headers);
  pool.stream(
    { path: req.url ?? '/', method: req.method ?? 'GET', headers: headers as Record<string, string | string[]>, body: hasBody ? req : null },
    ({ statusCode, headers: upstream }) => {
      const h = upstream as Record<string, string | string[] | undefined>;
      stripHopByHop(h);
      res.writeHead(statusCode, h);
      return res;
    },
    (err) => {
      if (err === null) return;
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway');
      }
    },
  );
});
server.keepAliveTimeout = 120_000;
server.listen(Number(PORT), '127.0.0.1', () => {
  process.stdout.write(`listening ${PORT}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.close().then(() => process.exit(0));
});
