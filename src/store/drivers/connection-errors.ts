// Which driver failures mean "the database cannot be reached" (refused, reset, shut down): those become
// STORE_UNAVAILABLE (503); the server refusing for want of connection slots is STORE_BUSY (503, retry
// shortly); constraint and syntax errors pass through for store-errors.ts.
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import { errorText } from '../error-fields.ts';

/**
 * Node socket errors and SQLSTATE classes 08 (connection exception), 28 (authentication), 57P0x (shutdown),
 * 53300 (too many connections), 3D000 (no such database).
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const TOO_MANY_CONNECTIONS = '53300';
const SQLSTATES = new Set(['57P01', '57P02', '57P03', TOO_MANY_CONNECTIONS, '3D000']);
/** pg reports a lost or unusable connection by message only. */
const MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /^timeout expired$/i, // pg's own connectionTimeoutMillis
  /connection.*(ended|closed)/i,
  /pglite is closed/i,
  /cannot use a pool after calling end/i,
];

export function isConnectionError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const code = errorText(err, 'code');
  const message = errorText(err, 'message');
  if (code !== undefined && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08') || code.startsWith('28'))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return message !== undefined && MESSAGES.some((re) => re.test(message));
}

/** SQLSTATE 53300: every connection slot the server (or the role's CONNECTION LIMIT) allows is taken. */
export function isTooManyConnections(err: unknown): boolean {
  return errorText(err, 'code') === TOO_MANY_CONNECTIONS;
}

/** Seconds a client is told to wait before retrying a write refused for want of a connection. */
const BUSY_RETRY_AFTER_S = '1';

/** STORE_BUSY: every connection of this node's budget stayed busy, or the server had no slot, for the whole wait. */
export function busy(detail: string): GatewayError {
  return new GatewayError('STORE_BUSY', { detail, headers: { 'retry-after': BUSY_RETRY_AFTER_S } });
}

/** Rethrows `err` as STORE_BUSY or STORE_UNAVAILABLE when it is a connection failure, unchanged otherwise. */
export function unavailable(err: unknown): never {
  // Never the server's own "sorry, too many clients already" passed through: a typed, retryable refusal.
  if (!isGatewayError(err) && isTooManyConnections(err)) throw busy(`the database server has no free connection slot (${TOO_MANY_CONNECTIONS})`);
  if (!isGatewayError(err) && isConnectionError(err)) {
    // Server and socket messages name hosts, users and databases, never a password: safe to pass on.
    const code = errorText(err, 'code');
    throw new GatewayError('STORE_UNAVAILABLE', {
      detail: `database unreachable: ${errorText(err, 'message') ?? 'connection failed'}${code === undefined ? '' : ` (${code})`}`,
    });
  }
  throw err;
}
