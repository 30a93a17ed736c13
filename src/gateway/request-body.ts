// Buffers the client's request body on demand, for plugins that must read or rewrite it (key-auth's
// key_in_body, request-transformer). Only a plugin asking buffers; every other request streams upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BodyWatch } from './client-timeouts.ts';

/**
 * The most a plugin may make the gateway hold in memory for one request when the route sets no smaller
 * request-size limit. Kong reads at most client_body_buffer_size (8 KiB by default) into memory and
 * fails body reads beyond it; 8 MiB keeps form, JSON and small multipart bodies working.
 */
export const BODY_BUFFER_LIMIT = 8 * 1024 * 1024;

export type BodyReader = (limit: number) => Promise<Buffer>;

const EMPTY = Buffer.alloc(0);
const ignore = () => {};

/**
 * Reads the whole body once. A client waiting on `Expect: 100-continue` gets its go-ahead first (the
 * pipeline otherwise sends it only after the access phase); beyond `limit` the read fails with 413
 * (417 when the declared length already says so and the client has not sent the body yet).
 */
export function createBodyReader(
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
  hooks: {
    /** The body is wanted now: answers the client's idle watch (started here for a 100-continue client). */
    continued(): BodyWatch | null;
  },
): BodyReader {
  return (limit) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      return Promise.reject(
        new GatewayError(expectContinue ? 'EXPECTATION_FAILED' : 'REQUEST_TOO_LARGE', {
          detail: `Content-Length ${declared} exceeds the ${limit}-byte limit for a body the gateway reads`,
        }),
      );
    }
    if (req.readableEnded) return Promise.resolve(EMPTY);
    // Gone before we asked: its 'close' has fired already and would never reach the listener below.
    if (req.destroyed) return Promise.reject(clientGone());
    if (expectContinue && !res.headersSent && res.writable) res.writeContinue();
    const watch = hooks.continued();
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (err: GatewayError | null) => {
        if (settled) return;
        settled = true;
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        if (watch !== null) watch.abortBody = null;
        if (err) reject(err);
        else resolve((chunks.length === 1 ? chunks.at(0) : undefined) ?? Buffer.concat(chunks, size));
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) settle(new GatewayError('REQUEST_TOO_LARGE', { detail: `body exceeds the ${limit}-byte limit for a body the gateway reads` }));
        else chunks.push(chunk);
      };
      const onEnd = () => {
        settle(null);
      };
      // 'close' before 'end': the client went away mid-body (its error, if any, is swallowed by `ignore`).
      const onClose = () => {
        settle(clientGone());
      };
      // The client going quiet mid-body (client_body_timeout) fails this read with its 408.
      if (watch !== null) {
        watch.abortBody = (err) => {
          settle((err as { gatewayError?: GatewayError }).gatewayError ?? new GatewayError('REQUEST_TIMEOUT'));
        };
      }
      req.on('error', ignore);
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('close', onClose);
      req.resume();
    });
  };
}

function clientGone(): GatewayError {
  return new GatewayError('BAD_REQUEST', { detail: 'the client closed the connection before sending the whole body' });
}
