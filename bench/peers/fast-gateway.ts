// Peer "fast-gateway": fast-gateway 3 (restana + fast-proxy-lite) verifying the JWT in its onRequest hook.
import { createRequire } from 'node:module';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import gateway from 'fast-gateway';
import { readPeerEnv, type JsonWebToken } from './peer-env.ts';

const require = createRequire(import.meta.url);
// fast-jwt is not installed in this repo, so this peer uses jsonwebtoken too, but tuned: the key is parsed once
// into a KeyObject at start instead of from the PEM/secret string on every request.
const jwt = require('jsonwebtoken') as JsonWebToken;

const env = readPeerEnv();
const key: KeyObject = env.alg === 'HS256' ? createSecretKey(Buffer.from(env.key)) : createPublicKey(env.key);
const algorithms = [env.alg];
const UNAUTHORIZED = '{"message":"Unauthorized"}';

function refuse(res: ServerResponse): true {
  res.statusCode = 401;
  res.setHeader('content-type', 'application/json');
  res.end(UNAUTHORIZED);
  return true; // tells fast-gateway not to proxy
}

const app = gateway({
  routes: [
    {
      prefix: '',
      target: env.upstreamUrl,
      hooks: {
        onRequest(req: IncomingMessage, res: ServerResponse): boolean {
          const header = req.headers.authorization;
          if (!header || !header.startsWith('Bearer ')) return refuse(res);
          try {
            jwt.verify(header.slice(7), key, { algorithms });
            return false;
          } catch {
            return refuse(res);
          }
        },
      },
    },
  ],
});

await app.start(env.port, '127.0.0.1');
process.stdout.write(`listening ${env.port}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
