// What Kong's access specs ported as black-box tests need: a request by Host (Kong's specs route by host),
// with repeated headers sent as separate lines, and what the upstream then saw.
import { request } from 'node:http';
import type { SimpleResponse } from './http.ts';
import type { RecordedRequest, TestUpstream } from './upstream.ts';

export interface SpecRequest {
  method?: string;
  /** An array value is sent as that many header lines, as a client repeating the header would. */
  headers?: Record<string, string | string[]>;
  body?: string;
}

export interface SpecResponse extends SimpleResponse {
  /** The problem body's fields, or the upstream's echo, parsed; undefined when not JSON. */
  json: Record<string, unknown> | undefined;
  /** What reached the upstream for this request; undefined when nothing did. */
  upstream: RecordedRequest | undefined;
}

export function specClient(gatewayUrl: string, upstream: TestUpstream) {
  return async function send(host: string, path: string, options: SpecRequest = {}): Promise<SpecResponse> {
    const seen = upstream.requests.length;
    const res = await new Promise<SimpleResponse>((resolve, reject) => {
      const req = request(`${gatewayUrl}${path}`, { method: options.method ?? 'GET', headers: { host, ...options.headers }, agent: false }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${path} within 10 s`)));
      req.end(options.body);
    });
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { ...res, json, upstream: upstream.requests.length > seen ? upstream.requests[seen] : undefined };
  };
}
