// Renders a GatewayError as RFC 9457 `application/problem+json`, carrying Kong's `message` beside it.
import { catalogue, type ErrorCode } from './catalogue.ts';
import type { GatewayError } from './gateway-error.ts';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  message: string;
  /** The plugin that refused the request, when one did (`key-auth`, `jwt`, `acl`, ...). */
  plugin?: string;
  detail?: string;
  fields?: Record<string, string>;
  request_id?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Members an extension may never take, even when this body leaves them out. */
const RESERVED = new Set(['type', 'title', 'status', 'code', 'message', 'detail', 'fields', 'request_id']);

export function problemBody(err: GatewayError, requestId?: string): ProblemBody {
  const body: ProblemBody = {
    type: `https://portcullis.dev/errors#${err.code}`,
    title: catalogue[err.code].title,
    status: err.status,
    code: err.code,
    message: err.kongMessage,
  };
  if (err.plugin !== undefined) body.plugin = err.plugin;
  if (err.detail !== undefined) body.detail = err.detail;
  if (err.fields !== undefined) body.fields = err.fields;
  if (requestId !== undefined) body.request_id = requestId;
  if (err.extensions !== undefined) {
    // RFC 9457 extension members, e.g. Kong's jwt claim errors (`{"exp":"token expired"}`) for Kong clients.
    const open = body as unknown as Record<string, unknown>;
    for (const name of Object.keys(err.extensions)) if (!RESERVED.has(name)) open[name] = err.extensions[name];
  }
  return body;
}
