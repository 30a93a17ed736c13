// The answer to malformed HTTP that never became a request, written straight to the socket: the proxy and the admin
// API both need it, so it lives below both (the admin API never imports the gateway).
import type { GatewayError } from '../errors/gateway-error.ts';
import { problemBody, PROBLEM_CONTENT_TYPE } from '../errors/problem.ts';

/**
 * A raw problem+json response on the socket, then close. `serverToken` (the proxy's `portcullis/<version>`, when
 * its `headers` setting has Kong's Server header) adds a Server line.
 */
export function rawProblem(err: GatewayError, serverToken?: string): string {
  const body = JSON.stringify(problemBody(err));
  const serverLine = serverToken !== undefined ? `server: ${serverToken}\r\n` : '';
  return `HTTP/1.1 ${err.status} ${statusText(err.status)}\r\n${serverLine}content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

function statusText(status: number): string {
  return (
    (
      { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' } as Record<
        number,
        string
      >
    )[status] ?? 'Error'
  );
}
