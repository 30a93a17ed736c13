// Which driver failures mean "the database cannot be reached" (refused, reset, shut down, too many clients):
// those become STORE_UNAVAILABLE (503); constraint and syntax errors pass through for store-errors.ts.
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import { errorText } from '../error-fields.ts';

/**
 * Node socket errors and SQLSTATE classes 08 (connection exception), 28 (authentication), 57P0x (shutdown),
 * 53300 (too many connections), 3D000 (no such database).
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);
/** pg reports a lost or unusable connection by message only. */
const MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
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

/** Rethrows `err` as STORE_UNAVAILABLE when it is a connection failure, unchanged otherwise. */
export function unavailable(err: unknown): never {
  if (!isGatewayError(err) && isConnectionError(err)) {
    // Server and socket messages name hosts, users and databases, never a password: safe to pass on.
    const code = errorText(err, 'code');
    throw new GatewayError('STORE_UNAVAILABLE', {
      detail: `database unreachable: ${errorText(err, 'message') ?? 'connection failed'}${code === undefined ? '' : ` (${code})`}`,
    });
  }
  throw err;
}
