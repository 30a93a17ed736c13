// Structured JSON logs (pino). Credentials are redacted by path so no code path can log one by accident.
import { destination, pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.apikey',
  'req.headers["proxy-authorization"]',
  'req.headers["kong-admin-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers.apikey',
  'headers["proxy-authorization"]',
  'headers["kong-admin-token"]',
  // request bodies carry credentials at any depth (`config.redis.password`): never logged, whole
  'req.body',
  'body',
  '*.secret',
  '*.key',
  '*.password',
  '*.token',
  '*.private_key',
];

/**
 * `to: 'stderr'` for commands whose stdout is their answer (`admin-token create` prints the token there): a
 * warning on stdout would end up in whatever reads it.
 */
export function createLogger(level = process.env.PORTCULLIS_LOG_LEVEL ?? 'info', to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options = { level, base: { service: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return to === 'stderr' ? pino(options, destination(2)) : pino(options);
}
