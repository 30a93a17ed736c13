// A tiny JSON HTTP server for the example services: route table in, listening server out.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callerOf, type Caller } from './caller.ts';

export type JsonHandler = (req: IncomingMessage, caller: Caller, body: unknown, params: string[]) => { status: number; body: unknown };
export type RouteTable = { method: string; pattern: RegExp; handler: JsonHandler }[];

export async function startJsonServer(name: string, routes: RouteTable, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      let status = 404;
      let payload: unknown = { error: 'not_found', service: name };
      for (const route of routes) {
        const m = route.pattern.exec(path);
        if (!m || route.method !== req.method) continue;
        let body: unknown;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        } catch {
          ({ status, body: payload } = { status: 400, body: { error: 'invalid_json', service: name } });
          break;
        }
        ({ status, body: payload } = route.handler(req, callerOf(req), body, m.slice(1)));
        break;
      }
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * A service run as its own program (`PORT=3001 node examples/services/users/users-service.ts`), as `npm start`
 * runs the demo's: PORT picks the port (0: a free one), one line says where it listens (the supervisor reads the
 * port from it), and when a supervisor that spawned it over IPC goes away, however it went, the service goes too.
 */
export async function serveAsProgram(name: string, start: (port: number) => Promise<Server>, defaultPort: number): Promise<void> {
  const server = await start(Number(process.env.PORT || defaultPort));
  console.log(`${name} service on http://127.0.0.1:${portOf(server)}`);
  if (process.connected) process.once('disconnect', () => process.exit(0));
}
