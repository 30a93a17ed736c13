// Structured JSON logs (pino). Credentials are redacted by path so no code path can log one by accident.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers.apikey', 'req.headers["proxy-authorization"]',
  'headers.authorization', 'headers.cookie', 'headers.apikey',
  '*.secret', '*.key', '*.password', '*.token', '*.private_key',
];

export function createLogger(level = process.env.PORTCULLIS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
