// A TCP port free on 127.0.0.1 right now, for a server process that must be told its port up front
// (redis-server, postgres); servers in this process listen on port 0 instead.
import { createServer } from 'node:net';
import { once } from 'node:events';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
