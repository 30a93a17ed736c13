// Structured JSON logs (pino). Credentials are redacted by path so no code path can log one by accident.
import { pino, type Logger } from 'pino';

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

export function createLogger(level = process.env.PORTCULLIS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
