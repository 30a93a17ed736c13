// A small admin API client for the `config` commands: one base URL and token, JSON in and out, and refusals
// turned into CliErrors that print the problem+json code, message and every field path (exit 1), or
// "cannot reach" (exit 3). The token is sent as `Authorization: Bearer` and never printed.
import { Agent, request } from 'undici';
import { CliError } from './cli-error.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8001';

/** Exit codes shared by the `config` commands. */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

/** The flags every command that talks to the admin API takes (node:util parseArgs options). */
export const ADMIN_FLAGS = {
  'admin-url': { type: 'string' },
  'admin-token': { type: 'string' },
} as const;

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** A refused request: the server's problem+json, already formatted for a terminal. */
export class AdminRefusal extends CliError {
  readonly status: number;
  constructor(what: string, status: number, body: unknown) {
    super(`${what}: ${describeProblem(status, body)}`, EXIT.refused);
    this.name = 'AdminRefusal';
    this.status = status;
  }
}

export interface AdminClient {
  readonly url: string;
  /** Any status back, for callers that expect some refusals (404 on a lookup). Throws only when unreachable. */
  send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<AdminResponse>;
  /** The body of a 2xx answer; anything else throws an AdminRefusal. */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export function adminClientFrom(values: { 'admin-url'?: string; 'admin-token'?: string }, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const url = values['admin-url'] ?? env.PORTCULLIS_ADMIN_URL ?? DEFAULT_ADMIN_URL;
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error();
  } catch {
    throw new CliError(`--admin-url must be an http(s) URL, got ${JSON.stringify(url)}`, EXIT.usage);
  }
  return createAdminClient(base.href.replace(/\/$/, ''), values['admin-token'] ?? env.PORTCULLIS_ADMIN_TOKEN);
}

export function createAdminClient(url: string, token?: string): AdminClient {
  const dispatcher = new Agent({ headersTimeout: 60_000, bodyTimeout: 60_000, connect: { timeout: 10_000 } });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;

  const send: AdminClient['send'] = async (method, path, body) => {
    let res;
    try {
      res = await request(`${url}${path}`, {
        method,
        dispatcher,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
      throw new CliError(`cannot reach the admin API at ${url}: ${code}`, EXIT.unreachable);
    }
    const text = await res.body.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.statusCode, body: parsed };
  };

  return {
    url,
    send,
    async call(method, path, body) {
      const res = await send(method, path, body);
      if (res.status >= 200 && res.status < 300) return res.body;
      throw new AdminRefusal(`${method} ${path}`, res.status, res.body);
    },
    close: () => dispatcher.close(),
  };
}

/** `400 ADMIN_SCHEMA_VIOLATION: schema violation (detail)` and one indented line per field path. */
export function describeProblem(status: number, body: unknown): string {
  if (body === null || typeof body !== 'object') return `HTTP ${status}`;
  const problem = body as Record<string, unknown>;
  const code = typeof problem.code === 'string' ? ` ${problem.code}` : '';
  const message = typeof problem.message === 'string' ? problem.message : typeof problem.title === 'string' ? problem.title : '';
  const detail = typeof problem.detail === 'string' && problem.detail !== message ? ` (${problem.detail})` : '';
  const lines = [`${status}${code}: ${message}${detail}`];
  for (const [path, why] of fieldEntries(problem.fields)) lines.push(`  ${path}: ${why}`);
  return lines.join('\n');
}

/** Field errors as flat `path: message` pairs; Kong nests them (`{ config: { minute: "…" } }`), ours are flat. */
function fieldEntries(fields: unknown, prefix = ''): [string, string][] {
  if (fields === null || typeof fields !== 'object') return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') out.push([path, value]);
    else if (Array.isArray(value))
      value.forEach((v, i) => (typeof v === 'string' ? out.push([`${path}[${i}]`, v]) : out.push(...fieldEntries(v, `${path}[${i}]`))));
    else out.push(...fieldEntries(value, path));
  }
  return out;
}
