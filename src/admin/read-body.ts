// Reads and parses an admin request body: JSON or Kong-style form encoding, nothing else; bounded in size
// (refused from Content-Length before a byte is read, or as soon as a chunked body passes the limit).
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import { decodeForm, FORBIDDEN_KEYS } from './form-body.ts';

export type BodyType = 'json' | 'form';

export interface ParsedBody {
  body: unknown;
  /** How it was encoded (form values are strings until the route reads them by its schema). */
  type: BodyType | undefined;
}

/** Thrown when the body passes the limit: the connection must be closed, the rest of the body is never read. */
export class BodyTooLarge extends GatewayError {
  constructor(limit: number) {
    super('ADMIN_BODY_TOO_LARGE', { detail: `request body exceeds ${limit} bytes` });
  }
}

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<ParsedBody> {
  if (!hasBody(req)) return { body: undefined, type: undefined };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
  const type = bodyType(req.headers['content-type']);
  if (type === undefined && Number.isFinite(declared) && declared > 0) throw unsupported();
  const raw = await collect(req, limit);
  if (raw.length === 0) return { body: undefined, type: undefined };
  if (type === undefined) throw unsupported();
  const text = decodeUtf8(raw);
  return { body: type === 'json' ? parseJson(text) : decodeForm(text), type };
}

function bodyType(contentType: string | undefined): BodyType | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

function unsupported(): GatewayError {
  return new GatewayError('ADMIN_UNSUPPORTED_MEDIA_TYPE', { detail: 'send application/json or application/x-www-form-urlencoded' });
}

function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause(); // stop reading: the server answers 413 and closes the connection
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function decodeUtf8(raw: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new GatewayError('ADMIN_MALFORMED_BODY', { detail: 'the body is not valid UTF-8' });
  }
}

/**
 * Deepest nesting a JSON body may have. Entity bodies and Kong config documents are a dozen levels deep; a few
 * thousand parse, then overflow the recursive walks that check them (a 500, open to read-only dry runs).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether brackets outside strings nest deeper than `max`: one pass, no recursion, before anything parses. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new GatewayError('ADMIN_MALFORMED_BODY', { detail: `a JSON body may nest at most ${MAX_JSON_DEPTH} levels` });
  let forbidden: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, function (key: string, value: unknown): unknown {
      if (FORBIDDEN_KEYS.has(key) && forbidden === undefined) forbidden = key;
      return value;
    });
  } catch (err) {
    // only the position: V8's message quotes the body around it, and the body may hold a secret
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new GatewayError('ADMIN_MALFORMED_BODY', { detail: position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}` });
  }
  if (forbidden !== undefined) throw new GatewayError('ADMIN_MALFORMED_BODY', { detail: `the key '${forbidden}' is not allowed in a body` });
  return parsed;
}
