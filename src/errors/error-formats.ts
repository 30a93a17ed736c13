// The error body's format, picked from the client's Accept as Kong's kong.response.error does
// (kong/tools/http.lua get_response_type): Kong's HTML, plain-text and XML templates for clients that ask for
// them; application/problem+json for everything else (JSON, */*, no Accept), carrying Kong's `message` too.
import type { GatewayError } from './gateway-error.ts';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.ts';

export type ErrorFormat = 'problem' | 'html' | 'plain' | 'xml';

/** Kong's MIME_TYPES, folded onto our formats: JSON (and anything unknown) is the problem document. */
const BY_MEDIA_TYPE: Readonly<Record<string, ErrorFormat>> = {
  'text/html': 'html',
  'text/plain': 'plain',
  'application/xml': 'xml',
  'text/*': 'plain',
};

const MEDIA_TYPE = /^(?:[a-z0-9][a-z0-9\-!#$&^_+.]+|\*)\/(?:[a-z0-9][a-z0-9\-!#$&^_+.]+|\*)$/i;
const QUALITY = /^q\s*=\s*(1(?:\.0{0,3})?|0(?:\.\d{0,3})?)$/i;

/** The format for an Accept header: the first media range with the highest q wins, as in Kong. */
export function errorFormatFor(accept: string | string[] | undefined): ErrorFormat {
  if (accept === undefined) return 'problem';
  const value = Array.isArray(accept) ? accept.join(',') : accept;
  let format: ErrorFormat = 'problem';
  let best = 0;
  for (const range of value.split(',')) {
    const [type = '', ...params] = range.split(';');
    const media = type.trim().toLowerCase();
    if (!MEDIA_TYPE.test(media)) continue;
    let q = 1;
    for (const param of params) {
      const m = QUALITY.exec(param.trim());
      if (m) q = Number(m[1]);
    }
    if (q > best) {
      best = q;
      format = BY_MEDIA_TYPE[media] ?? 'problem';
    }
  }
  return format;
}

const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';
const PLAIN_CONTENT_TYPE = 'text/plain; charset=utf-8';
const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** Content type and body of `err` in `format`; Kong's templates, word for word (the message escaped for HTML and XML). */
export function renderError(err: GatewayError, format: ErrorFormat, requestId: string | undefined): { contentType: string; body: string } {
  const id = requestId ?? '';
  switch (format) {
    case 'html':
      return {
        contentType: HTML_CONTENT_TYPE,
        body: `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeMarkup(err.kongMessage)}.</p>\n    <p>request_id: ${escapeMarkup(id)}</p>\n  </body>\n</html>\n`,
      };
    case 'plain':
      return { contentType: PLAIN_CONTENT_TYPE, body: `${err.kongMessage}\nrequest_id: ${id}\n` };
    case 'xml':
      return {
        contentType: XML_CONTENT_TYPE,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeMarkup(err.kongMessage)}</message>\n  <requestid>${escapeMarkup(id)}</requestid>\n</error>\n`,
      };
    default:
      return { contentType: PROBLEM_CONTENT_TYPE, body: JSON.stringify(problemBody(err, requestId)) };
  }
}

function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
