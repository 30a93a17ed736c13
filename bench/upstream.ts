// The bench upstream: node:http answering every request with one fixed small JSON body over keep-alive.
import { createServer } from 'node:http';

export const UPSTREAM_BODY = '{"ok":true,"service":"bench-upstream","items":[1,2,3]}';

function main(): void {
  const port = Number(process.env.PORT ?? 0);
  const body = Buffer.from(UPSTREAM_BODY);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  const server = createServer((req, res) => {
    // Drain any request body so the connection stays reusable.
    req.resume();
    res.writeHead(200, headers);
    res.end(body);
  });
  // Gateways keep pooled connections idle between bench rounds; don't let them expire after Node's default 5 s.
  server.keepAliveTimeout = 120_000;
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (import.meta.main) main();
