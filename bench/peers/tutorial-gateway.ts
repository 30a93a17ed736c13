// Peer "tutorial gateway": express + jsonwebtoken.verify middleware + http-proxy-middleware, as Node tutorials write it.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { readPeerEnv, type JsonWebToken } from './peer-env.ts';

type Next = () => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
interface ExpressResponse extends ServerResponse {
  status(code: number): ExpressResponse;
  json(body: unknown): void;
}
interface ExpressApp {
  disable(setting: string): void;
  use(path: string | Middleware, handler?: Middleware): void;
  listen(port: number, host: string, cb: () => void): import('node:http').Server;
}

const require = createRequire(import.meta.url);
const express = require('express') as () => ExpressApp;
const jwt = require('jsonwebtoken') as JsonWebToken;

const env = readPeerEnv();
const app = express();
app.disable('x-powered-by');

// Exactly the tutorial shape: the secret / PEM string straight from config, verified on every request.
app.use((req, res, next) => {
  const header = req.headers.authorization;
  const response = res as ExpressResponse;
  if (!header || !header.startsWith('Bearer ')) {
    response.status(401).json({ message: 'Unauthorized' });
    return;
  }
  try {
    (req as IncomingMessage & { user?: unknown }).user = jwt.verify(header.slice(7), env.key, { algorithms: [env.alg] });
    next();
  } catch {
    response.status(401).json({ message: 'Invalid token' });
  }
});

app.use('/', createProxyMiddleware({ target: env.upstreamUrl }) as unknown as Middleware);

const server = app.listen(env.port, '127.0.0.1', () => process.stdout.write(`listening ${env.port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
